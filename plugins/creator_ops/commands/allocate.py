"""`campaignctl allocate`: traffic allocation (SPEC section 11) from a content file, without Airflow or a database.

Reads the content export (content_id, creator_id, content_type, posted_at, views,
gmv_myr) with the ingestion reader, spreads the spec's `traffic.budget_myr` over the
creators in whole sen to maximise expected extra GMV (the one traffic core), writes one
row per creator (spend_myr, expected_gmv_myr, the shrunk GPM and the content totals,
by spend descending) and prints a JSON summary with `spent_myr` and `expected_gmv_myr`.
With `experiments.traffic` in the spec, the holdout (SPEC 12) gets no spend and no row;
the summary's `held_out_creators` says how many.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from creator_ops.commands.common import BadInput, pii_key_if_set, read_export
from creator_ops.commands.match import input_summary
from creator_ops.core.spec import SpecError, load_spec

HELP = "allocate the paid-traffic budget over creators (SPEC section 11) from a content file; write CSV"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--spec", required=True, metavar="SPEC", help="campaign spec YAML (with a traffic block)")
    parser.add_argument("--content", required=True, metavar="FILE", help="videos and LIVE sessions with views and GMV")
    parser.add_argument("--out", required=True, metavar="FILE", help="allocation CSV to write")


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
    result = allocate(creators, params, holdout=holdout)
    try:
        out = write_atomically(args.out, result.csv(for_excel=False))
    except OSError as exc:
        raise BadInput(f"--out {args.out}: cannot write: {exc.strerror or exc}") from None
    summary = {
        "campaign": spec.id,
        **result.summary(),
        "notes": result.notes + (
            ["traffic.calibrate: the command line has no earlier campaigns to calibrate against; factor 1"]
            if spec.traffic.calibrate else []
        ),
        "out": str(Path(out)),
        "inputs": {"content": input_summary(read)},
    }
    print(json.dumps(summary, ensure_ascii=False))
    return 0
