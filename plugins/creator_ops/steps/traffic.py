"""Traffic step (SPEC 11): re-allocate what is left of the boost budget, hour by hour during the event.

Each live hour: the budget left is `traffic.budget_myr` minus what earlier hours spent;
this hour spends its even share of it over the event's remaining hours (the last hour
spends all that is left). The share goes to creators by the traffic core's optimal
greedy, from the content landed so far (current files, a content_id's latest figures),
each creator continuing on its own steps from what it already got, never above its cap.
So budget follows the creators who are selling now. The hour's allocation is recorded
in the warehouse (a rerun of the hour replaces it) and written under
`output/<campaign>/traffic/`.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

from creator_ops.core.steps import StepContext, StepSkipped


def hours_left(ctx: StepContext) -> int:
    """Return the event's hourly runs from this one to the end, this one included (at least 1)."""
    seconds = int((ctx.spec.timeline.event_end - ctx.interval_start).total_seconds())  # Airflow gives pendulum
    return max(1, math.ceil(seconds / 3600))


def allocate_traffic(ctx: StepContext) -> dict[str, Any]:
    """Allocate this hour's share of the remaining boost budget and record it."""
    from creator_ops.core.money import format_myr
    from creator_ops.core.safe_csv import write_atomically
    from creator_ops.core.traffic import TrafficParams, allocate, content_totals
    from creator_ops.warehouse import mechanisms as wh
    from creator_ops.warehouse.campaign_data import current_content

    if ctx.spec.traffic is None:
        raise StepSkipped(f"{ctx.spec_path.name} has no traffic block: no boost budget to allocate")
    params = TrafficParams.from_spec(ctx.spec.traffic)
    content = current_content(ctx.engine, ctx.campaign_id)
    creators = content_totals(
        zip(*(content[c].to_pylist() for c in ("content_id", "creator_id", "gmv_sen", "views")), strict=True)
    )
    if not creators:
        raise StepSkipped(f"no content landed for {ctx.campaign_id} yet: nothing to boost")
    before = wh.spent_before(ctx.engine, ctx.campaign_id, ctx.interval_start)
    remaining = max(0, params.budget_sen - sum(before.values()))
    result = allocate(creators, params, budget_sen=remaining // hours_left(ctx), spent_sen=before)
    now = dt.datetime.now(dt.UTC)
    wh.store_hour(ctx.engine, ctx.campaign_id, ctx.run_id, ctx.interval_start, remaining, result, now)
    local_hour = ctx.interval_start.astimezone(ctx.spec.tz)
    folder = ctx.output_dir / "traffic"
    write_atomically(folder / f"allocation_{local_hour:%Y%m%d_%H}00.csv", result.csv())
    summary = {
        "hour": local_hour.isoformat(),
        "remaining_before_myr": format_myr(remaining),
        "hours_left": hours_left(ctx),
        **result.summary(),
        "spent_total_myr": format_myr(sum(before.values()) + result.spent_sen),
        "notes": result.notes,
    }
    write_atomically(folder / "summary.json", (json.dumps(summary, indent=2) + "\n").encode("utf-8"))
    ctx.info(
        "%s %s: RM %s left, this hour RM %s over %d creators (%d boosted), expected extra GMV RM %s",
        ctx.campaign_id,
        local_hour.strftime("%Y-%m-%d %H:00"),
        format_myr(remaining),
        format_myr(result.spent_sen),
        len(result.rows),
        len(result.boosted),
        format_myr(result.expected_gmv_sen),
    )
    return summary
