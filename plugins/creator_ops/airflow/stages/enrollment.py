"""Enrollment stage: load creator registrations (for linkshare they run into the event) and the
free-sample requests of enrolled creators, whose statuses change until settlement."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from creator_ops.airflow.stages import StageBuilder


def build(stage: StageBuilder) -> None:
    """Add the ingestion tasks of the registry's enrollment-stage data sets (enrollments, samples)."""
    stage.ingest_landed()
