"""Surveys stage: load survey responses landed for the campaign, in every phase."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from creator_ops.airflow.stages import StageBuilder


def build(stage: StageBuilder) -> None:
    """Add the survey ingestion task (the registry's surveys-stage data sets)."""
    stage.ingest_landed()
