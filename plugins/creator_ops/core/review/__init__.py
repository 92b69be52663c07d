"""The campaign review, SPEC section 10: what worked, against targets and the previous campaign.

    review = compute_review(spec, ReviewInputs(orders=..., enrollments=..., ...), baseline=previous)
    write_review(review, out_dir)   # review.json, review.md, review.html

Plain Python over in-memory tables: the DAG's step reads them from the warehouse, the
command line from files; both call `compute_review`, which uses the section 5 engine for
everything about orders (see `figures`).
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from creator_ops.core.review.figures import ReviewInputs, compute_figures, targets_figures
from creator_ops.core.review.surveys import build_responses, survey_figures
from creator_ops.core.review.values import Money, Ratio, delta, display_myr, dumps, loads
from creator_ops.core.spec import CampaignSpec

if TYPE_CHECKING:
    from collections.abc import Iterator

# the figures compared with the baseline (every number of section 10)
COMPARED = (
    "funnel",
    "rates",
    "gmv",
    "cost",
    "roi",
    "cost_per_selling_creator_myr",
    "top10_share",
    "median_hours_to_first_sale",
    "targets",
    "surveys",
    "payouts",
    "what_if",
)


def _hour_offsets(by_hour: dict[str, Any]) -> dict[str, Any]:
    """Key GMV by hour as hours since the event's first hour, so two campaigns line up."""
    return {str(i): value for i, value in enumerate(by_hour.values())}


def _comparable(review: dict[str, Any]) -> dict[str, Any]:
    out = {key: review.get(key) for key in COMPARED}
    if isinstance(out.get("gmv"), dict):
        gmv = {k: v for k, v in out["gmv"].items() if k != "placed_by_hour"}  # the projection's input, not a figure
        out["gmv"] = {**gmv, "by_hour": _hour_offsets(gmv.get("by_hour") or {})}
    if isinstance(out.get("surveys"), dict):
        out["surveys"] = {
            k: {f: v for f, v in s.items() if f not in ("themes", "choices")}
            for k, s in out["surveys"].items()
            if isinstance(s, dict)
        }
    return out


def baseline_block(current: dict[str, Any], previous: dict[str, Any], source: str) -> dict[str, Any]:
    """Describe the previous campaign and the delta (current − previous) of every number."""
    campaign = previous.get("campaign") or {}
    differences = delta(_comparable(current), _comparable(previous))
    hours = list((current.get("gmv") or {}).get("by_hour") or {})
    if "by_hour" in differences.get("gmv", {}):
        by_offset = differences["gmv"]["by_hour"]
        differences["gmv"]["by_hour"] = {
            (hours[int(i)] if int(i) < len(hours) else f"+{i}h"): v for i, v in by_offset.items()
        }
    return {
        "campaign_id": campaign.get("id"),
        "name": campaign.get("name"),
        "type": campaign.get("type"),
        "event_start": campaign.get("event_start"),
        "source": source,
        "gmv_by_hour": list(((previous.get("gmv") or {}).get("by_hour") or {}).values()),
        "delta": differences,
    }


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a bounded burst of work (the review, its page).

    The review allocates hundreds of thousands of short-lived, acyclic objects (rows, Fractions,
    answers) and loads jieba's dictionary and matplotlib: the allocation counts trigger full
    collections that walk every loaded object (~40 ms each, 0.1-0.2 s per review at 1M lines,
    issue 29) and free almost nothing. Reference counting still frees everything acyclic;
    the collector resumes (and collects any cycles) when the block ends.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def compute_review(
    spec: CampaignSpec,
    inputs: ReviewInputs,
    *,
    baseline: dict[str, Any] | None = None,
    baseline_source: str = "warehouse",
    themes: bool = True,
    threads: int | None = None,
) -> dict[str, Any]:
    """Compute the review of `spec` over `inputs`; `baseline` is the previous campaign's review."""
    with collector_paused():
        return _compute_review(spec, inputs, baseline, baseline_source, themes, threads)


def _compute_review(
    spec: CampaignSpec,
    inputs: ReviewInputs,
    baseline: dict[str, Any] | None,
    baseline_source: str,
    themes: bool,
    threads: int | None,
) -> dict[str, Any]:
    responses = build_responses(inputs.survey_responses, inputs.survey_answers)
    # no warm-up thread loading jieba and matplotlib beside the engine (issue 29): on two cores it does
    # not hide under DuckDB's queries but slows them (their threads wait on the interpreter), so the
    # review and its page load them where they are first used
    computed = compute_figures(spec, inputs, threads=threads)
    figures = computed.figures
    t = spec.timeline
    actuals = {
        "creators_enrolled": figures["funnel"]["enrolled"],
        "gmv_myr": figures["gmv"]["eligible_myr"],
        "survey_responses": len(responses),
    }
    review: dict[str, Any] = {
        "campaign": {
            "id": spec.id,
            "name": spec.name,
            "type": spec.type,
            "timezone": spec.timezone,
            "event_start": t.event_start.isoformat(),
            "event_end": t.event_end.isoformat(),
        },
        "funnel": figures["funnel"],
        "rates": figures["rates"],
        "gmv": figures["gmv"],
        "cost": figures["cost"],
        "roi": figures["roi"],
        "cost_per_selling_creator_myr": figures["cost_per_selling_creator_myr"],
        "top10_share": figures["top10_share"],
        "median_hours_to_first_sale": figures["median_hours_to_first_sale"],
        "targets": targets_figures(spec, actuals),
        "surveys": survey_figures(spec, responses, computed.account_managers, themes=themes),
        "payouts": figures["payouts"],
        "what_if": figures["what_if"],
        "incentive_response": figures["incentive_response"],
        "concentration": figures["concentration"],
        "experiments": figures["experiments"],
    }
    review["baseline"] = baseline_block(review, baseline, baseline_source) if baseline else None
    review["notes"] = sorted(set(computed.notes + list(inputs.notes)))
    return review


def headline(review: dict[str, Any]) -> dict[str, str]:
    """The few figures an alert and the demo show, as display text."""

    def text(value: Any) -> str:
        if value is None:
            return "n/a"
        if isinstance(value, Money):
            return display_myr(value)
        return str(value)

    def signed(value: Any) -> str:
        if isinstance(value, Money):
            return ("+" if value.sen >= 0 else "-") + display_myr(Money(abs(value.sen)))
        return f"{value:+,}" if isinstance(value, int) else "n/a"

    funnel = review["funnel"]
    roi = review["roi"]
    share = review["top10_share"]
    figures = {
        "Eligible GMV": text(review["gmv"]["eligible_myr"]),
        "Total cost": text(review["cost"]["total_myr"]),
        "ROI (GMV / cost)": f"{roi.decimal():.2f}×" if isinstance(roi, Ratio) else "n/a",
        "Funnel": (
            f"{funnel['invited']:,} invited → {funnel['enrolled']:,} enrolled → {funnel['sampled']:,} sampled → "
            f"{funnel['posting']:,} posting → {funnel['selling']:,} selling"
        ),
        "Top 10% share of GMV": f"{share.decimal() * 100:.1f}%",
        "Cost per selling creator": text(review["cost_per_selling_creator_myr"]),
    }
    baseline = review.get("baseline")
    if baseline:
        d = baseline.get("delta") or {}
        figures[f"Against {baseline.get('name') or baseline.get('campaign_id')}"] = (
            f"eligible GMV {signed(d.get('gmv', {}).get('eligible_myr'))}, "
            f"total cost {signed(d.get('cost', {}).get('total_myr'))}, "
            f"selling creators {signed(d.get('funnel', {}).get('selling'))}"
        )
    return figures


__all__ = ["ReviewInputs", "baseline_block", "compute_review", "dumps", "headline", "loads"]
