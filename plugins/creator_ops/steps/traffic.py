"""Traffic step (SPEC 11): re-allocate what is left of the boost budget, hour by hour during the event.

Each live hour: the budget left is `traffic.budget_myr` minus what earlier hours spent;
this hour spends its even share of it over the event's remaining hours (the last hour
spends all that is left). With a traffic holdout the plan is computed over every candidate
and the holdout creators it chooses are ghosts (SPEC 15): their spend counts against the
budget and their caps but is never bought, and the summary says what is held back and what
the holdout can detect (the MDE) beside the plan's own prediction per treated creator.
The share goes to creators by the traffic core's optimal greedy, from the content landed
so far (current files, a content_id's latest figures), each creator continuing on its own
steps from what it already got, never above its cap.
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
    from creator_ops.core.experiments import held_back_text
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
    now = dt.datetime.now(dt.UTC)
    holdout = record_traffic_holdout(ctx, [c.creator_id for c in creators], now)
    factor, source, pooled = calibration_factor(ctx)
    before = wh.spent_before(ctx.engine, ctx.campaign_id, ctx.interval_start)
    remaining = max(0, params.budget_sen - sum(before.values()))
    result = allocate(
        creators, params, budget_sen=remaining // hours_left(ctx), spent_sen=before, holdout=holdout,
        calibration=factor,
    )
    wh.store_hour(ctx.engine, ctx.campaign_id, ctx.run_id, ctx.interval_start, remaining, result, now)
    plan = wh.plan_so_far(ctx.engine, ctx.campaign_id)
    power = power_now(ctx, "traffic", plan.treated, plan.ghosts,
                      plan.expected_gmv_sen / plan.treated if plan.treated else None)  # fmt: skip
    if power is not None:  # a prediction of what the holdout can detect, kept as made (the traffic page reads it)
        from creator_ops.warehouse.experiments import store_prediction

        predicted = power["predicted_per_treated_myr"]
        store_prediction(ctx.engine, ctx.campaign_id, "traffic_power", ctx.interval_start,
                         0 if predicted is None else round(float(predicted) * 100), None, None, power, now)  # fmt: skip
    local_hour = ctx.interval_start.astimezone(ctx.spec.tz)
    folder = ctx.output_dir / "traffic"
    write_atomically(folder / f"allocation_{local_hour:%Y%m%d_%H}00.csv", result.csv())
    summary = {
        "hour": local_hour.isoformat(),
        "remaining_before_myr": format_myr(remaining),
        "hours_left": hours_left(ctx),
        **result.summary(),
        "spent_total_myr": format_myr(sum(before.values()) + result.spent_sen),
        "holdout": holdout_text(ctx, len(holdout), result.held_out),
        "held_back": held_back_text(boost_sen=plan.held_back_sen) if holdout else None,
        "held_back_myr": format_myr(plan.held_back_sen),
        "power": power,
        "mde_myr": None if power is None else power["mde_myr"],
        "calibration": {"factor": f"{float(factor):.6f}", "source": source, "pooled": pooled}
        if ctx.spec.traffic.calibrate else None,
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
    if holdout:
        ctx.info("%s; %s", held_back_text(boost_sen=plan.held_back_sen), power["text"] if power else "")
    if holdout or ctx.spec.traffic.calibrate:
        ctx.info("Held out of boosts: %d creators; calibration factor %s (%s)", len(holdout),
                 f"{float(factor):.6f}", source)  # fmt: skip
    return summary


def record_traffic_holdout(ctx: StepContext, content_creators: list[str], now: dt.datetime) -> set[str]:
    """Record the traffic group of every candidate (content creators and enrolled ones); return the holdout."""
    from creator_ops.core.experiments import assign_holdout
    from creator_ops.warehouse import mechanisms as wh
    from creator_ops.warehouse.experiments import record_assignments

    if ctx.spec.experiments.traffic is None:
        return set()
    enrolled = [c.creator_id for c in wh.enrolled_candidates(ctx.engine, ctx.campaign_id,
                                                             ctx.spec.timeline.registration_closes)]  # fmt: skip
    assignment = assign_holdout(ctx.spec, "traffic", [*content_creators, *enrolled])
    record_assignments(ctx.engine, assignment, now)
    return assignment.held


def holdout_text(ctx: StepContext, held_out: int, with_content: int) -> str | None:
    """Say how many candidates are held out of traffic and why (None without a traffic holdout)."""
    block = ctx.spec.experiments.traffic
    if block is None:
        return None
    return (
        f"{held_out} held out among this hour's candidates (no boost; {with_content} of them with content this hour; "
        f"experiments.traffic.holdout_share {block.holdout_share}): "
        "chosen by a fixed hash of campaign and creator, they get no boost in any hour, so the review can "
        "measure what the boost added"
    )


def calibration_factor(ctx: StepContext):
    """Return (factor, where it came from, pooled campaigns) for `traffic.calibrate` (SPEC 15's pooled loop).

    The factor is the precision-weighted mean of the on-treated calibrations of every earlier
    campaign of the same type in the warehouse, with a prior of 1 counting as one campaign of
    standard error 1; 1 when none has one, and when `traffic.calibrate` is off.
    """
    from fractions import Fraction

    from creator_ops.core.review.experiments import pooled_from, pooled_sentence
    from creator_ops.figures.experiments import earlier_measurements

    if not ctx.spec.traffic.calibrate:
        return Fraction(1), "traffic.calibrate is off", []
    pooled, listed = pooled_from(earlier_measurements(ctx.engine, ctx.spec, "traffic"))
    if not listed:
        return Fraction(1), f"no earlier {ctx.spec.type} campaign with an on-treated calibration: factor 1", []
    factor = Fraction(pooled.used).limit_denominator(10**12)
    return factor, pooled_sentence(pooled, listed), listed


def power_now(ctx: StepContext, mechanism: str, n_treated: int, n_holdout: int,
              predicted_per_treated_sen: float | None,
              predicted_by: str = "the plan predicts") -> dict[str, Any] | None:  # fmt: skip
    """SPEC 15's MDE for the plan so far, with `s` from the latest earlier campaign of the type that measured one."""
    from creator_ops.core.experiments import holdout_share_of
    from creator_ops.core.review.experiments import power_statement
    from creator_ops.figures.experiments import earlier_measurements

    share = holdout_share_of(ctx.spec, mechanism)
    if share is None:
        return None
    with_sd = [m for m in earlier_measurements(ctx.engine, ctx.spec, mechanism) if m.sd_sen is not None]
    preferred = [m for m in with_sd if m.sd_source and "would-be-treated" in m.sd_source] or with_sd
    latest = preferred[-1] if preferred else None
    return power_statement(
        None if latest is None else latest.sd_sen, n_treated, n_holdout, predicted_per_treated_sen, float(share),
        None if latest is None else f"{latest.sd_source} of {latest.campaign_id}", predicted_by,
    )
