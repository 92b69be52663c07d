"""Traffic stage (SPEC 11): each live hour re-allocates what is left of the boost budget."""

from __future__ import annotations

from typing import TYPE_CHECKING

from creator_ops.core.calendar import Phase

if TYPE_CHECKING:
    from creator_ops.airflow.stages import StageBuilder


def build(stage: StageBuilder) -> None:
    """Add `allocate_traffic`."""
    stage.step(
        "allocate_traffic",
        "creator_ops.steps.traffic:allocate_traffic",
        phases=[Phase.LIVE],
        doc_md=(
            "From the content landed so far, spreads this hour's share of the boost budget that is left "
            "(what remains, paced evenly over the event's remaining hours) over creators in whole sen to "
            "maximise expected extra GMV; each creator continues on its own steps and never exceeds its "
            "cap. Records the hour in `traffic_hours` / `traffic_allocations` and writes "
            "`output/<campaign>/traffic/`. Skips when the spec has no `traffic` block."
        ),
    )
