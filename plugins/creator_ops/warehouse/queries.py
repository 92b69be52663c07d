"""Read queries on the warehouse: the SQL in `include/sql/` and the figures the core's rules need.

The core turns what these return into milestones, alerts and payouts; it never runs
SQL itself. Timestamps are bound as UTC (SQLite keeps naive UTC).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import DateTime, bindparam, select, text

from creator_ops.core.paths import SQL_DIR
from creator_ops.core.problems import PAYOUT_APPROVAL_WAIT
from creator_ops.core.times import as_utc, utc
from creator_ops.warehouse.schema import campaign_runs, payout_calculations

if TYPE_CHECKING:
    from sqlalchemy import Engine, TextClause



@lru_cache(maxsize=32)
def load_sql(name: str) -> str:
    """Return the text of `include/sql/<name>.sql` without its comment lines.

    Comments are dropped because they name the `:parameters`, which `text()` would bind.
    """
    lines = (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8").splitlines()
    return "\n".join(line for line in lines if not line.lstrip().startswith("--"))


def sql(name: str, *timestamps: str) -> TextClause:
    """Return `include/sql/<name>.sql` as a statement, binding the named parameters as timestamps."""
    statement = text(load_sql(name))
    if timestamps:
        statement = statement.bindparams(*(bindparam(t, type_=DateTime(timezone=True)) for t in timestamps))
    return statement


def survey_responses_as_of(engine: Engine, campaign_id: str, as_of: dt.datetime) -> int:
    """Return the survey responses submitted by `as_of` (current files; `milestone_survey_responses.sql`)."""
    with engine.connect() as conn:
        responses = conn.execute(
            sql("milestone_survey_responses", "as_of"), {"campaign_id": campaign_id, "as_of": utc(as_of)}
        ).scalar_one()
    return int(responses or 0)


def _rows(engine: Engine, statement: TextClause, parameters: dict[str, Any]) -> list[Mapping[str, Any]]:
    with engine.connect() as conn:
        return list(conn.execute(statement, parameters).mappings().all())


def quality_failures(engine: Engine, campaign_id: str, run_id: str) -> list[Mapping[str, Any]]:
    """Return the failed quality suites stored for this run."""
    return _rows(
        engine, sql("alert_quality_failures"), {"campaign_id": campaign_id, "run_id": run_id, "failed_flag": False}
    )


def quarantine_by_file(engine: Engine, campaign_id: str, run_id: str) -> list[Mapping[str, Any]]:
    """Return this run's ingested files with their rows in and rows quarantined."""
    return _rows(engine, sql("alert_quarantine_by_file"), {"campaign_id": campaign_id, "run_id": run_id})


def rejected_files(engine: Engine, campaign_id: str, run_id: str) -> list[Mapping[str, Any]]:
    """Return this run's files rejected as a whole, with their reason."""
    return _rows(engine, sql("alert_rejected_files"), {"campaign_id": campaign_id, "run_id": run_id})


def payouts_waiting(engine: Engine, campaign_id: str, now: dt.datetime) -> list[Mapping[str, Any]]:
    """Return the payout calculations waiting for approval longer than `PAYOUT_APPROVAL_WAIT`."""
    return _rows(
        engine,
        sql("alert_payouts_waiting", "cutoff"),
        {"campaign_id": campaign_id, "cutoff": utc(now) - PAYOUT_APPROVAL_WAIT},
    )


def latest_payout(engine: Engine, campaign_id: str) -> tuple[str, int, int] | None:
    """Return the latest payout calculation's (state, total_sen, creators), or None before the first."""
    pc = payout_calculations.c
    with engine.connect() as conn:
        row = conn.execute(
            select(pc.state, pc.total_sen, pc.creators)
            .where(pc.campaign_id == campaign_id)
            .order_by(pc.calculated_at.desc())
            .limit(1)
        ).first()
    return None if row is None else (row.state, row.total_sen, row.creators)


def last_run(engine: Engine, campaign_id: str) -> tuple[str, dt.datetime] | None:
    """Return the phase and time (UTC) of the campaign's last recorded run, or None."""
    runs = campaign_runs.c
    with engine.connect() as conn:
        row = conn.execute(
            select(runs.phase, runs.updated_at)
            .where(runs.campaign_id == campaign_id)
            .order_by(runs.updated_at.desc())
            .limit(1)
        ).first()
    return None if row is None else (row.phase, as_utc(row.updated_at))
