"""One module per DAG stage; each has `build(stage: StageBuilder)`, which adds the stage's tasks.

`StageBuilder.ingest` adds a data set's ingestion task as the registry
(`core.ingest.datasets.SPECS`) describes it, and `ingest_landed` every one of a stage's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from airflow.sdk import TriggerRule

from creator_ops.airflow.operators import CampaignStepOperator
from creator_ops.core.calendar import Phase
from creator_ops.core.ingest.datasets import SPECS, landed

if TYPE_CHECKING:
    from airflow.sdk import TaskGroup

    from creator_ops.core.spec import CampaignSpec

INGEST_STEP = "creator_ops.steps.ingest:ingest"


@dataclass
class StageBuilder:
    """Handed to a stage module to add its tasks with the campaign's defaults."""

    spec: CampaignSpec
    spec_path: Path
    group: TaskGroup

    def step(
        self,
        task_id: str,
        step: str,
        *,
        phases: Sequence[Phase | str],
        doc_md: str | None = None,
        **kwargs: Any,
    ) -> CampaignStepOperator:
        """Add a phase-gated step running `module:function` from `creator_ops.steps`."""
        return CampaignStepOperator(
            task_id=task_id,
            spec_path=str(self.spec_path),
            step=step,
            phases=phases,
            doc_md=doc_md,
            trigger_rule=kwargs.pop("trigger_rule", TriggerRule.NONE_FAILED),
            **kwargs,
        )

    def ingest(self, dataset: str) -> CampaignStepOperator:
        """Add `ingest_<dataset>`: the registry's ingestion step, phases and documentation of the data set."""
        task = SPECS[dataset].ingest
        return self.step(
            f"ingest_{dataset}", INGEST_STEP, phases=task.phases, doc_md=task.doc_md, step_kwargs={"dataset": dataset}
        )

    def ingest_landed(self, *, skip: Sequence[str] = ()) -> list[CampaignStepOperator]:
        """Add the ingestion task of every data set the registry lands in this stage (but `skip`)."""
        return [self.ingest(s.name) for s in landed(self.group.group_id) if s.name not in skip]
