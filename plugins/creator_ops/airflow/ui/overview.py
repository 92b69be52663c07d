"""What the campaigns view shows for each campaign, assembled from the specs and the warehouse.

The rules live elsewhere: phases and dated points in `core.calendar`, figures in
`figures.campaign`, computed once per run and stored as the run's snapshot
(`figures.snapshot` over `warehouse.snapshots`, read here for every listed campaign in one query), the rest in
`warehouse.queries`. No Airflow import, so it can be tested
against any warehouse engine.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from creator_ops.core.calendar import Deadline, next_deadline, phase_label
from creator_ops.core.money import to_sen_or_none
from creator_ops.core.spec import CampaignSpec
from creator_ops.core.times import utc
from creator_ops.warehouse import queries


@dataclass
class CampaignStatus:
    """One row of the campaigns view."""

    campaign_id: str
    name: str
    campaign_type: str
    dag_id: str
    timezone: str
    phase: str
    next_deadline: Deadline | None
    creators_enrolled: int | None = None
    creators_target: int | None = None
    gmv_sen: int | None = None  # eligible GMV (SPEC 5 rules 1-2), what payouts are computed on
    gmv_target_sen: int | None = None
    live_gmv_sen: int | None = None  # "live": placed and not cancelled or returned, not final
    quality: str = "no checks yet"
    quality_failed: list[str] = field(default_factory=list)
    payout: str = "not calculated"
    payout_total_sen: int | None = None
    payout_creators: int | None = None
    traffic: Any = None  # warehouse.mechanisms.TrafficOverview when the spec has a traffic budget
    projection: Any = None  # warehouse.experiments.StoredPrediction: the latest live projection (SPEC 12)
    last_run_phase: str | None = None
    last_run_at: dt.datetime | None = None
    warehouse_error: str | None = None
    snapshot: Any = None  # figures.snapshot.Snapshot the figures come from (None: nothing measured yet)

    @property
    def as_of(self) -> dt.datetime | None:
        """The moment the row's figures describe (the end of the snapshot's run interval)."""
        return None if self.snapshot is None else self.snapshot.as_of

    @property
    def enrolled_share(self) -> float | None:
        """Return enrolled / target for the progress bar (display only, never money)."""
        if self.creators_enrolled is None or not self.creators_target:
            return None
        return self.creators_enrolled / self.creators_target

    @property
    def gmv_share(self) -> float | None:
        """Return GMV / target for the progress bar (display only, never money)."""
        if self.gmv_sen is None or not self.gmv_target_sen:
            return None
        return self.gmv_sen / self.gmv_target_sen


def _apply_snapshot(status: CampaignStatus, snapshot: Any) -> None:
    """Fill the row's figures from the campaign's snapshot (`warehouse.snapshots`)."""
    status.snapshot = snapshot
    if snapshot is None:  # nothing landed and no run measured it: nothing counted yet
        status.creators_enrolled, status.gmv_sen, status.live_gmv_sen = 0, 0, 0
        return
    figures = snapshot.figures
    status.creators_enrolled = figures.enrolled
    status.gmv_sen = figures.eligible_gmv_sen
    status.live_gmv_sen = figures.live_gmv_sen
    status.quality_failed = sorted(figures.untrusted)
    if status.quality_failed:
        status.quality = "failed"
    elif snapshot.validated:
        status.quality = "passed"
    if snapshot.traffic is not None:
        from creator_ops.warehouse.mechanisms import TrafficOverview

        status.traffic = TrafficOverview(**snapshot.traffic)


def _read_warehouse(
    status: CampaignStatus, spec: CampaignSpec, engine: Engine, snapshot: Any, now: dt.datetime
) -> None:
    # enrolled, eligible and live GMV, trust: the latest run's snapshot of the one definition
    from creator_ops.figures.snapshot import snapshot_for_page

    _apply_snapshot(status, snapshot if snapshot is not None else snapshot_for_page(engine, spec, now))
    payout = queries.latest_payout(engine, spec.id) if payouts_due(spec, now) else None
    if payout is not None:
        status.payout, status.payout_total_sen, status.payout_creators = payout
    last_run = queries.last_run(engine, spec.id)
    if last_run is not None:
        status.last_run_phase, status.last_run_at = last_run
    if status.snapshot is not None and status.snapshot.stored and status.snapshot.chosen_because:
        # the run the row's figures come from (seen at a pinned now, not the warehouse's later runs)
        status.last_run_phase = status.snapshot.phase
    # the live projection (SPEC 12) the snapshot carries; without a stored snapshot, the latest one made
    from creator_ops.figures.snapshot import projection_of

    if status.snapshot is not None and status.snapshot.stored:
        status.projection = projection_of(status.snapshot)
    else:
        from creator_ops.warehouse.experiments import latest_projection

        status.projection = latest_projection(engine, spec.id)


def payouts_due(spec: CampaignSpec, now: dt.datetime) -> bool:
    """Whether payouts can exist at `now`: they are calculated from the settlement date on.

    A page seen at a pinned "now" on the event day shows no payout ("not calculated"), even when
    the warehouse already holds the later runs' calculation (issue 30: the day as it was).
    """
    return utc(now) >= utc(spec.timeline.settlement_date)


def campaign_status(
    spec: CampaignSpec, engine: Engine | None, now: dt.datetime, snapshot: Any = None
) -> CampaignStatus:
    """Return the view's row for one campaign; warehouse problems show on the row, not as an error page.

    `snapshot` is the campaign's latest snapshot when the caller read it already (the list reads
    every campaign's in one query); without one the row reads it, or computes the figures now.
    """
    status = CampaignStatus(
        campaign_id=spec.id,
        name=spec.name,
        campaign_type=spec.type,
        dag_id=spec.dag_id,
        timezone=spec.timezone,
        phase=phase_label(spec, now),
        next_deadline=next_deadline(spec, now),
        creators_target=spec.targets.creators_enrolled,
        gmv_target_sen=to_sen_or_none(spec.targets.gmv_myr),
    )
    if engine is None:
        status.warehouse_error = "no warehouse configured"
        return status
    try:
        _read_warehouse(status, spec, engine, snapshot, now)
    except SQLAlchemyError as exc:
        status.warehouse_error = f"warehouse not readable: {type(exc).__name__}"
    return status


def campaigns_overview(
    specs: list[CampaignSpec], engine: Engine | None, now: dt.datetime
) -> list[CampaignStatus]:
    """Return one row per campaign, the soonest event first."""
    snapshots: dict[str, Any] = {}
    if engine is not None:
        from creator_ops.figures.snapshot import snapshots_at

        try:
            snapshots = snapshots_at(engine, specs, now)
        except SQLAlchemyError:
            snapshots = {}  # each row then says what is wrong with the warehouse
    rows = [campaign_status(spec, engine, now, snapshots.get(spec.id)) for spec in specs]
    by_id = {spec.id: spec for spec in specs}
    return sorted(rows, key=lambda r: (utc(by_id[r.campaign_id].timeline.event_start), r.campaign_id))
