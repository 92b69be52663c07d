"""`campaignctl validate SPEC...`: exit 0 if every spec is valid, 2 with one line per problem."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from creator_ops.commands.common import shown
from creator_ops.core.spec import SpecError, load_spec

HELP = "validate campaign specs (one line per problem: file and field)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("specs", nargs="+", metavar="SPEC", help="campaign spec YAML files or folders")


def _expand(paths: list[str]) -> list[Path]:
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files += sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml") and not p.is_dir())
        else:
            files.append(path)
    return files


def run(args: argparse.Namespace) -> int:
    from creator_ops.core.errors import CreatorOpsError

    specs = _expand(args.specs)
    if not specs:  # an empty folder, or a folder named like a spec: nothing was checked, which is no "ok"
        raise CreatorOpsError(f"no spec found in {', '.join(args.specs)} (a spec is a .yaml or .yml file)")
    problems = 0
    seen_ids: dict[str, Path] = {}
    for path in specs:
        try:
            spec = load_spec(path)
        except SpecError as exc:
            for problem in exc.problems:
                print(problem, file=sys.stderr)
            problems += len(exc.problems)
            continue
        if spec.id in seen_ids:
            also = shown(seen_ids[spec.id])
            print(f"{shown(path)}: id: duplicate campaign id {spec.id!r}, also in {also}", file=sys.stderr)
            problems += 1
            continue
        seen_ids[spec.id] = path
        print(f"{shown(path)}: ok ({spec.dag_id}, {spec.type}, event {spec.timeline.event_start:%Y-%m-%d})")
    return 2 if problems else 0
