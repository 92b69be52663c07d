"""CP58: the yearly statement of incentives to each agent, dealer or distributor (SPEC section 14).

One row per payee paid in the year: monetary incentives (gross payments with a payout date
in the year), non-monetary incentives (price of the samples shipped to it in the year), the
withholding deducted, and `required` (monetary + non-monetary more than RM5,000.00); plus
one printable statement per required payee, due to the payee by 31 March of the next year.
The CSV carries no identity; the printable statements do (the form needs them) and are
written readable by their owner only.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from creator_ops.core.finance.payees import Company, Payee, mask_identifier
from creator_ops.core.finance.schedule import cp58_due
from creator_ops.core.money import format_myr, format_rm

REQUIRED_ABOVE_SEN = 5_000_00  # RM5,000.00: a statement is required when the year's incentives are MORE
COLUMNS = ("creator_id", "entity_type", "monetary_myr", "non_monetary_myr", "total_myr", "wht_myr", "required",
           "id_number_masked")  # fmt: skip


def due_date(year: int) -> dt.date:
    """Return the day the year's CP58 statements are due to the payees: 31 March of the next year."""
    return cp58_due(year)


@dataclass(frozen=True)
class Cp58Row:
    creator_id: str
    monetary_sen: int
    non_monetary_sen: int
    wht_sen: int
    entity_type: str = ""
    id_number: str = ""

    @property
    def total_sen(self) -> int:
        return self.monetary_sen + self.non_monetary_sen

    @property
    def required(self) -> bool:
        return self.total_sen > REQUIRED_ABOVE_SEN

    def row(self) -> dict[str, str]:
        return {
            "creator_id": self.creator_id,
            "entity_type": self.entity_type,
            "monetary_myr": format_myr(self.monetary_sen),
            "non_monetary_myr": format_myr(self.non_monetary_sen),
            "total_myr": format_myr(self.total_sen),
            "wht_myr": format_myr(self.wht_sen),
            "required": "true" if self.required else "false",
            "id_number_masked": mask_identifier(self.id_number),
        }


def cp58_rows(
    monetary: Mapping[str, int],
    non_monetary: Mapping[str, int],
    withheld: Mapping[str, int],
    payees: Mapping[str, Payee],
) -> list[Cp58Row]:
    """Return one row per payee paid in the year (sorted by creator), with its samples and withholding."""
    rows = []
    for creator in sorted(c for c, sen in monetary.items() if sen > 0):
        payee = payees.get(creator)
        rows.append(
            Cp58Row(
                creator,
                int(monetary[creator]),
                int(non_monetary.get(creator, 0)),
                int(withheld.get(creator, 0)),
                payee.entity_type if payee else "",
                payee.id_number if payee else "",
            )
        )
    return rows


def cp58_csv(rows: Sequence[Cp58Row]) -> bytes:
    from creator_ops.core.safe_csv import csv_bytes

    return csv_bytes(COLUMNS, [r.row() for r in rows], bom=False, lineterminator="\n")


def statement_html(row: Cp58Row, payee: Payee | None, company: Company, year: int) -> bytes:
    """Return one printable statement (HTML, prints on one A4 page, nothing loaded from elsewhere)."""
    e = html.escape
    name = e(payee.legal_name if payee else row.creator_id)
    ident = e(f"{payee.id_type} {payee.id_number}" if payee and payee.id_number else "not given")
    tin = e(payee.tin if payee and payee.tin else "not given")
    lines = [
        '<!doctype html><html lang="en"><head><meta charset="utf-8">',
        f"<title>CP58 {year}: {e(row.creator_id)}</title>",
        "<style>body{font:11pt sans-serif;margin:2cm}table{border-collapse:collapse;width:100%}"
        "td,th{border:1px solid #999;padding:4px 8px;text-align:left}td.n{text-align:right}"
        "@page{size:A4;margin:1.5cm}</style></head><body>",
        f"<h1>CP58 statement of incentives, year {year}</h1>",
        "<p>Statement of monetary and non-monetary incentive payments to an agent, dealer or distributor "
        "(Income Tax Act 1967, section 83A). Prepared by the creator programme for the company's finance "
        "team to check, sign and give to the payee; it is not filed by this product.</p>",
        "<h2>Payer (company)</h2><table>",
        f"<tr><th>Name</th><td>{e(company.name)}</td></tr>",
        f"<tr><th>TIN</th><td>{e(company.tin)}</td></tr><tr><th>BRN</th><td>{e(company.brn)}</td></tr>",
        "</table><h2>Payee</h2><table>",
        f"<tr><th>Name</th><td>{name}</td></tr><tr><th>Identification</th><td>{ident}</td></tr>",
        f"<tr><th>TIN</th><td>{tin}</td></tr><tr><th>Creator</th><td>{e(row.creator_id)}</td></tr>",
        "</table><h2>Incentives paid in the year</h2><table>",
        f'<tr><th>Monetary incentives</th><td class="n">{format_rm(row.monetary_sen)}</td></tr>',
        f"<tr><th>Non-monetary incentives (free samples, at product price)</th>"
        f'<td class="n">{format_rm(row.non_monetary_sen)}</td></tr>',
        f'<tr><th>Total</th><td class="n">{format_rm(row.total_sen)}</td></tr>',
        f"<tr><th>Tax withheld under section 107D (2 %, half up to the sen)</th>"
        f'<td class="n">{format_rm(row.wht_sen)}</td></tr>',
        "</table>",
        f"<p>Due to the payee by {due_date(year):%d %B %Y}.</p>",
        "</body></html>",
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


def write_cp58(
    folder: Path, year: int, rows: Sequence[Cp58Row], payees: Mapping[str, Payee], company: Company
) -> dict[str, object]:
    """Write `cp58_<year>.csv` and one statement per required payee under `folder`; return what was written."""
    from creator_ops.core.finance.einvoice import FILE_MODE
    from creator_ops.core.safe_csv import replace_folder, safe_name, write_atomically

    csv_path = write_atomically(folder / f"cp58_{year}.csv", cp58_csv(rows), root=folder)
    # a creator id names its statement only through safe_name: one that is no safe name (or is a
    # masked token) gets a digest name; the year's statements replace the previous set as a whole
    files = {
        safe_name(row.creator_id, suffix=".html", or_digest="payee_"): statement_html(
            row, payees.get(row.creator_id), company, year
        )
        for row in rows
        if row.required
    }
    written = replace_folder(folder / f"cp58_{year}", files, root=folder, mode=FILE_MODE, folder_mode=0o700)
    statements = [str(path) for path in written]
    return {
        "year": year,
        "file": str(csv_path),
        "payees": len(rows),
        "required": sum(1 for r in rows if r.required),
        "statements": statements,
        "due_date": due_date(year).isoformat(),
    }
