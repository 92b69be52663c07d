"""The ecosystem's inputs read from the warehouse: the settled campaigns (`figures.ecosystem` computes section 13).

A campaign takes part once one of its runs was a settlement or payout run (recorded in
`campaign_runs` by `register_run`): that is when its orders are final, and those are the
runs whose payouts update the ecosystem's Airflow asset. What section 13 needs of each
campaign's payouts is its stored payout result (`payout_results.stored_result`: the latest
calculation's rule-2 enrolled set and result rows, stored by the payouts step), its samples
the current rows (`campaign_data.current_samples`); the campaigns are read one at a time.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import select

from creator_ops.core.spec import CampaignSpec
from creator_ops.warehouse.schema import campaign_runs, campaigns

if TYPE_CHECKING:
    from sqlalchemy import Engine

SETTLED_PHASES = ("settlement", "payout")


def recorded_campaigns(engine: Engine, *, settled_only: bool = True) -> list[CampaignSpec]:
    """Return the campaigns recorded in the warehouse (by default those with a settlement or payout run)."""
    query = select(campaigns.c.campaign_id, campaigns.c.spec_json).order_by(campaigns.c.campaign_id)
    if settled_only:
        settled = select(campaign_runs.c.campaign_id).where(campaign_runs.c.phase.in_(SETTLED_PHASES))
        query = query.where(campaigns.c.campaign_id.in_(settled))
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    specs = []
    for row in rows:
        try:
            specs.append(CampaignSpec.model_validate_json(row.spec_json))
        except ValueError:  # recorded by an older version of the spec model: it cannot be compared
            continue
    return sorted(specs, key=lambda s: (s.timeline.event_start, s.id))


def previous_campaign_any_type(engine: Engine, spec: CampaignSpec) -> CampaignSpec | None:
    """Return the campaign just before `spec` in section 13's order (any type), among the recorded ones."""
    key = (spec.timeline.event_start, spec.id)
    earlier = [s for s in recorded_campaigns(engine, settled_only=False) if (s.timeline.event_start, s.id) < key]
    return earlier[-1] if earlier else None


def latest_payout_result_at(engine: Engine) -> dt.datetime | None:
    """Return the end of the latest settlement or payout run's interval: the moment the ecosystem's figures describe.

    (Payout results are recorded in those runs; their wall clock says when, not what moment.)
    """
    from sqlalchemy import func, select

    from creator_ops.core.times import as_utc_or_none

    r = campaign_runs.c
    with engine.connect() as conn:
        return as_utc_or_none(conn.execute(
            select(func.max(r.interval_end)).where(r.phase.in_(("settlement", "payout")))).scalar_one())  # fmt: skip
