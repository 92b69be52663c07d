"""What the campaigns view shows for each campaign, assembled from the specs and the warehouse.

The rules live elsewhere: phases and dated points in `core.calendar`, figures in
`warehouse.metrics` and `warehouse.queries`. No Airflow import, so it can be tested
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
from creator_ops.warehouse.metrics import campaign_figures, validated_datasets


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


def _read_warehouse(status: CampaignStatus, spec: CampaignSpec, engine: Engine) -> None:
    # enrolled, eligible and live GMV, trust: the one definition the milestones, payouts and review read
    figures = campaign_figures(engine, spec)
    status.creators_enrolled = figures.enrolled
    status.gmv_sen = figures.eligible_gmv_sen
    status.live_gmv_sen = figures.live_gmv_sen
    status.quality_failed = sorted(figures.untrusted)
    if status.quality_failed:
        status.quality = "failed"
    elif validated_datasets(engine, spec.id):
        status.quality = "passed"
    payout = queries.latest_payout(engine, spec.id)
    if payout is not None:
        status.payout, status.payout_total_sen, status.payout_creators = payout
    last_run = queries.last_run(engine, spec.id)
    if last_run is not None:
        status.last_run_phase, status.last_run_at = last_run
    if spec.traffic is not None:
        from creator_ops.warehouse.mechanisms import traffic_overview

        status.traffic = traffic_overview(engine, spec)
    from creator_ops.warehouse.experiments import latest_projection

    status.projection = latest_projection(engine, spec.id)


def campaign_status(spec: CampaignSpec, engine: Engine | None, now: dt.datetime) -> CampaignStatus:
    """Return the view's row for one campaign; warehouse problems show on the row, not as an error page."""
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
        _read_warehouse(status, spec, engine)
    except SQLAlchemyError as exc:
        status.warehouse_error = f"warehouse not readable: {type(exc).__name__}"
    return status


def campaigns_overview(
    specs: list[CampaignSpec], engine: Engine | None, now: dt.datetime
) -> list[CampaignStatus]:
    """Return one row per campaign, the soonest event first."""
    rows = [campaign_status(spec, engine, now) for spec in specs]
    by_id = {spec.id: spec for spec in specs}
    return sorted(rows, key=lambda r: (utc(by_id[r.campaign_id].timeline.event_start), r.campaign_id))
