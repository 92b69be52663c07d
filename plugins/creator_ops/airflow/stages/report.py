"""Report stage: the run's summary (rows, files, quality, payouts, alerts) for ops."""

from __future__ import annotations

from creator_ops.core.calendar import Phase


def build(stage) -> None:
    stage.step(
        "summarize_run",
        "creator_ops.steps.report:summarize_run",
        phases=list(Phase),
        doc_md="Writes the run summary to the warehouse (campaign_runs) and output/<campaign>/runs/.",
    )
