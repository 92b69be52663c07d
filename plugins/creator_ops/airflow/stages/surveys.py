"""Surveys stage: load survey responses landed for the campaign, in every phase."""

from __future__ import annotations

from creator_ops.core.calendar import Phase


def build(stage) -> None:
    """Add the survey ingestion task."""
    stage.step(
        "ingest_surveys",
        "creator_ops.steps.ingest:ingest_surveys",
        phases=list(Phase),
        doc_md="Loads new survey response files (answers kept as written, language tagged ms/en/zh/ta); "
        "e-mail and phone columns are stored only as keyed hashes.",
    )
