"""`campaignctl match`: product matchmaking (SPEC section 11) from files, without Airflow or a database.

Reads the creators (creator_id, category, followers, gmv_30d_myr, account_manager
optional), the products, and optionally the creators' history (creator_id, category,
gmv_myr) and past samples, with the same readers as ingestion (every format and messy
value of section 3; quarantined rows are counted, never dropped silently). Runs the one
matchmaking core, writes the assigned pairs as CSV (creator_id, product_id, value_myr,
account_manager; by product, then value descending) and prints a JSON summary:
`pairs`, `total_value_myr`, products filled and short, and what each input file gave.
With `experiments.samples` in the spec, the matching is computed over every candidate and
the pairs it gives held-out creators (SPEC 12) are ghosts (SPEC 15): they use their
product's quota, are never in the list, and are written beside it to `<name>_ghosts.csv`
(same columns; always written, empty without a holdout); the summary says how many samples
are held back. `value` is a ranking score, not a forecast of GMV
(`value_meaning` says so in the summary).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from creator_ops.commands.common import BadInput, pii_key_if_set, read_export, shown
from creator_ops.core.spec import SpecError, load_spec

HELP = "match creators to product samples (SPEC section 11) from files; write the pairs as CSV"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--spec", required=True, metavar="SPEC", help="campaign spec YAML")
    parser.add_argument("--creators", required=True, metavar="FILE", help="candidate creators")
    parser.add_argument("--products", required=True, metavar="FILE", help="the campaign's product selection")
    parser.add_argument("--history", metavar="FILE", help="past GMV per creator and category")
    parser.add_argument("--samples", metavar="FILE", help="past sample requests (reliability)")
    parser.add_argument("--out", required=True, metavar="FILE", help="pairs CSV to write")


def input_summary(read) -> dict[str, Any]:
    """Return what one input file gave: rows in, accepted, quarantined (and why)."""
    from collections import Counter

    from creator_ops.core.masking import mask_pii

    summary: dict[str, Any] = {"file": mask_pii(read.path), **read.summary()}
    if read.n_quarantined:
        summary["quarantine_reasons"] = dict(sorted(Counter(read.quarantined_table["reason"].to_pylist()).items()))
    return summary


def read_inputs(args: argparse.Namespace, spec) -> dict[str, Any]:
    """Read every given file with the ingestion readers; BadInput names the file that cannot be read."""
    key = pii_key_if_set()
    reads = {
        "creators": read_export(args.creators, "creators", spec.timezone, key),
        "products": read_export(args.products, "products", spec.timezone, key),
    }
    if args.history:
        reads["history"] = read_export(args.history, "history", spec.timezone, key)
    if args.samples:
        reads["samples"] = read_export(args.samples, "samples", spec.timezone, key)
    return reads


def match_from_reads(spec, reads: dict[str, Any]):
    """Run the matchmaking core on the accepted rows of the files read."""
    from creator_ops.core.ingest.datasets import SPECS
    from creator_ops.core.matchmaking import (
        MatchCreator,
        Product,
        history_by_category,
        match,
        sample_histories,
    )

    creators = [
        MatchCreator(r["creator_id"], r["category"], r["followers"], r["gmv_30d_sen"], r["account_manager"])
        for r in reads["creators"].accepted_table.to_pylist()
    ]
    products = [
        Product(
            product_id=r["product_id"],
            category=r["category"],
            sample_quota=r["sample_quota"],
            priority=r["priority"],
            min_followers=r["min_followers"],
            name=r["name"],
            price_sen=r["price_sen"],
        )
        for r in reads["products"].accepted_table.to_pylist()
    ]
    history = None
    if "history" in reads:
        table = reads["history"].accepted_table
        history = history_by_category(
            zip(*(table[c].to_pylist() for c in SPECS["history"].stored_fields), strict=True)  # creator, category, GMV
        )
    samples = None
    if "samples" in reads:
        table = reads["samples"].accepted_table.sort_by("row_number")  # the row landed last wins
        samples = sample_histories(
            zip(*(table[c].to_pylist() for c in ("sample_id", "creator_id", "status")), strict=True)
        )
    from creator_ops.core.experiments import spec_holdout

    return match(
        creators,
        products,
        history=history,
        samples=samples,
        max_products_per_creator=spec.matchmaking.max_products_per_creator,
        account_managers=spec.recruitment.account_managers,
        holdout=spec_holdout(spec, "samples", [c.creator_id for c in creators]),
    )


def run(args: argparse.Namespace) -> int:
    from creator_ops.core.matchmaking import ghosts_path, pairs_csv
    from creator_ops.core.paths import output_target
    from creator_ops.core.safe_csv import write_atomically

    output_target(args.out, what="--out")  # before the work: a bad target fails fast
    try:
        spec = load_spec(args.spec)
    except SpecError as exc:
        raise BadInput(f"invalid spec: {exc}") from None
    reads = read_inputs(args, spec)
    result = match_from_reads(spec, reads)
    ghosts_out = ghosts_path(args.out)
    output_target(str(ghosts_out), what="--out's ghosts file")
    try:
        out = write_atomically(args.out, pairs_csv(result.pairs, for_excel=False))
        ghosts = write_atomically(ghosts_out, pairs_csv(result.ghost_pairs, for_excel=False))
    except OSError as exc:
        raise BadInput(f"--out {args.out}: cannot write: {exc.strerror or exc}") from None
    summary = {
        "campaign": spec.id,
        **result.summary(),
        "out": shown(Path(out)),
        "ghosts_out": str(Path(ghosts)),
        "inputs": {name: input_summary(read) for name, read in reads.items()},
    }
    print(json.dumps(summary, ensure_ascii=False))
    return 0
