"""Time helpers: UTC for storage, the campaign's zone for people; business logic never calls now().

The warehouse stores UTC and SQLite hands it back naive (`as_utc` makes it aware). Every
moment a person reads (pages, alerts, Markdown, the review, the demo) goes through the one
local-time formatter, `format_local(moment, zone, style=...)`, in the campaign's time zone:

- `FULL` (default) `Mon 07 Dec 2026 17:00`; `DATE_TIME` `07 Dec 2026 17:00`;
  `DAY_TIME` `Mon 07 Dec 17:00`; `SHORT` `07 Dec 17:00`; `DATE` `07 Dec 2026`; `HOUR` `17:00`;
- `moment` is an aware datetime, a naive one (UTC, as stored) or ISO 8601 text; None gives
  `missing` ("—"); `with_zone=True` appends ` (Asia/Kuala_Lumpur)`;
- `zone` is the zone's name (`spec.timezone`) or a tzinfo (`spec.tz`).
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from zoneinfo import ZoneInfo

FULL = "%a %d %b %Y %H:%M"
DATE_TIME = "%d %b %Y %H:%M"
DAY_TIME = "%a %d %b %H:%M"
SHORT = "%d %b %H:%M"
DATE = "%d %b %Y"
HOUR = "%H:%M"


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


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def format_local(
    moment: dt.datetime | str | None,
    zone: str | dt.tzinfo,
    *,
    style: str = FULL,
    with_zone: bool = False,
    missing: str = "—",
) -> str:
    """Format a moment for people in the campaign's time zone (`Mon 07 Dec 2026 17:00`)."""
    if moment is None or (isinstance(moment, str) and not moment.strip()):
        return missing
    tz = _zone(zone) if isinstance(zone, str) else zone
    text = as_utc(moment).astimezone(tz).strftime(style)
    if with_zone:
        text += f" ({zone if isinstance(zone, str) else getattr(zone, 'key', str(zone))})"
    return text
