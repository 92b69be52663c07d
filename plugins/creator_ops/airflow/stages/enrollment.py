"""Enrollment stage: load creator registrations (for linkshare they run into the event) and the
free-sample requests of enrolled creators, whose statuses change until settlement."""

from __future__ import annotations

from creator_ops.core.calendar import Phase


def build(stage) -> None:
    """Add the enrollment ingestion task."""
    stage.step(
        "ingest_enrollments",
        "creator_ops.steps.ingest:ingest_enrollments",
        phases=[Phase.RECRUITMENT, Phase.PRE_EVENT, Phase.LIVE],
        doc_md="Loads new enrollment files from the landing area (each file once, by content hash); "
        "rows that cannot be used go to quarantine with a reason.",
    )
    stage.step(
        "ingest_samples",
        "creator_ops.steps.ingest:ingest_samples",
        phases=[Phase.RECRUITMENT, Phase.PRE_EVENT, Phase.LIVE, Phase.COOLING, Phase.SETTLEMENT],
        doc_md="Loads free-sample request exports; a sample's status changes from landing to landing "
        "and the row landed last wins (shipped: SHIPPED, CONTENT_PENDING, COMPLETED; posted: COMPLETED).",
    )
