"""Live projection step (SPEC 12): each live hour projects the final eligible GMV, stores it, alerts when behind pace.

The projection is `core.projection`'s (GMV placed so far, scaled by the hourly shape of
earlier campaigns of the same type and by how much of their GMV placed ended eligible;
80 % interval; docs/projection.md). It is stored as it was
made (`predictions`, kind `live_projection`), which the campaign page and the Campaigns
view read, and set beside the final figure when the review is built. When the
interval's upper end is below the GMV target, a "behind pace" alert goes through the
outbox once per campaign (its key has no hour in it).
"""

from __future__ import annotations

from typing import Any

from creator_ops.core.steps import StepContext, StepSkipped

KIND = "live_projection"


def references(ctx: StepContext) -> list[Any]:
    """Return GMV placed and eligible GMV per event hour of every earlier campaign of the same type."""
    from creator_ops.figures.experiments import earlier_campaigns
    from creator_ops.figures.hourly import projection_reference

    return [projection_reference(ctx.engine, other) for other in earlier_campaigns(ctx.engine, ctx.spec)]


def project_gmv(ctx: StepContext) -> dict[str, Any]:
    """Project the final eligible GMV from what has landed so far; store it; alert once when behind pace."""
    from creator_ops.core.money import format_myr, to_sen
    from creator_ops.core.projection import Conversion, Shape, project
    from creator_ops.core.review.figures import event_hours
    from creator_ops.figures.hourly import hourly_gmv
    from creator_ops.warehouse.experiments import store_prediction

    spec = ctx.spec
    as_of = ctx.interval_end
    so_far = hourly_gmv(ctx.engine, spec, as_of=as_of, lines="placed")
    if not so_far:
        raise StepSkipped("no complete event hour yet: nothing to project from")
    earlier = references(ctx)
    shape = Shape.of(len(event_hours(spec)), earlier)
    conversion = Conversion.of(earlier)
    p = project(so_far, shape, conversion)
    if p.point_sen is None:
        raise StepSkipped(f"no projection: {p.note}")
    factor = round(p.conversion, 6) if conversion.known else None  # None: no earlier campaign's share to apply
    detail = {"elapsed_hours": p.elapsed, "hours": p.hours, "placed_so_far_sen": p.observed_sen, "note": p.note,
              "placed_final_sen": p.placed_point_sen,
              "conversion": factor,
              "conversions": dict(zip(conversion.sources, (round(c, 6) for c in conversion.each), strict=True)),
              "references": shape.sources}  # fmt: skip
    store_prediction(ctx.engine, spec.id, KIND, as_of, p.point_sen, p.low_sen, p.high_sen, detail, ctx.now())
    target = to_sen(spec.targets.gmv_myr) if spec.targets.gmv_myr else None
    behind = target is not None and p.high_sen is not None and p.high_sen < target
    queued = behind_pace_alert(ctx, p, target) if behind else 0
    summary = {
        "as_of": as_of.isoformat(),
        "elapsed_hours": p.elapsed,
        "hours": p.hours,
        "placed_so_far_myr": format_myr(p.observed_sen),
        "conversion": factor,
        "projected_myr": format_myr(p.point_sen),
        "low80_myr": None if p.low_sen is None else format_myr(p.low_sen),
        "high80_myr": None if p.high_sen is None else format_myr(p.high_sen),
        "target_myr": None if target is None else format_myr(target),
        "behind_pace": behind,
        "alert_rows_queued": queued,
        "method": p.note,
    }
    ctx.info(
        "%s after %d of %d hours: RM %s placed, projected final eligible GMV RM %s (80 %% interval %s to %s)%s",
        spec.id, p.elapsed, p.hours, format_myr(p.observed_sen), format_myr(p.point_sen),
        summary["low80_myr"], summary["high80_myr"], "; behind pace" if behind else "",
    )  # fmt: skip
    return summary


def behind_pace_alert(ctx: StepContext, p, target_sen: int) -> int:
    """Queue the "behind pace" alert (once per campaign, whatever reruns)."""
    from creator_ops.core.alerts import Alert, Fact, alert_key, channels_for
    from creator_ops.core.money import format_rm
    from creator_ops.warehouse.outbox import enqueue

    alert = Alert(
        key=alert_key("behind_pace", ctx.spec.id),
        campaign_id=ctx.spec.id,
        kind="behind_pace",
        severity="warning",
        data={
            "elapsed": p.elapsed,
            "hours": p.hours,
            "observed_display": format_rm(p.observed_sen),
            "projected_display": format_rm(p.point_sen),
            "low_display": format_rm(p.low_sen),
            "high_display": format_rm(p.high_sen),
            "target_display": format_rm(target_sen),
        },
        facts=(
            Fact("GMV placed so far", format_rm(p.observed_sen)),
            Fact("Projected final (80 % interval)", f"{format_rm(p.low_sen)} to {format_rm(p.high_sen)}"),
            Fact("GMV target", format_rm(target_sen)),
        ),
    )
    return enqueue(ctx.engine, [alert], channels=channels_for(ctx.spec), campaign_name=ctx.spec.name,
                   now=ctx.now())  # fmt: skip


def settle(ctx: StepContext, final_sen: int) -> int:
    """Set the final eligible GMV beside every live projection of the campaign."""
    from creator_ops.warehouse.experiments import settle_predictions

    return settle_predictions(ctx.engine, ctx.spec.id, final_sen)
