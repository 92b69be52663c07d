"""Orders stage: load affiliate order lines and payout exclusions while orders can still change,
and the creators' content (videos, LIVE sessions) with its views and GMV."""

from __future__ import annotations

from creator_ops.core.calendar import Phase

ORDER_PHASES = [Phase.LIVE, Phase.COOLING, Phase.SETTLEMENT]


def build(stage) -> None:
    """Add the order and exclusion ingestion tasks."""
    stage.step(
        "ingest_orders",
        "creator_ops.steps.ingest:ingest_orders",
        phases=ORDER_PHASES,
        doc_md="Loads new order exports (the affiliate center's seller export as it is, or canonical files); "
        "duplicates are kept for the payout engine's rule 1, bad rows are quarantined with a reason.",
    )
    stage.step(
        "ingest_exclusions",
        "creator_ops.steps.ingest:ingest_exclusions",
        phases=ORDER_PHASES,
        doc_md="Loads new payout exclusion lists (creators barred from payouts).",
    )
    stage.step(
        "ingest_content",
        "creator_ops.steps.ingest:ingest_content",
        phases=[Phase.RECRUITMENT, Phase.PRE_EVENT, *ORDER_PHASES],
        doc_md="Loads content exports (videos and LIVE sessions: type, posted at, views, GMV); the same "
        "content landed again with newer figures replaces the earlier row.",
    )
