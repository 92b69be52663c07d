"""UTC helpers: the warehouse stores UTC, SQLite hands it back naive; business logic never calls now()."""

from __future__ import annotations

import datetime as dt


def utc(moment: dt.datetime) -> dt.datetime:
    """Return an aware `moment` in UTC; a naive one is an error (its zone would be a guess)."""
    if moment.tzinfo is None:
        raise ValueError("times must be timezone-aware")
    return moment.astimezone(dt.UTC)


def as_utc(value: dt.datetime | str) -> dt.datetime:
    """Return a stored timestamp as aware UTC: naive values (SQLite, raw SQL text) are UTC already."""
    moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def as_utc_or_none(value: dt.datetime | str | None) -> dt.datetime | None:
    """Return `as_utc(value)`, or None for a missing value."""
    return None if value is None else as_utc(value)
