"""The run's snapshot: the campaign's figures as of the end of this run's data interval, stored once.

Every surface reads it (the Campaigns view, the campaign page, the milestones of this run),
so the numbers ops see are the numbers this run computed (`warehouse.snapshots`).
"""

from __future__ import annotations

from typing import Any

from creator_ops.core.money import format_rm
from creator_ops.core.steps import StepContext
from creator_ops.figures.snapshot import compute_snapshot, store_snapshot


def take_snapshot(ctx: StepContext) -> dict[str, Any]:
    """Compute the campaign's figures as of this run's interval end and store them for every surface."""
    snapshot = compute_snapshot(
        ctx.engine, ctx.spec, as_of=ctx.interval_end, run_id=ctx.run_id, phase=str(ctx.phase), now=ctx.now()
    )
    store_snapshot(ctx.engine, snapshot)
    f = snapshot.figures
    ctx.info(
        "Figures as of %s (%s): %d enrolled, eligible GMV %s on %d lines from %d selling creators, live GMV %s; "
        "%d survey responses; untrusted: %s",
        snapshot.as_of.astimezone(ctx.spec.tz).isoformat(), ctx.spec.timezone, f.enrolled,
        format_rm(f.eligible_gmv_sen), f.eligible_lines, f.selling_creators, format_rm(f.live_gmv_sen),
        snapshot.survey_responses, ", ".join(sorted(f.untrusted)) or "none",
    )  # fmt: skip
    return {
        "as_of": snapshot.as_of.isoformat(),
        "enrolled": f.enrolled,
        "eligible_gmv_sen": f.eligible_gmv_sen,
        "live_gmv_sen": f.live_gmv_sen,
        "selling_creators": f.selling_creators,
    }
