"""Orders stage: load affiliate order lines and payout exclusions while orders can still change,
and the creators' content (videos, LIVE sessions) with its views and GMV."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from creator_ops.airflow.stages import StageBuilder


def build(stage: StageBuilder) -> None:
    """Add the ingestion tasks of the registry's orders-stage data sets (orders, exclusions, content)."""
    stage.ingest_landed()
