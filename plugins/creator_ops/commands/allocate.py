"""`campaignctl allocate`: traffic allocation (SPEC section 11) from a content file, without Airflow or a database.

Reads the content export (content_id, creator_id, content_type, posted_at, views,
gmv_myr) with the ingestion reader, spreads the spec's `traffic.budget_myr` over the
creators in whole sen to maximise expected extra GMV (the one traffic core), writes one
row per creator (spend_myr, expected_gmv_myr, the shrunk GPM and the content totals,
by spend descending) and prints a JSON summary with `spent_myr` and `expected_gmv_myr`.
With `experiments.traffic` in the spec the plan is computed over every candidate (SPEC 15):
a holdout creator it gives spend is a ghost row (`spend_myr` 0, `ghost_spend_myr` and
`ghost_expected_gmv_myr` what it would have got), counted against the budget and never
bought; the summary says `ghosts`, `held_back_myr` and the MDE. With `traffic.calibrate:
true` the factor is SPEC 15's pooled calibration over the on-treated calibrations of every
`--calibration-from` review (earlier campaigns of the same type; several may be given),
with a prior of 1; without one the factor is 1. The summary's `calibration` is the factor
(six decimals), `calibration_ci95` its interval and `calibration_pooled` every campaign
pooled with its weight. `mde_myr` takes `s` from the given review with the latest
`campaign.event_start` (null without one).
"""

from __future__ import annotations

import argparse
import json
from fractions import Fraction
from pathlib import Path

from creator_ops.commands.common import BadInput, pii_key_if_set, read_export, shown
from creator_ops.commands.match import input_summary
from creator_ops.core.money import format_myr
from creator_ops.core.spec import SpecError, load_spec

HELP = "allocate the paid-traffic budget over creators (SPEC section 11) from a content file; write CSV"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--spec", required=True, metavar="SPEC", help="campaign spec YAML (with a traffic block)")
    parser.add_argument("--content", required=True, metavar="FILE", help="videos and LIVE sessions with views and GMV")
    parser.add_argument("--out", required=True, metavar="FILE", help="allocation CSV to write")
    parser.add_argument(
        "--calibration-from", metavar="REVIEW_JSON", action="append", default=[],
        help="review.json of an earlier campaign of the same type (may be given several times): their on-treated "
             "calibrations are pooled when the spec has traffic.calibrate, and the latest gives the MDE's spread "
             "(SPEC 15)",
    )  # fmt: skip


def earlier_reviews(paths: list[str], spec) -> list[dict]:
    """Read every `--calibration-from` review with the one validated reader; another campaign type is exit 2."""
    from creator_ops.core.review.readback import read_review

    reviews = []
    for path_text in paths:
        data = read_review(path_text, "--calibration-from")  # types, finite numbers, bounds
        campaign = data["campaign"]
        if campaign.get("type") != spec.type:
            raise BadInput(
                f"--calibration-from {path_text}: field campaign.type: {campaign.get('type')!r} is not this "
                f"campaign's type {spec.type!r}; the loop calibrates against the same type of campaign",
                file=path_text, field="campaign.type",
            )  # fmt: skip
        reviews.append(data)
    return reviews


def run(args: argparse.Namespace) -> int:
    from creator_ops.core.experiments import holdout_share_of, spec_holdout
    from creator_ops.core.paths import output_target
    from creator_ops.core.review.experiments import (
        measurement_from_review,
        pooled_from,
        pooled_sentence,
        power_statement,
    )
    from creator_ops.core.safe_csv import write_atomically
    from creator_ops.core.traffic import TrafficParams, allocate, content_totals

    output_target(args.out, what="--out")  # before the work: a bad target fails fast
    try:
        spec = load_spec(args.spec)
    except SpecError as exc:
        raise BadInput(f"invalid spec: {exc}") from None
    if spec.traffic is None:
        hint = "add traffic: {budget_myr, cpm_myr, step_myr, efficiency}"
        raise BadInput(f"{args.spec}: traffic: missing; {hint}", file=args.spec, field="traffic")
    params = TrafficParams.from_spec(spec.traffic)
    reviews = earlier_reviews(args.calibration_from, spec)
    read = read_export(args.content, "content", spec.timezone, pii_key_if_set())
    table = read.accepted_table.sort_by("row_number")  # a content_id given again: the later row wins
    creators = content_totals(
        zip(*(table[c].to_pylist() for c in ("content_id", "creator_id", "gmv_sen", "views")), strict=True)
    )
    holdout = spec_holdout(spec, "traffic", [c.creator_id for c in creators])
    measurements = [measurement_from_review(r, "traffic") for r in reviews]
    pooled, listed = pooled_from(measurements)
    notes = []
    if spec.traffic.calibrate:
        factor = Fraction(pooled.used).limit_denominator(10**12)
        source = pooled_sentence(pooled, listed)
    else:
        factor, source = Fraction(1), "traffic.calibrate is off: factor 1"
        if reviews:
            notes.append("--calibration-from not pooled: the spec's traffic.calibrate is off (used for the MDE only)")
    result = allocate(creators, params, holdout=holdout, calibration=factor)
    try:
        out = write_atomically(args.out, result.csv(for_excel=False))
    except OSError as exc:
        raise BadInput(f"--out {args.out}: cannot write: {exc.strerror or exc}") from None
    latest = max(measurements, key=lambda m: m.event_start or "", default=None)
    n_treated, ghosts = len(result.boosted), len(result.ghosts)
    power = power_statement(
        None if latest is None else latest.sd_sen, n_treated, ghosts,
        result.expected_gmv_sen / n_treated if n_treated else None,
        float(holdout_share_of(spec, "traffic") or 0),
        None if latest is None or latest.sd_sen is None else f"{latest.sd_source} of {latest.campaign_id}",
    )  # fmt: skip
    calibrated = spec.traffic.calibrate
    summary = {
        "campaign": spec.id,
        **result.summary(),
        "calibration": f"{float(factor):.6f}",
        "calibration_ci95": [f"{pooled.low:.6f}", f"{pooled.high:.6f}"] if calibrated else None,
        "calibration_pooled": listed if calibrated else [],
        "calibration_source": source,
        "ghosts": ghosts,
        "held_back_myr": format_myr(result.held_back_sen),
        "mde_myr": power["mde_myr"],
        "power": power,
        "notes": result.notes + notes,
        "out": shown(Path(out)),
        "inputs": {"content": input_summary(read)},
    }
    print(json.dumps(summary, ensure_ascii=False))
    return 0
