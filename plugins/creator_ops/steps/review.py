"""Review step: the campaign review (SPEC section 10) from the warehouse, written for ops and announced.

Built in the settlement and payout runs from the same warehouse state the payouts read
(the same engine on the same inputs), compared with the previous campaign of the same
type in the warehouse, written to `output/<campaign>/review/` (review.json, review.md,
review.html) and announced once per phase by a "campaign review ready" alert through
the outbox. Data sets whose latest quality validation failed are named in the review's
notes: the review still shows what the data says, the payouts refuse it.
"""

from __future__ import annotations

from typing import Any

from creator_ops.core.steps import StepContext


def build_review(ctx: StepContext, *, review_url: str | None = None) -> dict[str, Any]:
    """Compute, write and announce the review; `review_url` is where ops open it (the Airflow UI)."""
    from creator_ops.core.alerts import channels_for
    from creator_ops.core.review import compute_review, headline
    from creator_ops.core.review.alert import review_ready_alert, sample_ratio_alert
    from creator_ops.core.review.experiments_render import lift_sentence, on_treated_sentence
    from creator_ops.core.review.render import write_review
    from creator_ops.warehouse.metrics import untrusted_datasets
    from creator_ops.warehouse.outbox import enqueue
    from creator_ops.warehouse.review_inputs import load_review_inputs, previous_campaign

    spec = ctx.spec
    inputs = load_review_inputs(ctx.engine, spec.id)
    for dataset, failed in sorted(untrusted_datasets(ctx.engine, spec.id).items()):
        inputs.notes.append(
            f"{dataset} failed its latest quality validation ({', '.join(failed) or 'suite failed'}): "
            "figures that use it are not trusted"
        )
    baseline = None
    previous = previous_campaign(ctx.engine, spec)
    if previous is not None:
        baseline = compute_review(previous, load_review_inputs(ctx.engine, previous.id), themes=False)
        ctx.info("Comparing with %s (%s), event %s", previous.name, previous.id, previous.timeline.event_start)
    review = compute_review(spec, inputs, baseline=baseline, baseline_source="warehouse")
    review["projection"] = projection_review(ctx, review)
    # what moment the figures describe (the data landed by the end of this run's interval) and when the
    # page was built (the clock): said at the top of review.html and review.md (issue 30)
    moment = {"figures_as_of": ctx.interval_end.isoformat(), "run_id": ctx.run_id, "built_at": ctx.now().isoformat()}
    paths = write_review(review, ctx.output_dir / "review", moment=moment)
    if review["experiments"]:
        from creator_ops.warehouse.experiments import store_results

        store_results(ctx.engine, spec, review["experiments"], ctx.now())
        for mechanism, block in review["experiments"].items():
            ctx.info("Measured lift of %s: %s", mechanism, lift_sentence(mechanism, block))
            if block.get("on_treated") is not None:
                sentence = on_treated_sentence(mechanism, block["on_treated"])
                ctx.info("On the chosen creators, %s: %s", mechanism, sentence)
    figures = headline(review)
    alert = review_ready_alert(spec, review, phase=str(ctx.phase), headline=figures, link=review_url)
    channels = channels_for(spec)
    alerts = [alert]
    mismatch = sample_ratio_alert(spec, review, link=review_url)  # SPEC 15: a broken split, said once
    if mismatch is not None:
        alerts.append(mismatch)
        ctx.info("Sample ratio mismatch: %s", mismatch.data["detail"])
    queued = enqueue(ctx.engine, alerts, channels=channels, campaign_name=spec.name, now=ctx.now())
    for label, value in figures.items():
        ctx.info("%s: %s", label, value)
    ctx.info("Review written to %s (%d alert row(s) queued)", paths["html"], queued)
    return {
        "files": {kind: str(path) for kind, path in paths.items()},
        "headline": figures,
        "baseline": previous.id if previous is not None else None,
        "alert_rows_queued": queued,
        "notes": review["notes"],
    }


def projection_review(ctx: StepContext, review: dict[str, Any]) -> dict[str, Any]:
    """Set the final figure beside the live projections and replay the projection over settled campaigns."""
    from creator_ops.core.review.experiments import projection_section
    from creator_ops.figures.experiments import earlier_campaigns
    from creator_ops.figures.hourly import projection_reference
    from creator_ops.warehouse.experiments import settle_predictions, stored_predictions

    settle_predictions(ctx.engine, ctx.spec.id, review["gmv"]["eligible_myr"].sen)
    earlier = [projection_reference(ctx.engine, spec) for spec in earlier_campaigns(ctx.engine, ctx.spec)]
    block = projection_section(review, earlier, stored_predictions(ctx.engine, ctx.spec.id, "live_projection"))
    for name, c in block["backtest"].items():
        ctx.info("Projection backtest at %s of the event: %d replays, median abs error %s, interval coverage %s",
                 name, c["replays"], c["median_abs_pct_error"], c["interval_coverage"])  # fmt: skip
    return block
