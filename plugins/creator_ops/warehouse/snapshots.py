"""A campaign's figures as of one run, computed once by the run and read by every surface: their storage.

Each run computes (the figures layer: `figures.snapshot`, its funnel `figures.funnel` by the
review's definition `core.funnel`), as of the end of its data interval, the campaign's figures
(enrolled, eligible and live GMV, selling creators, trust),
with what the pages plot (the same tables per hour), the funnel, survey responses, the
traffic spent so far, the live projection made by then and the measured lift (SPEC 12), and
stores them in `campaign_snapshots` keyed by the run. The Campaigns
view, the campaign page and the milestones read the latest snapshot instead of re-reading a
million lines per request; the review computes the same figures with the same engine. A
surface labels what it shows with the snapshot's run and moment ("as of ...").

This module stores and reads the rows (`StoredSnapshot`: the keys and the figures as
`figures.snapshot` encoded them); `figures.snapshot` turns them into its `Snapshot` and back.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, func, select

from creator_ops.core.times import as_utc, utc
from creator_ops.warehouse.files import current_files
from creator_ops.warehouse.schema import campaign_snapshots
from creator_ops.warehouse.upsert import upsert

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from creator_ops.core.spec import CampaignSpec


@dataclass(frozen=True)
class StoredSnapshot:
    """One stored snapshot: its keys and the figures as `figures.snapshot` encoded them (JSON values)."""

    campaign_id: str
    run_id: str
    phase: str
    as_of: dt.datetime
    computed_at: dt.datetime
    data: dict[str, Any]
    chosen_because: str = ""  # why a page shows this one (`snapshots_at`), never stored


# --------------------------------------------------------------------------- storing and reading


def _stored(row: Any) -> StoredSnapshot:
    return StoredSnapshot(row.campaign_id, row.run_id, row.phase, as_utc(row.as_of), as_utc(row.computed_at),
                          json.loads(row.figures_json))  # fmt: skip


def store_snapshot(engine: Engine, snapshot: StoredSnapshot) -> None:
    """Store the run's snapshot; a rerun of the run replaces it."""
    with engine.begin() as conn:
        upsert(
            conn,
            campaign_snapshots,
            [{
                "campaign_id": snapshot.campaign_id, "run_id": snapshot.run_id, "phase": snapshot.phase,
                "as_of": snapshot.as_of, "computed_at": snapshot.computed_at,
                "figures_json": json.dumps(snapshot.data, sort_keys=True),
            }],
            ["campaign_id", "run_id"],
        )  # fmt: skip


def run_snapshot(engine: Engine, campaign_id: str, run_id: str) -> StoredSnapshot | None:
    """Return the snapshot a run stored, or None."""
    s = campaign_snapshots.c
    with engine.connect() as conn:
        row = conn.execute(select(campaign_snapshots).where(s.campaign_id == campaign_id, s.run_id == run_id)).first()
    return None if row is None else _stored(row)


def latest_snapshots(engine: Engine, campaign_ids: list[str]) -> dict[str, StoredSnapshot]:
    """Return each campaign's latest snapshot (by the moment it describes, then when it was computed), in one query."""
    if not campaign_ids:
        return {}
    s = campaign_snapshots.c
    rank = func.row_number().over(partition_by=s.campaign_id, order_by=(s.as_of.desc(), s.computed_at.desc()))
    ranked = select(campaign_snapshots, rank.label("rank")).where(s.campaign_id.in_(campaign_ids)).subquery()
    with engine.connect() as conn:
        rows = conn.execute(select(ranked).where(and_(ranked.c.rank == 1))).all()
    return {row.campaign_id: _stored(row) for row in rows}


def latest_snapshot(engine: Engine, campaign_id: str) -> StoredSnapshot | None:
    """Return the campaign's latest snapshot, or None before its first run."""
    return latest_snapshots(engine, [campaign_id]).get(campaign_id)


# Which stored snapshot a page seen at `now` shows (issue 30: "the event day as it was" under a
# pinned now): the one of the run whose data interval holds `now`; without it, the latest one that
# describes a moment before `now`; without any, the earliest later one (the page says it is later).
# In production every stored snapshot describes the past, so this is the latest one.
HOLDS_NOW, BEFORE_NOW, LATER = "the run whose interval holds now", "an earlier run", "a later run"


def snapshots_at(engine: Engine, specs: list[CampaignSpec], now: dt.datetime) -> dict[str, StoredSnapshot]:
    """Return each campaign's snapshot for pages seen at `now` (see `HOLDS_NOW`), two queries in all."""
    from collections import defaultdict

    from creator_ops.core.calendar import CampaignCalendar

    if not specs:
        return {}
    s = campaign_snapshots.c
    with engine.connect() as conn:
        keys = conn.execute(select(s.campaign_id, s.as_of, s.computed_at)
                            .where(s.campaign_id.in_([spec.id for spec in specs]))).all()  # fmt: skip
    moments: dict[str, list[tuple[dt.datetime, dt.datetime, Any, Any]]] = defaultdict(list)
    for campaign_id, as_of, computed_at in keys:
        moments[campaign_id].append((as_utc(as_of), as_utc(computed_at), as_of, computed_at))
    now = utc(now)
    chosen: dict[str, tuple[Any, Any, str]] = {}
    for spec in specs:
        rows = moments.get(spec.id)
        if not rows:
            continue
        run = CampaignCalendar(spec.timeline).run_containing(now)
        holding = [r for r in rows if run.start <= now < run.end and r[0] == utc(run.end)]
        before = [r for r in rows if r[0] <= now]
        if holding:
            pick, why = max(holding, key=lambda r: r[1]), HOLDS_NOW
        elif before:
            pick, why = max(before, key=lambda r: (r[0], r[1])), BEFORE_NOW
        else:
            pick, why = min(rows, key=lambda r: (r[0], -r[1].timestamp())), LATER
        chosen[spec.id] = (pick[2], pick[3], why)
    out: dict[str, StoredSnapshot] = {}
    with engine.connect() as conn:
        for campaign_id, (as_of, computed_at, why) in chosen.items():
            row = conn.execute(select(campaign_snapshots).where(
                s.campaign_id == campaign_id, s.as_of == as_of, s.computed_at == computed_at)).first()  # fmt: skip
            if row is not None:
                out[campaign_id] = replace(_stored(row), chosen_because=why)
    return out


def has_data(engine: Engine, campaign_id: str) -> bool:
    """Whether any file of the campaign is current in the warehouse."""
    s = current_files.c
    with engine.connect() as conn:
        return bool(conn.execute(select(func.count()).where(s.campaign_id == campaign_id)).scalar_one())
