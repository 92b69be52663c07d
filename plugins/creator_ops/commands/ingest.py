"""`campaignctl ingest DATASET FILE --out DIR`: read one export without a database (SPEC section 8).

Writes `DIR/accepted.csv` (canonical columns) and `DIR/quarantine.csv` (one row per
quarantined input row, with `reason`), UTF-8; for surveys also `DIR/answers.csv` (the
answers in long form). Prints `{"rows_in", "accepted", "quarantined"}` as JSON.
Exit 0 when the file could be read, 2 with a one-line reason when it could not.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from creator_ops.commands.common import BadInput, pii_key_if_set
from creator_ops.core.money import format_myr

HELP = "read one export (CSV, XLSX, JSON lines, Parquet) into accepted.csv and quarantine.csv"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from creator_ops.core.ingest.datasets import DATASETS

    # payees (SPEC 14) read through the finance reader: identity masked in accepted.csv, never in clear
    choices = (*DATASETS, "payees")
    parser.add_argument("dataset", choices=choices, metavar="DATASET", help=f"one of {', '.join(choices)}")
    parser.add_argument("file", metavar="FILE", help="the export to read")
    parser.add_argument("--out", required=True, metavar="DIR", help="folder for accepted.csv and quarantine.csv")
    parser.add_argument("--spec", metavar="SPEC", help="campaign spec: its time zone reads offset-less timestamps")
    parser.add_argument("--tz", metavar="ZONE", help="time zone of offset-less timestamps (default Asia/Kuala_Lumpur)")


def money_in_myr(table):
    """Show money as SPEC names it (`gmv_myr`, `gmv_30d_myr`: exact, two decimals), not in sen."""
    import pyarrow as pa

    for index, name in enumerate(table.column_names):
        if name.endswith("_sen"):
            values = [None if v is None else format_myr(v) for v in table.column(index).to_pylist()]
            table = table.set_column(index, name.removesuffix("_sen") + "_myr", pa.array(values, pa.string()))
    return table


def with_answers(accepted, answers, questions: list[str]):
    """Add one column per survey question to the accepted forms: every answer as submitted (SPEC 8)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    row_numbers = accepted.column("row_number")
    taken = set(accepted.column_names)
    for question in questions:
        given = answers.filter(pc.equal(answers.column("question"), question))
        column = pc.take(given.column("answer"), pc.index_in(row_numbers, given.column("row_number")))
        name = question if question not in taken else f"{question} (answer)"
        taken.add(name)
        accepted = accepted.append_column(name, pc.fill_null(column, pa.scalar("", pa.string())))
    return accepted


def run(args: argparse.Namespace) -> int:
    from creator_ops.core.ingest import FileRejected, read_dataset
    from creator_ops.core.paths import output_target
    from creator_ops.core.safe_csv import write_arrow_csv

    out = output_target(args.out, folder=True, what="--out")  # before the work: a bad target fails fast
    tz = args.tz
    if args.spec:
        from creator_ops.core.spec import SpecError, load_spec

        try:
            tz = tz or load_spec(args.spec).timezone
        except SpecError as exc:
            raise BadInput(f"invalid spec: {str(exc).splitlines()[0]}") from None
    tz = tz or "Asia/Kuala_Lumpur"
    try:
        from zoneinfo import ZoneInfo

        ZoneInfo(tz)
    except Exception:  # any failure: not a zone name
        raise BadInput(f"unknown time zone {tz!r}") from None
    source = Path(args.file)
    if not source.is_file():
        raise BadInput(f"{source}: no such file")
    if args.dataset == "payees":
        return _ingest_payees(source, out)
    try:
        result = read_dataset(source, args.dataset, tz=tz, pii_key=pii_key_if_set())
    except FileRejected as exc:  # a PiiKeyMissing goes up as it is: its message says what to set
        raise BadInput(f"rejected {exc}") from None
    out.mkdir(parents=True, exist_ok=True)
    accepted = money_in_myr(result.accepted_table)
    if result.answers_table is not None:
        accepted = with_answers(accepted, result.answers_table, result.questions)
    write_arrow_csv(accepted, out / "accepted.csv", root=out)
    write_arrow_csv(result.quarantined_table, out / "quarantine.csv", root=out)
    if result.answers_table is not None:
        write_arrow_csv(result.answers_table, out / "answers.csv", root=out)
    if result.note:
        print(f"campaignctl ingest: {result.note}", file=sys.stderr)
    print(json.dumps(result.summary()))
    return 0


def _ingest_payees(source: Path, out: Path) -> int:
    """Read a payees file: accepted.csv with the identity masked, quarantine.csv with each bad row's reason."""
    from creator_ops.core.finance.payees import read_payees
    from creator_ops.core.ingest import FileRejected
    from creator_ops.core.safe_csv import csv_bytes, write_atomically

    try:  # creator ids masked by the one rule for ids (an id that is a phone number: its keyed token)
        read = read_payees(source, strict=False, pii_key=pii_key_if_set())
    except FileRejected as exc:
        raise BadInput(f"rejected {exc}") from None
    masked = [{"row_number": number, **payee.masked()} for number, payee in read.rows]
    columns = ("row_number", "creator_id", "entity_type", "resident", "legal_name", "id_type", "id_number", "tin",
               "has_identity")  # fmt: skip
    write_atomically(out / "accepted.csv", csv_bytes(columns, masked, bom=False, lineterminator="\n"), root=out)
    problems = [{"row_number": p.row, "reason": p.reason, "field": p.field, "detail": str(p.args[0])}
                for p in read.problems]  # fmt: skip
    quarantine = csv_bytes(("row_number", "reason", "field", "detail"), problems, bom=False, lineterminator="\n")
    write_atomically(out / "quarantine.csv", quarantine, root=out)
    print(json.dumps({"rows_in": read.rows_in, "accepted": read.accepted, "quarantined": len(read.problems)}))
    return 0
