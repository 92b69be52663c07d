"""Experiment inputs (SPEC 12, 15): which earlier campaigns of the type count, and what they measured.

The warehouse reads the recorded specs and the stored review blocks (`warehouse.experiments`);
this module chooses the earlier ones and reads each block as the pooled calibration loop and
the power statement take it (`core.review.experiments.measurement_from_review`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from creator_ops.core.review.experiments import EarlierMeasurement
    from creator_ops.core.spec import CampaignSpec


def earlier_campaigns(engine: Engine, spec: CampaignSpec, *, include_self: bool = False) -> list[CampaignSpec]:
    """Return the campaigns of the same type in the warehouse that started before `spec` (oldest first)."""
    from creator_ops.warehouse.experiments import recorded_specs

    found = [
        other
        for other in recorded_specs(engine, spec.type)
        if other.id != spec.id and other.timeline.event_start < spec.timeline.event_start
    ]
    found.sort(key=lambda s: (s.timeline.event_start, s.id))
    return [*found, spec] if include_self else found


def earlier_measurements(engine: Engine, spec: CampaignSpec, mechanism: str) -> list[EarlierMeasurement]:
    """Return what every earlier campaign of the same type measured for `mechanism` (SPEC 15), oldest first.

    Each is `core.review.experiments.EarlierMeasurement`: the on-treated calibration and its
    se (the pooled loop's inputs) and the spread of GMV the next power statement uses.
    """
    from creator_ops.core.review.experiments import measurement_from_review
    from creator_ops.warehouse.experiments import earlier_result_blocks

    return [
        measurement_from_review(
            {
                "campaign": {"id": campaign_id, "event_start": event_start.isoformat()},
                "experiments": {mechanism: block},
            },
            mechanism,
        )
        for campaign_id, event_start, block in earlier_result_blocks(engine, spec, mechanism)
    ]
