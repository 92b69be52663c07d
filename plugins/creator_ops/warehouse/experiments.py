"""Warehouse side of SPEC 12: holdout assignments, measured results, and predictions kept to account.

The core decides who is held out (`core.experiments.assign_holdout`, a pure function); this
module records it for every candidate (first seen kept across reruns), stores what the review
measured (the next campaign's calibration and matchmaking's "measured per sample" read
it), and keeps every live projection as it was made, so it can be set beside the final
figure once the campaign settles.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, select, update

from creator_ops.core.times import as_utc, utc
from creator_ops.warehouse.schema import experiment_assignments, experiment_results, predictions, traffic_allocations
from creator_ops.warehouse.upsert import upsert

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from creator_ops.core.experiments import HoldoutAssignment
    from creator_ops.core.spec import CampaignSpec


# --------------------------------------------------------------------------- assignments


def record_assignments(engine: Engine, assignment: HoldoutAssignment, now: dt.datetime) -> None:
    """Record the group of every candidate the caller assigned (`core.experiments.assign_holdout`).

    A creator seen before keeps its `first_seen_at`; its group and share follow the latest
    assignment. An assignment without a holdout (no share) records nothing.
    """
    if assignment.share is None:
        return
    campaign_id, mechanism, share = assignment.campaign_id, assignment.mechanism, assignment.share
    a = experiment_assignments
    with engine.begin() as conn:
        known = {
            r.creator_id: (r.group_name, r.holdout_share)
            for r in conn.execute(
                select(a.c.creator_id, a.c.group_name, a.c.holdout_share).where(
                    a.c.campaign_id == campaign_id, a.c.mechanism == mechanism
                )
            )
        }
        new = [
            {"campaign_id": campaign_id, "mechanism": mechanism, "creator_id": c, "group_name": g,
             "holdout_share": share, "first_seen_at": utc(now)}
            for c, g in assignment.groups.items() if c not in known
        ]  # fmt: skip
        upsert(conn, a, new, ("campaign_id", "mechanism", "creator_id"), update=False)
        for c, g in assignment.groups.items():
            if c in known and known[c] != (g, share):
                conn.execute(
                    update(a)
                    .where(a.c.campaign_id == campaign_id, a.c.mechanism == mechanism, a.c.creator_id == c)
                    .values(group_name=g, holdout_share=share)
                )


def assignments(engine: Engine, campaign_id: str, mechanism: str) -> dict[str, str]:
    """Return {creator_id: group} as recorded."""
    a = experiment_assignments
    with engine.connect() as conn:
        rows = conn.execute(
            select(a.c.creator_id, a.c.group_name).where(a.c.campaign_id == campaign_id, a.c.mechanism == mechanism)
        )
        return dict(rows.all())  # type: ignore[arg-type]


def allocation_rows(engine: Engine, campaign_id: str) -> list[tuple[str, int, int, int, int]]:
    """Return every traffic allocation row over all hours: (creator_id, spend_sen, expected_gmv_sen,
    ghost_spend_sen, ghost_expected_gmv_sen)."""
    t = traffic_allocations
    with engine.connect() as conn:
        return [
            (r.creator_id, int(r.spend_sen), int(r.expected_gmv_sen), int(r.ghost_spend_sen),
             int(r.ghost_expected_gmv_sen))
            for r in conn.execute(
                select(t.c.creator_id, t.c.spend_sen, t.c.expected_gmv_sen, t.c.ghost_spend_sen,
                       t.c.ghost_expected_gmv_sen)
                .where(t.c.campaign_id == campaign_id)
                .order_by(t.c.hour_start, t.c.creator_id)
            )
        ]  # fmt: skip


# --------------------------------------------------------------------------- measured results


def store_results(engine: Engine, spec: CampaignSpec, experiments: dict[str, Any], now: dt.datetime) -> None:
    """Record the review's `experiments` block (one row per mechanism; a later review replaces it)."""
    from creator_ops.core.review.values import dumps

    rows = []
    for mechanism, block in experiments.items():
        calibration = block.get("calibration")
        incremental = block.get("incremental_gmv_myr")
        rows.append(
            {
                "campaign_id": spec.id,
                "mechanism": mechanism,
                "campaign_type": spec.type,
                "event_start": utc(spec.timeline.event_start),
                "calibration": None if calibration is None else str(calibration),
                "incremental_gmv_sen": None if incremental is None else incremental.sen,
                "units": block.get("shipped_samples"),
                "result_json": dumps(block),
                "computed_at": utc(now),
            }
        )
    with engine.begin() as conn:
        upsert(conn, experiment_results, rows, ("campaign_id", "mechanism"))


@dataclass(frozen=True)
class MeasuredResult:
    """One earlier campaign's measured result for a mechanism."""

    campaign_id: str
    event_start: dt.datetime
    calibration: Decimal | None
    incremental_gmv_sen: int | None
    units: int | None
    incremental_gmv_ci95_sen: tuple[int, int] | None = None
    significant: bool | None = None  # the lift's 95 % interval excludes 0


def _stored_intervals(result_json: str | None) -> dict[str, Any]:
    """Read the incremental GMV's 95 % interval and `significant` from a stored block."""
    from creator_ops.core.review.values import loads

    try:
        block = loads(result_json) if result_json else {}
    except ValueError:
        return {}
    out: dict[str, Any] = {"significant": block.get("significant")}
    interval = block.get("incremental_gmv_ci95_myr")
    if interval and interval[0] is not None and interval[1] is not None:
        out["incremental_gmv_ci95_sen"] = (interval[0].sen, interval[1].sen)
    return out


def latest_result(engine: Engine, spec: CampaignSpec, mechanism: str, *, need: str) -> MeasuredResult | None:
    """Return the latest earlier campaign of the same type whose `need` (a column) was measured."""
    r = experiment_results
    column = r.c[need]
    query = (
        select(r.c.campaign_id, r.c.event_start, r.c.calibration, r.c.incremental_gmv_sen, r.c.units,
               r.c.result_json)
        .where(
            and_(
                r.c.mechanism == mechanism,
                r.c.campaign_type == spec.type,
                r.c.campaign_id != spec.id,
                r.c.event_start < utc(spec.timeline.event_start),
                column.is_not(None),
            )
        )
        .order_by(r.c.event_start.desc(), r.c.campaign_id.desc())
        .limit(1)
    )
    with engine.connect() as conn:
        row = conn.execute(query).first()
    if row is None:
        return None
    return MeasuredResult(
        campaign_id=row.campaign_id,
        event_start=as_utc(row.event_start),
        calibration=None if row.calibration is None else Decimal(row.calibration),
        incremental_gmv_sen=row.incremental_gmv_sen,
        units=row.units,
        **_stored_intervals(row.result_json),
    )


# --------------------------------------------------------------------------- predictions


def store_prediction(
    engine: Engine,
    campaign_id: str,
    kind: str,
    as_of: dt.datetime,
    predicted_sen: int,
    low_sen: int | None,
    high_sen: int | None,
    detail: dict[str, Any],
    now: dt.datetime,
) -> None:
    """Record one prediction as it was made (a rerun of the same moment replaces it)."""
    row = {
        "campaign_id": campaign_id,
        "kind": kind,
        "as_of": utc(as_of),
        "predicted_sen": int(predicted_sen),
        "low_sen": low_sen,
        "high_sen": high_sen,
        "observed_sen": None,
        "detail_json": json.dumps(detail, sort_keys=True),
        "made_at": utc(now),
    }
    with engine.begin() as conn:
        upsert(conn, predictions, [row], ("campaign_id", "kind", "as_of"))


def settle_predictions(engine: Engine, campaign_id: str, observed_sen: int) -> int:
    """Set the final figure beside every prediction of the campaign; return how many."""
    with engine.begin() as conn:
        result = conn.execute(
            update(predictions).where(predictions.c.campaign_id == campaign_id).values(observed_sen=int(observed_sen))
        )
        return int(result.rowcount or 0)


@dataclass(frozen=True)
class StoredPrediction:
    as_of: dt.datetime
    predicted_sen: int
    low_sen: int | None
    high_sen: int | None
    observed_sen: int | None
    detail: dict[str, Any]


def stored_predictions(engine: Engine, campaign_id: str, kind: str) -> list[StoredPrediction]:
    """Return a campaign's predictions of one kind, oldest first."""
    p = predictions
    with engine.connect() as conn:
        rows = conn.execute(
            select(p).where(p.c.campaign_id == campaign_id, p.c.kind == kind).order_by(p.c.as_of)
        ).all()
    return [
        StoredPrediction(as_utc(r.as_of), r.predicted_sen, r.low_sen, r.high_sen, r.observed_sen,
                         json.loads(r.detail_json))
        for r in rows
    ]  # fmt: skip


def latest_projection(engine: Engine, campaign_id: str) -> StoredPrediction | None:
    """Return the campaign's latest live projection (what the campaign page and the Campaigns view show)."""
    rows = stored_predictions(engine, campaign_id, "live_projection")
    return rows[-1] if rows else None


def recorded_specs(engine: Engine, campaign_type: str) -> list[CampaignSpec]:
    """Return the specs the warehouse recorded for campaigns of `campaign_type`, by campaign id.

    A spec recorded by an older model that no longer reads is left out (not comparable).
    Which of them came earlier is the figures layer's (`figures.experiments.earlier_campaigns`).
    """
    from creator_ops.core.spec import CampaignSpec as Model
    from creator_ops.warehouse.schema import campaigns

    with engine.connect() as conn:
        rows = conn.execute(
            select(campaigns.c.campaign_id, campaigns.c.spec_json)
            .where(campaigns.c.campaign_type == campaign_type)
            .order_by(campaigns.c.campaign_id)
        ).all()
    found = []
    for row in rows:
        try:
            found.append(Model.model_validate_json(row.spec_json))
        except ValueError:  # recorded by an older model: not comparable
            continue
    return found


def earlier_result_blocks(engine: Engine, spec: CampaignSpec, mechanism: str) -> list[tuple[str, dt.datetime, dict]]:
    """Return (campaign_id, event_start, stored review block) of `mechanism` for every earlier campaign of the type.

    Earlier: another campaign of the same type whose event started before `spec`'s; oldest
    first. A block that no longer reads is left out. `figures.experiments.earlier_measurements`
    reads the measurements from them.
    """
    from creator_ops.core.review.values import loads

    r = experiment_results
    query = (
        select(r.c.campaign_id, r.c.event_start, r.c.result_json)
        .where(r.c.mechanism == mechanism, r.c.campaign_type == spec.type, r.c.campaign_id != spec.id,
               r.c.event_start < utc(spec.timeline.event_start))
        .order_by(r.c.event_start, r.c.campaign_id)
    )  # fmt: skip
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    out = []
    for row in rows:
        try:
            block = loads(row.result_json) if row.result_json else {}
        except ValueError:
            continue
        out.append((row.campaign_id, as_utc(row.event_start), block))
    return out


def measured_lifts(engine: Engine, campaign_id: str) -> dict[str, dict[str, Any]]:
    """Return {mechanism: incremental_gmv_sen, calibration, units} stored for the campaign's review."""
    r = experiment_results.c
    with engine.connect() as conn:
        rows = conn.execute(
            select(r.mechanism, r.incremental_gmv_sen, r.calibration, r.units).where(r.campaign_id == campaign_id)
        ).all()
    return {
        row.mechanism: {"incremental_gmv_sen": row.incremental_gmv_sen, "calibration": row.calibration,
                        "units": row.units}
        for row in sorted(rows)
    }  # fmt: skip
