"""`campaignctl allocate`: traffic allocation (SPEC section 11) from a content file, without Airflow or a database.

Reads the content export (content_id, creator_id, content_type, posted_at, views,
gmv_myr) with the ingestion reader, spreads the spec's `traffic.budget_myr` over the
creators in whole sen to maximise expected extra GMV (the one traffic core), writes one
row per creator (spend_myr, expected_gmv_myr, the shrunk GPM and the content totals,
by spend descending) and prints a JSON summary with `spent_myr` and `expected_gmv_myr`.
With `experiments.traffic` in the spec, the holdout (SPEC 12) gets no spend and no row;
the summary's `held_out_creators` says how many. With `traffic.calibrate: true`, the command
line has no warehouse to find the last measured calibration in, so the factor is 1 unless
`--calibration-from` names an earlier campaign's review.json of the same type, whose
`experiments.traffic.calibration` (at least 0) then scales every GPM; the summary's
`calibration` says which factor and where it came from.
"""

from __future__ import annotations

import argparse
import json
from fractions import Fraction
from pathlib import Path

from creator_ops.commands.common import BadInput, pii_key_if_set, read_export
from creator_ops.commands.match import input_summary
from creator_ops.core.spec import SpecError, load_spec

HELP = "allocate the paid-traffic budget over creators (SPEC section 11) from a content file; write CSV"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--spec", required=True, metavar="SPEC", help="campaign spec YAML (with a traffic block)")
    parser.add_argument("--content", required=True, metavar="FILE", help="videos and LIVE sessions with views and GMV")
    parser.add_argument("--out", required=True, metavar="FILE", help="allocation CSV to write")
    parser.add_argument(
        "--calibration-from", metavar="REVIEW_JSON",
        help="review.json of an earlier campaign of the same type: its measured traffic calibration scales expected "
             "GMV when the spec has traffic.calibrate (SPEC 12)",
    )  # fmt: skip


def calibration_from_review(path_text: str, spec) -> tuple[Fraction, str]:
    """Return (factor, where it came from) from an earlier review's `experiments.traffic.calibration`."""
    from creator_ops.core.review.readback import read_review

    data = read_review(path_text, "--calibration-from")  # the one validated reader: types, finite numbers, bounds
    campaign = data["campaign"]
    if campaign.get("type") != spec.type:
        raise BadInput(
            f"--calibration-from {path_text}: field campaign.type: {campaign.get('type')!r} is not this campaign's "
            f"type {spec.type!r}; the loop calibrates against the same type of campaign"
        )
    measured = ((data.get("experiments") or {}).get("traffic") or {}).get("calibration")
    if measured is None:
        raise BadInput(
            f"--calibration-from {path_text}: field experiments.traffic.calibration: missing or null (that campaign "
            "had no traffic holdout, too few creators, or nothing predicted)"
        )
    value = measured.value  # a Ratio: the reader refused text, flags, lists and unbounded numbers here
    factor = max(value, Fraction(0))
    return factor, f"calibration {float(value):.6f} measured by {campaign['id']} (file {Path(path_text).name})"


def run(args: argparse.Namespace) -> int:
    from creator_ops.core.experiments import spec_holdout
    from creator_ops.core.paths import output_target
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
    read = read_export(args.content, "content", spec.timezone, pii_key_if_set())
    table = read.accepted_table.sort_by("row_number")  # a content_id given again: the later row wins
    creators = content_totals(
        zip(*(table[c].to_pylist() for c in ("content_id", "creator_id", "gmv_sen", "views")), strict=True)
    )
    holdout = spec_holdout(spec, "traffic", [c.creator_id for c in creators])
    factor, source, notes = Fraction(1), None, []
    if spec.traffic.calibrate and args.calibration_from:
        factor, source = calibration_from_review(args.calibration_from, spec)
    elif spec.traffic.calibrate:
        source = "no --calibration-from: the command line has no warehouse of earlier campaigns; factor 1"
    elif args.calibration_from:
        notes.append("--calibration-from ignored: the spec's traffic.calibrate is off")
    result = allocate(creators, params, holdout=holdout, calibration=factor)
    try:
        out = write_atomically(args.out, result.csv(for_excel=False))
    except OSError as exc:
        raise BadInput(f"--out {args.out}: cannot write: {exc.strerror or exc}") from None
    summary = {
        "campaign": spec.id,
        **result.summary(),
        "calibration": {"factor": f"{float(factor):.6f}", "source": source} if spec.traffic.calibrate else None,
        "notes": result.notes + notes,
        "out": str(Path(out)),
        "inputs": {"content": input_summary(read)},
    }
    print(json.dumps(summary, ensure_ascii=False))
    return 0
