"""Matchmaking steps (SPEC 11): compute the product matchmaking list until BD signs it off.

`run_matchmaking` runs daily before the event: it values every allowed pair of the
campaign's enrolled creators and current products and stores the maximum-value list as
this run's draft, writing the files ops open under `output/<campaign>/matchmaking/`
(`pairs.csv`, `pairs_ghosts.csv`, `products.csv`, one `list_<am>.csv` per account manager,
`summary.json`). With a samples holdout the list is computed over every candidate and the
pairs of held-out creators are ghosts (SPEC 15): they use quota, are never shipped or on an
account manager's list, and the sign-off says how many samples are held back and what the
holdout can detect.
BD's sign-off (`runbook.bd_matchmaking_signoff`) shows the draft; approving freezes it
(`record_signoff`), and from then on `run_matchmaking` skips and nothing changes the
list or its files. Rejecting records the reason and matchmaking goes on; the sign-off
opens again in the next run with the new draft (`signoff_should_open`).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from creator_ops.core.matchmaking import score_text
from creator_ops.core.steps import StepContext, StepSkipped
from creator_ops.core.times import format_local

TOP_PAIRS_SHOWN = 15


def matchmaking_dir(ctx: StepContext) -> Path:
    return ctx.output_dir / "matchmaking"


def _products(ctx: StepContext):
    from creator_ops.core.matchmaking import Product
    from creator_ops.warehouse.campaign_data import current_products

    table = current_products(ctx.engine, ctx.campaign_id)
    return [
        Product(
            product_id=r["product_id"],
            category=r["category"],
            sample_quota=r["sample_quota"],
            priority=r["priority"] or 1,
            min_followers=r["min_followers"] or 0,
            name=r["name"],
            price_sen=r["price_sen"],
        )
        for r in table.to_pylist()
    ]


def run_matchmaking(ctx: StepContext) -> dict[str, Any]:
    """Compute and store this run's matchmaking list and write its files; skip once BD froze a list."""
    from creator_ops.core.matchmaking import history_by_category, match, sample_histories, write_matchmaking_files
    from creator_ops.figures.mechanisms import history_rows
    from creator_ops.steps.quality import untrusted_datasets
    from creator_ops.warehouse import mechanisms as wh

    frozen = wh.frozen_list(ctx.engine, ctx.campaign_id)
    if frozen is not None:
        raise StepSkipped(
            f"the matchmaking list of run {frozen.run_id} was frozen by {frozen.decided_by} at "
            f"{format_local(frozen.decided_at, ctx.spec.tz, with_zone=True)} (BD sign-off); later runs do not change it"
        )
    untrusted = untrusted_datasets(ctx.engine, ctx.campaign_id)
    if "products" in untrusted:
        # a skip, not a failure: the stages after this one (milestones, which alert on the failed suite) still run
        raise StepSkipped(
            f"no list computed: the products data set failed its quality suite ({', '.join(untrusted['products'])});"
            " land the corrected product selection under the same file name and rerun"
        )
    products = _products(ctx)
    if not products:
        raise StepSkipped(f"no products landed for {ctx.campaign_id} yet: nothing to match")
    candidates = wh.enrolled_candidates(ctx.engine, ctx.campaign_id, ctx.spec.timeline.registration_closes)
    if not candidates:
        raise StepSkipped(f"no enrolled creators in {ctx.campaign_id} yet: nobody to match")
    holdout = record_samples_holdout(ctx, [c.creator_id for c in candidates])
    result = match(
        candidates,
        products,
        history=history_by_category(history_rows(ctx.engine, ctx.campaign_id)),
        samples=sample_histories(wh.sample_rows(ctx.engine, exclude=ctx.campaign_id)),  # past campaigns' samples
        max_products_per_creator=ctx.spec.matchmaking.max_products_per_creator,
        account_managers=ctx.spec.recruitment.account_managers,
        holdout=holdout,
    )
    result.measured = measured_per_sample(ctx)
    result.power = samples_power(ctx, result)
    list_id = wh.store_list(ctx.engine, ctx.campaign_id, ctx.run_id, result, dt.datetime.now(dt.UTC))
    files = write_matchmaking_files(result, matchmaking_dir(ctx))
    summary = result.summary()
    warnings = sorted(set(untrusted) & {"creators", "enrollments", "samples"})
    ctx.info(
        "%s: list %d (draft) with %d pairs, ranking score %s (unitless, not a forecast); "
        "products filled %d, short %d%s",
        ctx.campaign_id,
        list_id,
        summary["pairs"],
        score_text(summary["total_value_myr"]),
        summary["products_filled"],
        summary["products_short"],
        f"; untrusted inputs: {', '.join(warnings)}" if warnings else "",
    )
    return {"list_id": list_id, "state": "draft", **summary, "untrusted_inputs": warnings,
            "files": [str(p) for p in files]}  # fmt: skip


# --------------------------------------------------------------------------- BD sign-off


@dataclass(frozen=True)
class SignoffRequest:
    """What BD sees: the list's summary and its top pairs."""

    list_id: int | None
    subject: str
    body: str


def _no_quota(summary: dict[str, Any]) -> str:
    count = summary.get("products_without_quota")
    return f" ({count} with no sample quota: neither filled nor short)" if count else ""


def prepare_signoff(ctx: StepContext, title: str) -> SignoffRequest:
    """Return the sign-off's text for the list this run computed (or the latest one)."""
    from creator_ops.core.matchmaking import VALUE_MEANING, score_text
    from creator_ops.warehouse import mechanisms as wh

    record = wh.latest_list(ctx.engine, ctx.campaign_id, ctx.run_id)
    subject = f"{ctx.spec.name}: {title}"
    if record is None:
        body = (
            f"**{title}**\n\nNo matchmaking list has been computed for this campaign yet (no products or no "
            "enrolled creators landed). Reject to keep matchmaking open; approving signs off an empty list."
        )
        return SignoffRequest(None, subject, body)
    s = record.summary
    pairs = sorted(wh.list_pairs(ctx.engine, record.list_id), key=lambda p: (-p[2], p[1], p[0]))
    lines = [
        f"**{title}** — list {record.list_id} of run {record.run_id}: data as of "
        f"{format_local(ctx.interval_end, ctx.spec.tz, with_zone=True)} (the end of this run's interval); "
        f"computed {format_local(record.computed_at, ctx.spec.tz)} by the clock",
        "",
        f"- pairs: **{s['pairs']}**, total ranking score **{score_text(s['total_value_myr'])}** (unitless) "
        f"({s['creators_matched']} creators of {s['candidates']} enrolled; at most "
        f"{s['max_products_per_creator']} product(s) each)",
        f"- products filled: **{s['products_filled']}** of {s['products']}{_no_quota(s)}; "
        f"short: **{s['products_short']}** "
        f"({s['samples_short']} samples unassigned)",
        f"- what *value* means: {VALUE_MEANING}",
    ]
    if s.get("held_out_creators"):
        lines.append(
            f"- held out among enrolled: **{s['held_out_creators']}** of the creators enrolled so far get no sample "
            f"(experiments.samples.holdout_share {ctx.spec.experiments.samples.holdout_share}, a fixed hash of "
            "campaign and creator), so the review can measure what samples add"
        )
        if "held_back" in s:
            from creator_ops.core.money import format_rm, to_sen

            lines.append(
                f"- **{s['held_back']}**: the list was computed over every candidate; the "
                f"{s['ghost_pairs']} pairs it gave held-out creators ({format_rm(to_sen(s['held_back_myr']))} of "
                "products) use their product's quota and are not shipped"
            )
    if s.get("power"):
        lines.append(f"- what the holdout can detect: {s['power']['text']}")
    measured = s.get("measured_last_campaign")
    if measured:
        lines.append(f"- measured last time: {measured['text']}")
    for am, figures in s["per_account_manager"].items():
        lines.append(f"- {am}: {figures['pairs']} pairs, ranking score {score_text(figures['value_myr'])}")
    lines += ["", f"Top {min(TOP_PAIRS_SHOWN, len(pairs))} pairs by value (ranking score):", "",
              "| # | creator | product | value (score) | account manager |",
              "| --- | --- | --- | --- | --- |"]  # fmt: skip
    for rank, (creator, product, value, am) in enumerate(pairs[:TOP_PAIRS_SHOWN], start=1):
        lines.append(f"| {rank} | {creator} | {product} | {score_text(value)} | {am or '—'} |")
    if s["short"]:
        shown = ", ".join(f"{x['product_id']} ({x['assigned']}/{x['sample_quota']})" for x in s["short"][:10])
        lines += ["", f"Short products: {shown}"]
    lines += [
        "",
        "Files: the campaign's page in the Campaigns view, Matchmaking list (the whole list, per account "
        "manager, as CSV).",
        "",
        "Approve freezes this list (later runs do not change it). Reject with a note re-opens matchmaking.",
    ]
    return SignoffRequest(record.list_id, subject, "\n".join(lines))


def signoff_should_open(ctx: StepContext, due_run_start: dt.datetime) -> str | None:
    """Return why the BD sign-off opens in this run (the due run, or a later one after a rejection), else None."""
    from creator_ops.warehouse import mechanisms as wh

    start = ctx.interval_start.astimezone(dt.UTC)
    if start == due_run_start.astimezone(dt.UTC):
        return "due"
    if start < due_run_start.astimezone(dt.UTC) or ctx.interval_start >= ctx.spec.timeline.event_start:
        return None
    every = wh.lists(ctx.engine, ctx.campaign_id)
    if any(r.state == "frozen" for r in every):
        return None
    decided = [r for r in every if r.state == "rejected"]
    return "reopened after a rejection" if decided else None


def record_signoff(
    ctx: StepContext, *, approved: bool, by: str, at: dt.datetime, note: str | None
) -> dict[str, Any] | None:
    """Freeze (approve) or reject the list this run showed; write `signoff.json` beside the list's files."""
    from creator_ops.warehouse import mechanisms as wh

    record = wh.latest_list(ctx.engine, ctx.campaign_id, ctx.run_id)
    if record is None:
        ctx.info("Sign-off %s by %s: there is no list to %s", "approved" if approved else "rejected", by,
                 "freeze" if approved else "reject")  # fmt: skip
        return None
    decided = wh.decide_list(ctx.engine, record.list_id, approved=approved, by=by, at=at, note=note)
    payload = {
        "list_id": decided.list_id,
        "run_id": decided.run_id,
        "state": decided.state,
        "decided_by": decided.decided_by,
        "decided_at": decided.decided_at.isoformat() if decided.decided_at else None,
        "note": decided.decision_note,
        "pairs": decided.pairs,
        "total_value_myr": decided.summary["total_value_myr"],
    }
    from creator_ops.core.safe_csv import write_atomically

    write_atomically(matchmaking_dir(ctx) / "signoff.json", (json.dumps(payload, indent=2) + "\n").encode("utf-8"))
    ctx.info("Matchmaking list %d %s by %s", decided.list_id, decided.state, decided.decided_by)
    return payload


def record_samples_holdout(ctx: StepContext, candidates: list[str]) -> set[str]:
    """Record the samples group of every candidate; return the ones held out (SPEC 12)."""
    from creator_ops.core.experiments import assign_holdout
    from creator_ops.warehouse.experiments import record_assignments

    if ctx.spec.experiments.samples is None:
        return set()
    assignment = assign_holdout(ctx.spec, "samples", candidates)
    record_assignments(ctx.engine, assignment, dt.datetime.now(dt.UTC))
    return assignment.held


def measured_per_sample(ctx: StepContext) -> dict[str, Any] | None:
    """Return the last settled samples holdout's measured incremental GMV per shipped sample, if any."""
    from creator_ops.core.money import format_myr, format_rm
    from creator_ops.warehouse.experiments import latest_result

    found = latest_result(ctx.engine, ctx.spec, "samples", need="incremental_gmv_sen")
    if found is None or not found.units:
        return None
    per_sample = round(found.incremental_gmv_sen / found.units)
    how_sure = ""
    if found.incremental_gmv_ci95_sen is not None:
        low, high = found.incremental_gmv_ci95_sen
        verdict = "excludes zero" if found.significant else "includes zero: not told apart from no effect"
        how_sure = (f"; 95 % interval {format_rm(round(low / found.units))} to {format_rm(round(high / found.units))} "
                    f"per sample, which {verdict}")  # fmt: skip
    return {
        "campaign_id": found.campaign_id,
        "incremental_gmv_per_sample_myr": format_myr(per_sample),
        "significant": found.significant,
        "text": (
            f"{found.campaign_id}'s samples holdout measured {format_rm(per_sample)} of incremental GMV per "
            f"shipped sample ({format_rm(found.incremental_gmv_sen)} over {found.units} samples{how_sure})"
        ),
    }


def samples_power(ctx: StepContext, result) -> dict[str, Any] | None:
    """SPEC 15's MDE for this list: its chosen creators per group, `s` from the latest earlier samples measurement.

    The prediction per treated creator is the latest earlier on-treated effect of samples,
    when one was measured (matchmaking's value is a ranking score, not a forecast).
    """
    from creator_ops.figures.experiments import earlier_measurements
    from creator_ops.steps.traffic import power_now

    if ctx.spec.experiments.samples is None:
        return None
    treated = len({p.creator_id for p in result.pairs})
    ghosts = len({p.creator_id for p in result.ghost_pairs})
    predicted, by = None, "the plan predicts"
    for m in reversed(earlier_measurements(ctx.engine, ctx.spec, "samples")):
        if m.lift_sen is not None:
            predicted, by = float(m.lift_sen), f"{m.campaign_id}'s samples holdout measured"
            break
    return power_now(ctx, "samples", treated, ghosts, predicted, by)
