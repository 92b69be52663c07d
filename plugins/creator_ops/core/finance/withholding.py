"""s107D withholding, held payments and the finance files (SPEC section 14), exact to the sen.

For a payout whose payout date falls in year Y, a payee's payment is withheld when `s107d`
is on, its entity type is `individual` or `sole_proprietor`, it is resident, and its
prior-year total (everything the company gave it in Y - 1) is more than RM100,000.00.
Then `wht_sen = (2 * gross_sen + 50) // 100` (2 %, rounded half up to the sen: LHDN states
no rounding rule, so the product states its own) and `net = gross - wht`. The remittance
is due 30 days after the payout date.

A payment is `held` (not exported, listed with its reason) when `s107d` is on, the prior
total is over the threshold and the creator has no payees row (`no_payee_record`), or
when `einvoice` is on and the creator has no payees row (`no_payee_record`) or no
`id_number` (`no_identity`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from creator_ops.core.errors import CreatorOpsError
from creator_ops.core.finance.payees import PII_ID_WITHOUT_KEY, Payee, creator_key
from creator_ops.core.finance.schedule import remittance_due
from creator_ops.core.money import format_myr

THRESHOLD_SEN = 100_000_00  # RM100,000.00: withheld only when the prior-year total is MORE than this
WHT_PERCENT = 2
ROUNDING_RULE = "2 % of the gross amount, rounded half up to the sen: wht_sen = (2 × gross_sen + 50) // 100"
PAYMENT_COLUMNS = ("payment_reference", "creator_id", "gross_myr", "wht_myr", "net_myr", "status", "reason")
NO_PAYEE_RECORD = "no_payee_record"
NO_IDENTITY = "no_identity"


class FinanceInputError(CreatorOpsError):
    """A finance input file (payouts, prior totals) with a bad row: names file, row and field."""

    def __str__(self) -> str:
        return f"{self.where}: {self.args[0]}" if self.where else str(self.args[0])


@dataclass(frozen=True)
class FinanceSwitches:
    """Which of the rules finance switched on (the spec's `finance` block); each is off by default."""

    s107d: bool = False
    cp58: bool = False
    einvoice: bool = False


def wht_sen(gross_sen: int) -> int:
    """Return the s107D withholding of a gross amount: 2 %, half up to the sen."""
    return (WHT_PERCENT * int(gross_sen) + 50) // 100


def due_date(payout_date: dt.date) -> dt.date:
    """Return the remittance due date: 30 days after the payout date (`schedule.remittance_due`)."""
    return remittance_due(payout_date)


def over_threshold(prior_total_sen: int) -> bool:
    """Return whether a prior-year total is strictly more than RM100,000.00."""
    return int(prior_total_sen) > THRESHOLD_SEN


@dataclass(frozen=True)
class PayoutLine:
    """One payment to make: its deterministic reference, the creator and the gross amount."""

    payment_reference: str
    creator_id: str
    gross_sen: int


@dataclass(frozen=True)
class Payment:
    """One payment after the section 14 rules: withholding, net, and paid or held with a reason."""

    payment_reference: str
    creator_id: str
    gross_sen: int
    wht_sen: int
    net_sen: int
    status: str  # paid | held
    reason: str = ""
    prior_total_sen: int = 0

    @property
    def paid(self) -> bool:
        return self.status == "paid"

    @property
    def withheld(self) -> bool:
        return self.wht_sen != 0

    def row(self) -> dict[str, str]:
        return {
            "payment_reference": self.payment_reference,
            "creator_id": self.creator_id,
            "gross_myr": format_myr(self.gross_sen),
            "wht_myr": format_myr(self.wht_sen),
            "net_myr": format_myr(self.net_sen),
            "status": self.status,
            "reason": self.reason,
        }


def decide_payment(line: PayoutLine, payee: Payee | None, prior_total_sen: int, switches: FinanceSwitches) -> Payment:
    """Apply withholding and the held rules to one payment."""
    over = over_threshold(prior_total_sen)
    withhold = switches.s107d and over and payee is not None and payee.withholdable
    wht = wht_sen(line.gross_sen) if withhold else 0
    reason = ""
    if payee is None and ((switches.s107d and over) or switches.einvoice):
        reason = NO_PAYEE_RECORD
    elif payee is not None and switches.einvoice and not payee.has_identity:
        reason = NO_IDENTITY
    return Payment(
        line.payment_reference,
        line.creator_id,
        line.gross_sen,
        wht,
        line.gross_sen - wht,
        "held" if reason else "paid",
        reason,
        prior_total_sen,
    )


def decide_payments(
    lines: Iterable[PayoutLine],
    payees: Mapping[str, Payee],
    prior_totals: Mapping[str, int],
    switches: FinanceSwitches,
) -> list[Payment]:
    """Return one `Payment` per line with a positive gross, in the lines' order."""
    return [
        decide_payment(line, payees.get(line.creator_id), int(prior_totals.get(line.creator_id, 0)), switches)
        for line in lines
        if line.gross_sen > 0
    ]


# --------------------------------------------------------------------------- files


def payments_csv(payments: Sequence[Payment]) -> bytes:
    """Return `payments.csv`: formula-safe, no personal data, in the payments' order."""
    from creator_ops.core.safe_csv import csv_bytes

    return csv_bytes(PAYMENT_COLUMNS, [p.row() for p in payments], bom=False, lineterminator="\n")


def wht_summary(payments: Sequence[Payment], payout_date: dt.date, *, campaign_id: str) -> dict[str, Any]:
    """Return `wht_summary.json`: the payout and due dates, payees withheld, total withheld and the rows."""
    withheld = [p for p in payments if p.paid and p.withheld]
    return {
        "campaign_id": campaign_id,
        "payout_date": payout_date.isoformat(),
        "due_date": due_date(payout_date).isoformat(),
        "prior_year": payout_date.year - 1,
        "threshold_myr": format_myr(THRESHOLD_SEN),
        "rate_percent": WHT_PERCENT,
        "rounding": ROUNDING_RULE,
        "payees_withheld": len({p.creator_id for p in withheld}),
        "wht_myr": format_myr(sum(p.wht_sen for p in withheld)),
        "gross_withheld_myr": format_myr(sum(p.gross_sen for p in withheld)),
        "rows": [
            {
                "payment_reference": p.payment_reference,
                "creator_id": p.creator_id,
                "gross_myr": format_myr(p.gross_sen),
                "wht_myr": format_myr(p.wht_sen),
                "net_myr": format_myr(p.net_sen),
                "prior_year_total_myr": format_myr(p.prior_total_sen),
            }
            for p in withheld
        ],
        "held": [
            {"payment_reference": p.payment_reference, "creator_id": p.creator_id, "gross_myr": format_myr(p.gross_sen),
             "reason": p.reason}
            for p in payments
            if not p.paid
        ],
        "note": "Prepared for finance: the product computes the withholding; it does not remit, file or submit.",
    }  # fmt: skip


def summary_bytes(summary: Mapping[str, Any]) -> bytes:
    return (json.dumps(summary, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


@dataclass
class HeldSummary:
    """How many payments are held and why: what the approver sees before approving."""

    count: int = 0
    gross_sen: int = 0
    by_reason: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, payments: Iterable[Payment]) -> HeldSummary:
        held = cls()
        for p in payments:
            if not p.paid:
                held.count += 1
                held.gross_sen += p.gross_sen
                held.by_reason[p.reason] = held.by_reason.get(p.reason, 0) + 1
        return held


# --------------------------------------------------------------------------- command-line inputs


def _cells(path: Path, required: Sequence[str], aliases: Mapping[str, Sequence[str]]):
    """Read any export and return ({column: header}, raw table) with the required columns present."""
    from creator_ops.core.ingest.datasets import normalize_header
    from creator_ops.core.ingest.formats import read_raw
    from creator_ops.core.ingest.result import FileRejected

    raw = read_raw(path)
    by_normal: dict[str, str] = {}
    for header in raw.table.column_names:
        by_normal.setdefault(normalize_header(header), header)
    mapping = {}
    for column, names in aliases.items():
        header = next((by_normal[n] for n in names if n in by_normal), None)
        if header is not None:
            mapping[column] = header
    missing = [c for c in required if c not in mapping]
    if missing:
        raise FileRejected(path, f"missing required column(s): {', '.join(missing)}")
    if raw.bad_rows:
        bad = raw.bad_rows[0]
        raise FinanceInputError(bad.reason.replace("_", " "), file=path, row=bad.row_number, field="(row)")
    return mapping, raw


def _money(values: list[Any], path: Path, rows: list[int], column: str) -> list[int]:
    import pyarrow as pa

    from creator_ops.core.ingest.normalize import parse_money_sen

    parsed = parse_money_sen(pa.array([str(v) if v is not None else "" for v in values], pa.string()))
    sen, missing, bad = parsed.values.to_pylist(), parsed.missing.to_pylist(), parsed.bad.to_pylist()
    for i, row in enumerate(rows):
        if missing[i]:
            raise FinanceInputError("missing amount", file=path, row=row, field=column)
        if bad[i]:
            raise FinanceInputError("not an amount in MYR with at most two decimals", file=path, row=row, field=column)
    return [int(s) for s in sen]


def read_prior_totals(path: str | Path, *, pii_key: bytes | None = None) -> dict[str, int]:
    """Read `--prior-totals` (creator_id, total_myr) into {creator: sen}; a creator listed twice is summed."""
    path = Path(path)
    mapping, raw = _cells(
        path,
        ("creator_id", "total_myr"),
        {
            "creator_id": ("creator_id", "creator_username", "username", "creator"),
            "total_myr": ("total_myr", "prior_total_myr", "total", "amount_myr", "total_rm", "amount"),
        },
    )
    rows = raw.row_numbers.to_pylist()
    creators = raw.table.column(mapping["creator_id"]).to_pylist()
    amounts = _money(raw.table.column(mapping["total_myr"]).to_pylist(), path, rows, "total_myr")
    totals: dict[str, int] = {}
    for row, creator, amount in zip(rows, creators, amounts, strict=True):
        creator_id = _creator(creator, pii_key, path, row)
        if amount < 0:
            raise FinanceInputError("a prior-year total cannot be negative", file=path, row=row, field="total_myr")
        totals[creator_id] = totals.get(creator_id, 0) + amount
    return totals


# A reference's 20 characters come from the SHA-256 of what it names, one letter per hex digit,
# from an alphabet without digits and without the letter O: a hex reference held a phone-shaped
# digit run about once in 3,000 (`CO-EAA4FCF0165132805A7D`), which masking then hid in the
# payments file and `safe_name` refused as a file name, stopping the finance export.
_REFERENCE_LETTERS = str.maketrans("0123456789abcdef", "ABCDEFGHJKLMNPQR")


def payment_reference_of(*parts: str) -> str:
    """Return the deterministic payment reference of `parts` (`CO-` and 20 letters; never digits, never PII-shaped)."""
    digest = hashlib.sha256("\n".join(parts).encode()).hexdigest()
    return "CO-" + digest[:20].translate(_REFERENCE_LETTERS)


def cli_payment_reference(campaign_id: str, payouts_sha256: str, creator_id: str) -> str:
    """Return the deterministic reference of a payout file's line (the ledger's scheme, the file standing in)."""
    return payment_reference_of(campaign_id, payouts_sha256, creator_id)


def _creator(value: Any, pii_key: bytes | None, path: Path, row: int) -> str:
    creator_id = creator_key(value, pii_key)
    if creator_id is None:
        raise FinanceInputError(PII_ID_WITHOUT_KEY, file=path, row=row, field="creator_id")
    if not creator_id:
        raise FinanceInputError("missing creator", file=path, row=row, field="creator_id")
    return creator_id


def read_payout_lines(path: str | Path, campaign_id: str, *, pii_key: bytes | None = None) -> list[PayoutLine]:
    """Read `--payouts`: the CSV `campaignctl payouts` writes (total_myr) or a finance export (amount_myr).

    Every row is accounted for: a positive total is a payment, a zero total is counted as
    nothing to pay (`PayoutLine` with 0), and anything else stops the command naming the row
    and field: a negative total (a correction is an adjustment document, never a row here),
    a creator listed twice (also under two payment references: one payment per creator per
    payout), and a payment reference that cannot name its e-invoice file (`safe_csv.safe_name`:
    separators, `..`, personal data) or is given twice.
    """
    from creator_ops.core.safe_csv import UnsafeName, check_unique, safe_name

    path = Path(path)
    mapping, raw = _cells(
        path,
        ("creator_id",),
        {
            "creator_id": ("creator_id",),
            "total_myr": ("total_myr", "amount_myr", "gross_myr"),
            "payment_reference": ("payment_reference",),
        },
    )
    if "total_myr" not in mapping:
        from creator_ops.core.ingest.result import FileRejected

        raise FileRejected(path, "missing required column(s): total_myr (or amount_myr of a finance export)")
    rows = raw.row_numbers.to_pylist()
    creators = raw.table.column(mapping["creator_id"]).to_pylist()
    amounts = _money(raw.table.column(mapping["total_myr"]).to_pylist(), path, rows, mapping["total_myr"])
    references = raw.table.column(mapping["payment_reference"]).to_pylist() if "payment_reference" in mapping else None
    file_sha = hashlib.sha256(path.read_bytes()).hexdigest()
    lines: list[PayoutLine] = []
    seen: dict[str, int] = {}
    named: list[tuple[str, int]] = []
    for i, (row, creator, amount) in enumerate(zip(rows, creators, amounts, strict=True)):
        creator_id = _creator(creator, pii_key, path, row)
        if creator_id in seen:
            also = f"also row {seen[creator_id]}"
            why = f"{also}, under another payment reference" if references is not None else also
            raise FinanceInputError(f"creator listed twice ({why}); one payment per creator per payout",
                                    file=path, row=row, field="creator_id")  # fmt: skip
        seen[creator_id] = row
        if amount < 0:
            raise FinanceInputError(
                "a negative total: a payout pays out; a correction of an earlier payment is an adjustment "
                "(a credit note), not a row of this file", file=path, row=row, field=mapping["total_myr"],
            )  # fmt: skip
        reference = str(references[i] or "").strip() if references is not None else ""
        if references is not None and not reference:
            raise FinanceInputError("missing payment reference", file=path, row=row, field="payment_reference")
        reference = reference or cli_payment_reference(campaign_id, file_sha, creator_id)
        try:
            safe_name(reference, suffix=".json", row=row, field="payment_reference")
        except UnsafeName as exc:
            raise FinanceInputError(f"{exc} (it names the e-invoice file)", file=path, row=row,
                                    field="payment_reference") from None  # fmt: skip
        named.append((reference, row))
        lines.append(PayoutLine(reference, creator_id, amount))
    try:
        check_unique(named, field="payment_reference")
    except UnsafeName as exc:
        raise FinanceInputError(str(exc), file=path, row=exc.row, field=exc.field) from None
    return lines
