"""The previous campaign of the demo's type, loaded into the warehouse before the demo runs.

The 12.12 review compares with the last campaign of the same type (SPEC section 10), so the
demo needs one in the warehouse: the 11.11 campaign (`include/campaigns/my_1111_2026.yaml`)
with its own generated history. Its exports land as messy files under its landing folder and
go through the same steps a DAG run takes (register, ingest every data set, validate, payout
calculation), without scheduling the 11.11 DAG's own runs: the point is its data, fast.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

PREVIOUS_CAMPAIGN = "my_1111_2026"
# file formats of the history's exports (the readers take any of them)
HISTORY_FORMATS = {
    "creators": "csv",
    "enrollments": "xlsx",
    "surveys": "csv",
    "orders": "parquet",
    "exclusions": "csv",
    "products": "csv",
    "invitations": "csv",
    "samples": "jsonl",
    "content": "csv",
}


def previous_spec_path(specs_dir: Path, campaign_id: str = PREVIOUS_CAMPAIGN) -> Path | None:
    """Return the previous campaign's spec file, or None when the folder has none."""
    path = specs_dir / f"{campaign_id}.yaml"
    return path if path.is_file() else None


def load_previous_campaign(spec_path: Path, engine: Any, *, creators: int, seed: int) -> dict[str, Any]:
    """Generate, land and ingest the previous campaign's data; return its figures (metrics and payouts)."""
    from creator_ops.core.payouts import to_sen
    from creator_ops.core.spec import load_spec
    from creator_ops.core.steps import StepContext
    from creator_ops.figures.campaign import campaign_figures
    from creator_ops.stand_ins.data import DATASETS, generate, land_slice
    from creator_ops.steps.ingest import ingest
    from creator_ops.steps.payouts import calculate
    from creator_ops.steps.quality import validate
    from creator_ops.steps.run_record import register_run
    from creator_ops.steps.snapshot import take_snapshot
    from creator_ops.warehouse.db import upgrade

    spec = load_spec(spec_path)
    upgrade(engine)
    data = generate(spec, creators=creators, seed=seed)
    data, truth = simulated_effects(data, history_boosts(data))
    t = spec.timeline
    since, until = t.recruitment_opens - dt.timedelta(days=30), t.payout_date + dt.timedelta(days=1)
    for dataset in DATASETS:
        fmt = HISTORY_FORMATS[dataset]
        # the orders as the platform's typed Parquet (fast to write); the rest as messy exports
        mess = dataset != "orders"
        land_slice(data, dataset, since, until, fmt=fmt, mess=mess, name=f"history_{dataset}.{fmt}")
    # one run at payout day: everything has landed and settled by then
    end = t.payout_date + dt.timedelta(hours=1)
    ctx = StepContext(spec, spec_path, f"demo_history__{spec.id}", t.payout_date, end, engine)
    register_run(ctx)
    rows = {dataset: ingest(ctx, dataset)["accepted"] for dataset in DATASETS}
    failed = {d: r["failed"] for d in DATASETS if not (r := validate(ctx, d))["passed"]}
    payout = calculate(ctx)
    review = measure_history_effects(ctx)
    take_snapshot(ctx)  # what its page and the Campaigns view show: the loaded history, as of this run
    figures = campaign_figures(engine, spec)
    return {
        "campaign_id": spec.id,
        "rows": rows,
        "quality_failed": failed,
        "enrolled": figures.enrolled,
        "eligible_gmv_sen": figures.eligible_gmv_sen,
        "payout_total_sen": to_sen(payout["total_myr"]),
        "payout_creators": payout["creators"],
        "truth": truth,
        "experiments": review["experiments"],
        "incentive_response": review["incentive_response"],  # SPEC 16, beside truth["tier_push"]
    }


def simulated_effects(data: Any, boosted: dict[str, Any] | None = None) -> tuple[Any, dict[str, Any]]:
    """Give samples (and `boosted` creators) their known effect (SPEC 15) and the tiers a push (SPEC 16).

    `boosted` maps each creator the allocation boosted to the end of its first boosted hour;
    the demo's live runs add the boosts' effects as the allocation makes them
    (`stand_ins.data.add_boost_effects`). The push is added last, from each creator's
    eligible GMV with every other effect known by then, and is in the truth as `tier_push`.
    """
    from creator_ops.stand_ins.data import add_boost_effects, add_simulated_effects, add_threshold_push

    data, truth = add_simulated_effects(data)
    if boosted:
        data = add_boost_effects(data, truth, boosted)
    data, push = add_threshold_push(data)
    return data, {**truth, "tier_push": push}


def history_boosts(data: Any) -> dict[str, Any]:
    """The previous campaign's boosts: its whole budget allocated once at the event's start, as
    `measure_history_effects` allocates it from the landed content (the same core, the same holdout)."""
    import datetime as dt

    from creator_ops.core.experiments import spec_holdout
    from creator_ops.core.traffic import TrafficParams, allocate, content_totals

    spec = data.spec
    if spec.traffic is None or not len(data.content):
        return {}
    content = data.content.sort_values("posted_at", kind="stable")
    creators = content_totals(zip(*(content[c].tolist() for c in ("content_id", "creator_id", "gmv_sen", "views")),
                                  strict=True))  # fmt: skip
    enrolled = data.enrollments["creator_id"].unique().tolist()
    holdout = spec_holdout(spec, "traffic", [*(c.creator_id for c in creators), *enrolled])
    result = allocate(creators, TrafficParams.from_spec(spec.traffic), holdout=holdout)
    end = spec.timeline.event_start + dt.timedelta(hours=1)
    return {r.creator_id: end for r in result.boosted}


def measure_history_effects(ctx: Any) -> dict[str, Any]:
    """Allocate the previous campaign's boost budget once (as its live hours would have), measure; return its review.

    The history is not run hour by hour, so its whole traffic budget is allocated over its
    content at the event's start, with its traffic holdout left out, and recorded as that
    hour's allocation. Its review's `experiments` are then stored: what 12.12's
    `traffic.calibrate` and matchmaking read as "the last measured campaign".
    """
    import datetime as dt

    from creator_ops.core.experiments import assign_holdout
    from creator_ops.core.review import compute_review
    from creator_ops.core.traffic import TrafficParams, allocate, content_totals
    from creator_ops.warehouse import mechanisms as wh
    from creator_ops.warehouse.campaign_data import current_content
    from creator_ops.warehouse.experiments import record_assignments, store_results
    from creator_ops.warehouse.review_inputs import load_review_inputs

    spec, engine = ctx.spec, ctx.engine
    now = dt.datetime.now(dt.UTC)
    if spec.traffic is not None:
        content = current_content(engine, spec.id)
        creators = content_totals(
            zip(*(content[c].to_pylist() for c in ("content_id", "creator_id", "gmv_sen", "views")), strict=True)
        )
        enrolled = [c.creator_id for c in wh.enrolled_candidates(engine, spec.id, spec.timeline.registration_closes)]
        assignment = assign_holdout(spec, "traffic", [*(c.creator_id for c in creators), *enrolled])
        record_assignments(engine, assignment, now)
        result = allocate(creators, TrafficParams.from_spec(spec.traffic), holdout=assignment.held)
        hour = spec.timeline.event_start
        wh.store_hour(engine, spec.id, ctx.run_id, hour, result.budget_sen, result, now)
    if spec.experiments.samples is not None:
        from creator_ops.core.steps import StepSkipped
        from creator_ops.steps.matchmaking import run_matchmaking

        try:  # its matchmaking list (with the ghost pairs): the samples' would-be-treated (SPEC 15)
            run_matchmaking(ctx)
        except StepSkipped:
            enrolled = [c.creator_id for c in wh.enrolled_candidates(engine, spec.id,
                                                                     spec.timeline.registration_closes)]  # fmt: skip
            record_assignments(engine, assign_holdout(spec, "samples", enrolled), now)
    review = compute_review(spec, load_review_inputs(engine, spec.id), themes=False)
    if review["experiments"]:
        store_results(engine, spec, review["experiments"], now)
    return review
