"""`campaignctl review`: the campaign review (SPEC section 10) from files, without Airflow or a database.

DIR holds one file per data set, named after it in any format of section 3
(`orders.csv`, `enrollments.xlsx`, `samples.jsonl`, `products.parquet`, ...); orders and
enrollments are required, the rest optional. Every file goes through the same readers as
ingestion (quarantined rows are counted in the summary), the review through the same
core as the DAG's `review` stage. Writes review.json, review.md and review.html to OUT.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from creator_ops.commands.common import BadInput, input_line, pii_key_if_set, read_export, shown
from creator_ops.core.ingest.datasets import SPECS
from creator_ops.core.spec import SpecError, load_spec

HELP = "build the campaign review (SPEC section 10) from data files: review.json, review.md, review.html"
REQUIRED = ("orders", "enrollments")
OPTIONAL = tuple(d for d, spec in SPECS.items() if "review" in spec.read_by and d not in REQUIRED)  # the registry's
SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".jsonl", ".json", ".ndjson", ".parquet")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--spec", required=True, metavar="SPEC", help="campaign spec YAML")
    parser.add_argument("--data", required=True, metavar="DIR", help="folder with one file per data set")
    parser.add_argument("--out", required=True, metavar="DIR", help="folder to write the review into")
    parser.add_argument("--baseline", metavar="REVIEW_JSON", help="the previous campaign's review.json")


def find_files(folder: Path) -> dict[str, Path]:
    """Return {data set: file} for the data sets present in `folder` (named after the data set)."""
    if not folder.is_dir():
        raise BadInput(f"--data {folder}: not a folder")
    found: dict[str, Path] = {}
    for dataset in REQUIRED + OPTIONAL:
        candidates = sorted(
            p for p in folder.iterdir() if p.is_file() and p.stem.lower() == dataset and p.suffix.lower() in SUFFIXES
        )
        if len(candidates) > 1:
            names = ", ".join(p.name for p in candidates)
            raise BadInput(f"--data {folder}: more than one {dataset} file ({names}); keep one")
        if candidates:
            found[dataset] = candidates[0]
    missing = [d for d in REQUIRED if d not in found]
    if missing:
        raise BadInput(
            f"--data {folder}: no {' or '.join(missing)} file (expected e.g. {missing[0]}.csv; "
            f"formats: {', '.join(SUFFIXES)})"
        )
    return found


def check_experiment_inputs(reads: dict) -> None:
    """Refuse what would make SPEC 12's figures wrong: a bad traffic spend, a creators file without 30-day GMV.

    A traffic row whose `spend_myr` is negative or not an amount would change the measured
    ROI, so it stops the review (naming file, row and field) rather than being dropped.
    """
    from creator_ops.core.ingest.datasets import SPECS, match_columns

    traffic = reads.get("traffic")
    if traffic is not None and traffic.n_quarantined:
        bad = traffic.quarantined_table.slice(0, 1).to_pylist()[0]
        field = str(bad["field"] or "")
        field = field[: -len("_sen")] + "_myr" if field.endswith("_sen") else field
        raise BadInput(
            f"{traffic.path}: row {bad['row_number']}: field {field}: {bad['detail'] or bad['reason']} "
            f"({traffic.n_quarantined} bad row(s); the traffic file must hold the allocation's rows as written)"
        )
    for name in ("matchmaking", "matchmaking_ghosts"):
        pairs = reads.get(name)
        if pairs is not None and pairs.n_quarantined:
            bad = pairs.quarantined_table.slice(0, 1).to_pylist()[0]
            raise BadInput(
                f"{pairs.path}: row {bad['row_number']}: field {bad['field']}: {bad['detail'] or bad['reason']} "
                f"({pairs.n_quarantined} bad row(s); the file must hold the matchmaking pairs as written)"
            )
    creators = reads.get("creators")
    if creators is not None and "gmv_30d_sen" not in match_columns(SPECS["creators"], creators.columns_seen):
        raise BadInput(
            f"{creators.path}: field gmv_30d_myr: missing; the measured lift (SPEC 12) needs each creator's "
            "30-day GMV before the campaign"
        )


def check_ghosts(reads: dict, spec) -> None:
    """A ghost is a holdout creator (SPEC 15): a ghost row naming a treated creator means the files do not fit."""
    from creator_ops.core.experiments import holdout_share_of, in_holdout

    for dataset, mechanism, column in (("matchmaking_ghosts", "samples", None),
                                       ("traffic", "traffic", "ghost_spend_sen")):  # fmt: skip
        read = reads.get(dataset)
        if read is None:
            continue
        share = holdout_share_of(spec, mechanism)
        table = read.accepted_table
        ghosts = table["creator_id"].to_pylist()
        amounts = table[column].to_pylist() if column else [1] * len(ghosts)
        for creator, amount, row in zip(ghosts, amounts, table["row_number"].to_pylist(), strict=True):
            if (amount or 0) > 0 and not in_holdout(spec.id, mechanism, creator, share):
                field = "ghost_spend_myr" if column else "creator_id"
                raise BadInput(
                    f"{read.path}: row {row}: field {field}: creator {creator} is not in the {mechanism} holdout "
                    f"of {spec.id} (experiments.{mechanism}.holdout_share {share}); only a holdout creator can be "
                    "a ghost"
                )


def load_baseline(path_text: str, option: str = "--baseline"):
    """Read a review.json written by `campaignctl review` through the one validated reader (bad input: exit 2)."""
    from creator_ops.core.review.readback import read_review

    return read_review(path_text, option)


def run(args: argparse.Namespace) -> int:
    from creator_ops.core.paths import output_target
    from creator_ops.core.payouts import PayoutInputError
    from creator_ops.core.review import ReviewInputs, compute_review, headline
    from creator_ops.core.review.experiments import projection_section, review_reference
    from creator_ops.core.review.render import write_review

    output_target(args.out, folder=True, what="--out")  # before the work: a bad target fails fast
    try:
        spec = load_spec(args.spec)
    except SpecError as exc:
        raise BadInput(f"invalid spec: {exc}") from None
    files = find_files(Path(args.data))
    baseline = load_baseline(args.baseline) if args.baseline else None
    key = pii_key_if_set()
    reads = {dataset: read_export(str(path), dataset, spec.timezone, key) for dataset, path in files.items()}
    check_experiment_inputs(reads)
    check_ghosts(reads, spec)

    def accepted(dataset: str):
        return reads[dataset].accepted_table if dataset in reads else None

    surveys = reads.get("surveys")
    inputs = ReviewInputs(
        orders=accepted("orders"),
        enrollments=accepted("enrollments"),
        exclusions=accepted("exclusions"),
        invitations=accepted("invitations"),
        samples=accepted("samples"),
        products=accepted("products"),
        content=accepted("content"),
        survey_responses=surveys.accepted_table if surveys else None,
        survey_answers=surveys.answers_table if surveys else None,
        creators=accepted("creators"),
        traffic=accepted("traffic"),
        matchmaking=accepted("matchmaking"),
        matchmaking_ghosts=accepted("matchmaking_ghosts"),
        notes=[f"{d}: {r.n_quarantined} of {r.rows_in} rows quarantined" for d, r in reads.items() if r.n_quarantined],
    )
    try:
        review = compute_review(spec, inputs, baseline=baseline, baseline_source=f"file {Path(args.baseline).name}"
                                if args.baseline else "file")  # fmt: skip
    except PayoutInputError as exc:
        raise BadInput(str(exc)) from None
    review["projection"] = projection_section(review, [review_reference(baseline)] if baseline else [])
    try:
        paths = write_review(review, args.out)
    except OSError as exc:
        raise BadInput(f"--out {args.out}: cannot write: {exc.strerror or exc}") from None
    lines = [f"{spec.name} ({spec.id}): campaign review written to {shown(Path(args.out))}", "Inputs:"]
    lines += [input_line(dataset, read) for dataset, read in reads.items()]
    lines += [f"  {name}: {value}" for name, value in headline(review).items()]
    if baseline:
        lines.append(f"Compared with: {baseline['campaign'].get('name') or baseline['campaign']['id']}")
    lines += [f"{kind}: {shown(path)}" for kind, path in paths.items()]
    print("\n".join(lines))
    return 0
