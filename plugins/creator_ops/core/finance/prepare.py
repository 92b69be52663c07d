"""One payout's finance files from its payments: payments.csv, wht_summary.json, the e-invoices.

The command line and the payout stage's finance step both call `write_finance_files`, so the
files are the same whichever wrote them. Nothing here reads a database or Airflow.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from creator_ops.core.finance.einvoice import (
    SELF_BILLED_INVOICE,
    DocumentSpec,
    build_document,
    document_bytes,
    invoice_description,
)
from creator_ops.core.finance.payees import Company, Payee
from creator_ops.core.finance.withholding import (
    FinanceSwitches,
    Payment,
    payments_csv,
    summary_bytes,
    wht_summary,
)
from creator_ops.core.masking import mask_pii
from creator_ops.core.money import format_myr

EINVOICE_FOLDER = "einvoices"


@dataclass
class FinanceFiles:
    """What was written, and the figures people are told."""

    folder: Path
    payments: list[Payment]
    summary: dict[str, Any]
    einvoices: list[Path] = field(default_factory=list)

    @property
    def paid(self) -> int:
        return sum(1 for p in self.payments if p.paid)

    @property
    def held(self) -> int:
        return sum(1 for p in self.payments if not p.paid)

    def figures(self) -> dict[str, Any]:
        return {
            "paid": self.paid,
            "held": self.held,
            "wht_myr": self.summary["wht_myr"],
            "payees_withheld": self.summary["payees_withheld"],
            "due_date": self.summary["due_date"],
            "held_reasons": {r: sum(1 for p in self.payments if p.reason == r) for r in
                             sorted({p.reason for p in self.payments if p.reason})},
            "einvoices": len(self.einvoices),
            "folder": mask_pii(str(self.folder)),
        }  # fmt: skip


def campaign_period(spec: Any) -> tuple[dt.date, dt.date]:
    """Return the event's first and last local day (the invoices' billing period)."""
    t = spec.timeline
    return t.event_start.date(), (t.event_end - dt.timedelta(microseconds=1)).date()


def invoice_documents(
    payments: Sequence[Payment], payees: Mapping[str, Payee], company: Company, spec: Any
) -> list[tuple[str, bytes]]:
    """Return (payment reference, document bytes) of one self-billed invoice per paid payment."""
    out = []
    for payment in payments:
        if not payment.paid:
            continue
        doc = DocumentSpec(
            document_id=payment.payment_reference,
            type_code=SELF_BILLED_INVOICE,
            amount_sen=payment.gross_sen,
            description=invoice_description(spec.name, payment.payment_reference),
            issue_date=spec.timeline.payout_date.date(),
            period=campaign_period(spec),
        )
        document = build_document(doc, payees[payment.creator_id], company)
        out.append((payment.payment_reference, document_bytes(document)))
    return out


def write_finance_files(
    folder: Path,
    spec: Any,
    payments: Sequence[Payment],
    switches: FinanceSwitches,
    *,
    payees: Mapping[str, Payee],
    company: Company | None,
    extra_documents: Sequence[tuple[str, bytes]] = (),
    invoices: bool = True,
) -> FinanceFiles:
    """Write payments.csv, wht_summary.json and (einvoice on) einvoices/<reference>.json under `folder`.

    Every file by the one rule (`safe_csv`): no link followed below `folder`, exclusive
    temporary files. The e-invoices are one set: a rerun replaces the previous run's
    invoices as a whole (`replace_folder`), so none with someone's identity is left behind,
    and with `einvoice` off the folder is removed. Each reference names its file only
    through `safe_name`; two payments with one reference are refused, never one file.
    """
    from creator_ops.core.finance.einvoice import FILE_MODE
    from creator_ops.core.safe_csv import replace_folder, safe_name, write_atomically

    write_atomically(folder / "payments.csv", payments_csv(payments), root=folder)
    summary = wht_summary(payments, spec.timeline.payout_date.date(), campaign_id=spec.id)
    summary["switches"] = {"s107d": switches.s107d, "cp58": switches.cp58, "einvoice": switches.einvoice}
    summary["paid"] = sum(1 for p in payments if p.paid)
    summary["paid_gross_myr"] = format_myr(sum(p.gross_sen for p in payments if p.paid))
    summary["paid_net_myr"] = format_myr(sum(p.net_sen for p in payments if p.paid))
    write_atomically(folder / "wht_summary.json", summary_bytes(summary), root=folder)
    documents: list[tuple[str, bytes]] = []
    if switches.einvoice:
        if company is None:
            raise ValueError("e-invoices need the company (buyer) details")
        documents = [*(invoice_documents(payments, payees, company, spec) if invoices else []), *extra_documents]
    files = {safe_name(reference, suffix=".json", field="payment_reference"): content
             for reference, content in documents}  # fmt: skip
    if len(files) != len(documents):
        raise ValueError("two e-invoices with one payment reference")  # read_payout_lines refuses these first
    written = replace_folder(folder / EINVOICE_FOLDER, files, root=folder, mode=FILE_MODE, folder_mode=0o700)
    return FinanceFiles(folder, list(payments), summary, written)


# --------------------------------------------------------------------------- adjustments after approval


@dataclass(frozen=True)
class Adjustment:
    """An approved payment changed by a later recalculation (SPEC 5's adjustment rows)."""

    creator_id: str
    reference: str  # this difference's own document id
    original_reference: str | None  # the invoice it corrects; None when the creator had none (a new invoice)
    old_gross_sen: int
    new_gross_sen: int
    old_wht_sen: int = 0

    @property
    def difference_sen(self) -> int:
        return self.new_gross_sen - self.old_gross_sen

    @property
    def type_code(self) -> str:
        from creator_ops.core.finance.einvoice import SELF_BILLED_CREDIT_NOTE, SELF_BILLED_DEBIT_NOTE

        if self.original_reference is None:
            return SELF_BILLED_INVOICE
        return SELF_BILLED_CREDIT_NOTE if self.difference_sen < 0 else SELF_BILLED_DEBIT_NOTE


def adjusted_payment(
    adjustment: Adjustment, payee: Payee | None, prior_total_sen: int, switches: FinanceSwitches
) -> Payment:
    """Return the difference as a payment: withholding recomputed on the new gross, less what was withheld."""
    from creator_ops.core.finance.withholding import PayoutLine, decide_payment

    on_new = decide_payment(
        PayoutLine(adjustment.reference, adjustment.creator_id, adjustment.new_gross_sen), payee, prior_total_sen,
        switches,
    )  # fmt: skip
    wht = on_new.wht_sen - adjustment.old_wht_sen
    diff = adjustment.difference_sen
    return Payment(adjustment.reference, adjustment.creator_id, diff, wht, diff - wht, on_new.status, on_new.reason,
                   prior_total_sen)  # fmt: skip


def adjustment_document(adjustment: Adjustment, payee: Payee, company: Company, spec: Any) -> tuple[str, bytes]:
    """Return the document of a difference: a credit note (12) down, a debit note (13) up, amount positive."""
    doc = DocumentSpec(
        document_id=adjustment.reference,
        type_code=adjustment.type_code,
        amount_sen=abs(adjustment.difference_sen),
        description=invoice_description(spec.name, adjustment.reference)
        + (f", correcting {adjustment.original_reference}" if adjustment.original_reference else ""),
        issue_date=spec.timeline.payout_date.date(),
        period=campaign_period(spec),
        original_id=adjustment.original_reference,
    )
    return adjustment.reference, document_bytes(build_document(doc, payee, company))
