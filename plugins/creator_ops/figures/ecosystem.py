"""Section 13 over the warehouse's settled campaigns, from their stored payout results (the engine never runs here).

Each campaign's enrolled creators (section 5 rule 2) and result rows (eligible GMV) are the
ones its latest payout calculation stored (`steps.payouts.calculate` →
`warehouse.payout_results`): the same engine on the same inputs as the ledger, computed
once, read here. Its samples are the current rows (`campaign_data.current_samples`),
counted shipped and posted with the review's definition (`core.ecosystem.sample_counts`).
Campaigns are read one at a time, so memory holds one campaign's creators.

A settled campaign with no stored result (settled by a version before the results were
stored, or its calculation refused untrusted data) is not guessed at: `load_ecosystem`
leaves it out and names it in `Ecosystem.missing` with why and what to do (the build logs
it and the page says so); `load_campaign_facts` raises `MissingPayoutResult`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from creator_ops.core.ecosystem import (
    CampaignFacts,
    Ecosystem,
    EcosystemInputError,
    compute_ecosystem,
    facts_of,
)
from creator_ops.warehouse.campaign_data import current_samples
from creator_ops.warehouse.ecosystem import recorded_campaigns
from creator_ops.warehouse.payout_results import stored_result

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from creator_ops.core.spec import CampaignSpec


class MissingPayoutResult(EcosystemInputError):
    """A settled campaign whose payout result was never stored: its payouts must be calculated again."""


def missing_reason(campaign_id: str) -> str:
    """Say why a settled campaign is not in the ecosystem and what brings it in."""
    return (
        f"campaign {campaign_id} has no stored payout result (settled before results were stored, or its "
        "calculation was refused): rerun its payouts.calculate (clear the task in its latest settlement or "
        "payout run) to bring it into the ecosystem"
    )


def load_campaign_facts(engine: Engine, spec: CampaignSpec) -> CampaignFacts:
    """Read one campaign's stored payout result and current samples into section 13's facts."""
    stored = stored_result(engine, spec.id)
    if stored is None:
        raise MissingPayoutResult(missing_reason(spec.id), field="payout_results")
    return facts_of(spec, stored.enrolled, stored.selling_gmv_sen, current_samples(engine, spec.id))


def load_ecosystem(engine: Engine) -> Ecosystem:
    """Compute section 13 over every settled campaign with a stored payout result; name the ones without."""
    facts: list[CampaignFacts] = []
    missing: dict[str, str] = {}
    for spec in recorded_campaigns(engine):
        try:
            facts.append(load_campaign_facts(engine, spec))
        except MissingPayoutResult as exc:
            missing[spec.id] = str(exc)
    eco = compute_ecosystem(facts)
    eco.missing = missing
    return eco
