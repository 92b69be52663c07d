"""The finance export of an approved payout calculation: the payments file and its control file.

Built from the ledger's rows of one calculation (`warehouse.payout_ledger.PayoutLedger.exportable`)
and written through the one formula-safe CSV writer (`core.safe_csv`): finance opens it in a
spreadsheet. It is deterministic: payment references are hashes of campaign, calculation and
creator, the rows keep the ledger's order, so exporting twice writes the same bytes (and a file
that already holds them is left as it is). `steps.finance.export_calculation` reads the rows,
writes the files here and records the export in the ledger.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from creator_ops.core.finance.withholding import payment_reference_of
from creator_ops.core.money import format_myr
from creator_ops.core.safe_csv import csv_bytes, write_atomically

EXPORT_COLUMNS = ("payment_reference", "campaign_id", "creator_id", "amount_myr", "kind", "calculation_id")


@dataclass(frozen=True)
class FinanceExport:
    """A written finance export: the payments file and its control file."""

    path: Path
    control_path: Path
    row_count: int
    control_total_sen: int


@dataclass(frozen=True)
class ExportFiles:
    """What one calculation's export holds, before it is written: the bytes, their name and the references paid."""

    stem: str
    content: bytes
    control: bytes
    references: dict[str, str]  # creator_id -> payment reference, the creators paid by this file
    row_count: int
    control_total_sen: int


def payment_reference(campaign_id: str, calculation_id: str, creator_id: str) -> str:
    """Return the deterministic payment reference of one creator's line in one calculation."""
    return payment_reference_of(campaign_id, calculation_id, creator_id)


def build_export(
    campaign_id: str,
    calc: Mapping[str, Any],
    entries: Sequence[Mapping[str, Any]],
    finance: Mapping[str, tuple[int, str]] | None = None,
    *,
    wht_columns: bool = True,
) -> ExportFiles:
    """Return the finance file of an approved calculation (`calc`, its ledger `entries` in the ledger's order).

    `finance` ({creator: (wht_sen, status)}, SPEC 14) leaves held payments out (they keep no
    payment reference until paid) and, with `wht_columns`, adds `wht_myr` and `net_myr` beside
    the gross amount.
    """
    calculation_id = calc["calculation_id"]
    held = {c for c, (_, status) in (finance or {}).items() if status == "held"}
    payable = [e for e in entries if e["total_sen"] > 0 and e["creator_id"] not in held]
    recoveries = [e for e in entries if e["total_sen"] < 0]
    references = {e["creator_id"]: payment_reference(campaign_id, calculation_id, e["creator_id"]) for e in payable}
    rows = [
        (references[e["creator_id"]], campaign_id, e["creator_id"], format_myr(e["total_sen"]), e["kind"])
        + (calculation_id,)
        for e in payable
    ]
    columns = EXPORT_COLUMNS
    if finance and wht_columns:
        columns = (*EXPORT_COLUMNS[:4], "wht_myr", "net_myr", *EXPORT_COLUMNS[4:])
        wht = {e["creator_id"]: finance.get(e["creator_id"], (0, "paid"))[0] for e in payable}
        rows = [
            (*r[:4], format_myr(wht[e["creator_id"]]), format_myr(e["total_sen"] - wht[e["creator_id"]]), *r[4:])
            for r, e in zip(rows, payable, strict=True)
        ]
    # finance opens it in a spreadsheet: the one formula-safe writer
    content = csv_bytes(columns, rows, bom=False, lineterminator="\n")
    control_total = sum(e["total_sen"] for e in payable)
    control = {
        "campaign_id": campaign_id,
        "calculation_id": calculation_id,
        "kind": entries[0]["kind"] if entries else "payout",
        "row_count": len(payable),
        "control_total_myr": format_myr(control_total),
        "currency": "MYR",
        "file_sha256": hashlib.sha256(content).hexdigest(),
        "spec_sha256": calc["spec_sha256"],
        "inputs_sha256": calc["inputs_sha256"],
        "recoveries_count": len(recoveries),
        "recoveries_total_myr": format_myr(-sum(e["total_sen"] for e in recoveries)),
    }
    if finance:
        control["held_count"] = len(held)
    if finance and wht_columns:
        control["wht_total_myr"] = format_myr(sum(finance.get(e["creator_id"], (0, ""))[0] for e in payable))
    return ExportFiles(
        stem=f"{campaign_id}_payouts_{calculation_id[:12]}",
        content=content,
        control=(json.dumps(control, indent=2, sort_keys=True) + "\n").encode("utf-8"),
        references=references,
        row_count=len(payable),
        control_total_sen=control_total,
    )


def write_export(folder: Path | Any, files: ExportFiles) -> FinanceExport:
    """Write the payments file and its control file under `folder` (a folder or object storage); again, the same."""
    folder.mkdir(parents=True, exist_ok=True)
    path = _write_once(folder / f"{files.stem}.csv", files.content)
    control_path = _write_once(folder / f"{files.stem}.control.json", files.control)
    return FinanceExport(path, control_path, files.row_count, files.control_total_sen)


def _write_once(path: Path, content: bytes) -> Path:
    """Write `content` atomically unless the file already holds exactly it."""
    if path.exists() and path.read_bytes() == content:
        return path
    return write_atomically(path, content)
