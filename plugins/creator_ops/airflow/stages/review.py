"""Review stage: the campaign review (SPEC section 10) in the settlement and payout runs, then its alert.

It follows the payouts stage but runs whatever happened there (`all_done`), and nothing
waits for it (a side stage of the DAG builder): the review reads the warehouse with the
payout engine itself, must never block or be blocked by a payout problem, and a failed
payout still fails the run. In the payout run it is built once the approval is decided, so the
final review comes with the final payouts. Its "campaign review ready" alert is
delivered right away by the same outbox drain as the milestones stage's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow.sdk import TriggerRule

from creator_ops.core.calendar import Phase

if TYPE_CHECKING:
    from creator_ops.airflow.stages import StageBuilder
    from creator_ops.core.steps import StepContext

REVIEW_PHASES = [Phase.SETTLEMENT, Phase.PAYOUT]


def review_url(campaign_id: str) -> str | None:
    """Return the review's address in the Airflow UI (None when `[api] base_url` is not a full URL)."""
    from creator_ops.airflow.config import api_base_url
    from creator_ops.airflow.ui.app import URL_PREFIX

    base = api_base_url()
    if not base.startswith(("http://", "https://")):
        return None
    return f"{base}{URL_PREFIX}/campaigns/{campaign_id}/review"


def build_review(ctx: StepContext) -> dict[str, Any]:
    """Build the review, with the UI address of the page in its alert."""
    from creator_ops.steps.review import build_review as step

    return step(ctx, review_url=review_url(ctx.spec.id))


def creators_lost(ctx: StepContext) -> dict[str, Any]:
    """Queue the "creators lost" alert, with the UI address of the ecosystem page."""
    from creator_ops.airflow.ui.ecosystem_page import ecosystem_url
    from creator_ops.steps.ecosystem import creators_lost as step

    return step(ctx, link=ecosystem_url())


def build(stage: StageBuilder) -> None:
    """Add `build_review` >> `send_alerts` << `creators_lost`."""
    review = stage.step(
        "build_review",
        "creator_ops.airflow.stages.review:build_review",
        phases=REVIEW_PHASES,
        trigger_rule=TriggerRule.ALL_DONE,
        doc_md=(
            "Builds the campaign review (SPEC section 10) from the warehouse: funnel, GMV by content type, "
            "category and hour, cost and ROI, concentration, surveys (NPS, CSAT, themes), what-if incentive "
            "designs and the comparison with the previous campaign of the same type. Writes review.json, "
            "review.md and review.html under output/<campaign>/review/ (linked from the Campaigns view) and "
            "queues the 'campaign review ready' alert."
        ),
    )
    send = stage.step(
        "send_alerts",
        "creator_ops.airflow.stages.milestones:send_alerts",
        phases=REVIEW_PHASES,
        trigger_rule=TriggerRule.ALL_DONE,
        retries=1,  # safe: the outbox never sends a row twice
        doc_md="Delivers the review's alert (and anything else due) through the outbox.",
    )
    lost = stage.step(
        "creators_lost",
        "creator_ops.airflow.stages.review:creators_lost",
        phases=[Phase.SETTLEMENT],
        trigger_rule=TriggerRule.ALL_DONE,
        doc_md=(
            "Counts the sellers of the campaign before this one who did not enrol in it (SPEC section 13) and "
            "queues one 'creators lost' alert per campaign: counts only, never who."
        ),
    )
    review >> send
    lost >> send
