"""Section 13 over the warehouse's settled campaigns, read one campaign at a time (memory holds one campaign's lines).

Each campaign's orders, enrollments and exclusions are exactly the payout engine's inputs
(`payout_inputs.load_warehouse_inputs`), its samples the current rows (`campaign_data.current_samples`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from creator_ops.core.ecosystem import CampaignFacts, Ecosystem, campaign_facts, compute_ecosystem
from creator_ops.warehouse.campaign_data import current_samples
from creator_ops.warehouse.ecosystem import recorded_campaigns
from creator_ops.warehouse.payout_inputs import load_warehouse_inputs

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from creator_ops.core.spec import CampaignSpec


def load_campaign_facts(engine: Engine, spec: CampaignSpec, *, threads: int | None = None) -> CampaignFacts:
    """Run the payout engine over one campaign's warehouse inputs and keep what section 13 needs."""
    inputs = load_warehouse_inputs(engine, spec.id)
    return campaign_facts(
        spec, inputs.orders, inputs.enrollments, inputs.exclusions, current_samples(engine, spec.id), threads=threads
    )


def load_ecosystem(engine: Engine, *, threads: int | None = None) -> Ecosystem:
    """Compute section 13 over every settled campaign in the warehouse."""
    return compute_ecosystem(load_campaign_facts(engine, spec, threads=threads) for spec in recorded_campaigns(engine))
