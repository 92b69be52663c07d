"""`campaignctl ecosystem`: the creator ecosystem across campaigns (SPEC section 13) from folders of files.

DIR holds one folder per campaign, each with `spec.yaml` and its data files named as for
`campaignctl review` (orders and enrollments required; exclusions and samples optional),
read by the same readers as ingestion. Every campaign goes through the payout engine
(`core.ecosystem.campaign_facts`), the figures through the same core as the DAG. Writes
ecosystem.json (byte-identical on a rerun), creators.csv and ecosystem.html to OUT.
"""

from __future__ import annotations

import argparse
from decimal import Decimal
from pathlib import Path

from creator_ops.commands.common import BadInput, input_line, pii_key_if_set, read_export, shown
from creator_ops.commands.review import SUFFIXES
from creator_ops.core.spec import SpecError, load_spec

HELP = "build the creator ecosystem across campaigns (SPEC section 13): ecosystem.json, creators.csv, ecosystem.html"
REQUIRED = ("orders", "enrollments")
OPTIONAL = ("exclusions", "samples")
SPEC_NAMES = ("spec.yaml", "spec.yml")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--campaigns", required=True, metavar="DIR", help="folder with one folder per campaign")
    parser.add_argument("--out", required=True, metavar="DIR", help="folder to write the ecosystem into")


def campaign_folders(root: Path) -> list[Path]:
    """Return the campaign folders under `root`, sorted (hidden ones are not campaigns)."""
    if not root.is_dir():
        raise BadInput(f"--campaigns {root}: not a folder")
    folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not folders:
        raise BadInput(f"--campaigns {root}: no campaign folders (expected one folder per campaign with spec.yaml)")
    return folders


def data_files(folder: Path) -> dict[str, Path]:
    """Return {data set: file} of one campaign folder; a missing required one names folder, file and field."""
    found: dict[str, Path] = {}
    for dataset in REQUIRED + OPTIONAL:
        candidates = sorted(
            p for p in folder.iterdir() if p.is_file() and p.stem.lower() == dataset and p.suffix.lower() in SUFFIXES
        )
        if len(candidates) > 1:
            names = ", ".join(p.name for p in candidates)
            raise BadInput(f"campaign folder {folder}: {dataset}: more than one file ({names}); keep one")
        if candidates:
            found[dataset] = candidates[0]
        elif dataset in REQUIRED:
            raise BadInput(
                f"campaign folder {folder}: {dataset}.csv: missing; the {dataset} data set is required "
                f"(any of {', '.join(dataset + s for s in SUFFIXES[:5])}, …)"
            )
    return found


def _spec_file(folder: Path) -> Path:
    for name in SPEC_NAMES:
        if (folder / name).is_file():
            return folder / name
    raise BadInput(f"campaign folder {folder}: spec.yaml: missing; every campaign folder needs its spec")


def run(args: argparse.Namespace) -> int:
    from creator_ops.core.ecosystem import campaign_facts, compute_ecosystem
    from creator_ops.core.ecosystem_render import write_ecosystem
    from creator_ops.core.paths import output_target
    from creator_ops.core.payouts import PayoutInputError

    output_target(args.out, folder=True, what="--out")  # before the work: a bad target fails fast
    folders = campaign_folders(Path(args.campaigns))
    specs = {}
    owner: dict[str, Path] = {}
    for folder in folders:
        path = _spec_file(folder)
        try:
            spec = load_spec(path)
        except SpecError as exc:
            raise BadInput(f"campaign folder {folder}: {path.name}: invalid spec: {exc}") from None
        if spec.id in owner:
            raise BadInput(
                f"campaign folder {folder}: {path.name}: field id: {spec.id!r} is also the id of "
                f"{owner[spec.id] / path.name}; each campaign needs its own id"
            )
        owner[spec.id] = folder
        specs[folder] = spec
    files = {folder: data_files(folder) for folder in folders}
    key = pii_key_if_set()
    facts, input_lines = [], []
    for folder in folders:
        spec = specs[folder]
        reads = {d: read_export(str(p), d, spec.timezone, key) for d, p in files[folder].items()}
        input_lines.append(f"  {spec.id} ({shown(folder.name)}):")
        input_lines += ["  " + input_line(d, r) for d, r in reads.items()]

        def accepted(dataset: str, reads=reads):
            return reads[dataset].accepted_table if dataset in reads else None

        try:
            facts.append(
                campaign_facts(
                    spec, accepted("orders"), accepted("enrollments"), accepted("exclusions"), accepted("samples")
                )  # fmt: skip
            )
        except PayoutInputError as exc:
            raise BadInput(f"campaign folder {folder}: {exc}") from None
    eco = compute_ecosystem(facts)
    try:
        paths = write_ecosystem(eco, args.out)
    except OSError as exc:
        raise BadInput(f"--out {args.out}: cannot write: {exc.strerror or exc}") from None
    lines = [f"Creator ecosystem of {len(facts)} campaigns written to {shown(Path(args.out))}", "Inputs:", *input_lines]
    lines += growth_lines(eco.as_json()) + [f"{kind}: {shown(path)}" for kind, path in paths.items()]
    print("\n".join(lines))
    return 0


def _quick(value) -> str:
    return "n/a" if value is None else f"{Decimal(str(value)):.2f}"


def growth_lines(data: dict, last: int | None = None) -> list[str]:
    """The growth accounting as lines people read, from `Ecosystem.as_json()` or a loaded ecosystem.json."""
    ids = data["campaigns"][-last:] if last else data["campaigns"]
    lines = ["Growth accounting (enrolled | selling): new + returning + reactivated, churned, quick ratio"]
    for cid in ids:
        parts = []
        for block in (data["growth"], data["selling_growth"]):
            r = block[cid]
            quick = _quick(r["quick_ratio"])
            parts.append(f"{r['enrolled']:,} = {r['new']:,} new + {r['returning']:,} returning + "
                         f"{r['reactivated']:,} reactivated, {r['churned']:,} churned, quick {quick}")  # fmt: skip
        lines.append(f"  {cid}: enrolled {parts[0]} | selling {parts[1]}")
    states = ", ".join(f"{s} {n:,}" for s, n in data["states"].items())
    lines.append(f"States at {data['campaigns'][-1] if data['campaigns'] else 'n/a'}: {states}")
    lost = data["lost"]
    if lost["previous"]:
        lines.append(f"Creators lost: {lost['sellers_not_enrolled']:,} of {lost['previous_sellers']:,} sellers of "
                     f"{lost['previous']} did not enrol in {lost['campaign']}")  # fmt: skip
    return lines
