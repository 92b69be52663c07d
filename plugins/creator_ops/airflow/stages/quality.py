"""Quality stage: one Great Expectations validation task per data set, on the files of this run.

Each task skips (with the reason) when no file of its data set was ingested in the run.
A failed suite is stored in `quality_results` and logged; the task itself succeeds so the
milestones stage still runs and sends the alert, while the payout steps refuse to run on
the untrusted data set (`creator_ops.warehouse.metrics.untrusted_datasets`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from creator_ops.core.calendar import Phase
from creator_ops.core.ingest.datasets import DATASETS

if TYPE_CHECKING:
    from creator_ops.airflow.stages import StageBuilder

ALL_PHASES = list(Phase)


def build(stage: StageBuilder) -> None:
    """Add `validate_<dataset>` for every data set; they run side by side."""
    for dataset in DATASETS:
        stage.step(
            f"validate_{dataset}",
            "creator_ops.steps.quality:validate",
            phases=ALL_PHASES,
            step_kwargs={"dataset": dataset},
            retries=1,
            doc_md=(
                f"Validates every current **{dataset}** file ingested in this run with the suite "
                f"`include/expectations/{dataset}.json` (thresholds from the spec's `quality`), "
                "plus the file's quarantined share. Results go to `quality_results`; a failed suite "
                "marks the data set untrusted and payouts refuse to run. To fix it, land the corrected "
                "export under the same file name (it supersedes the bad one) and rerun ingestion and "
                "this task. Skips when no file landed in this run."
            ),
        )
