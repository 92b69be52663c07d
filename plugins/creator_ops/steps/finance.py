"""Finance steps of the payout stage (SPEC section 14): payees in, withholding and e-invoices out, CP58.

- `ingest_payees`: land the payees files through `steps.ingest.ingest_file` (content hash, masked
  name, archive, quarantine), store each accepted row with its identity encrypted, validate the
  batch with the `payees` suite.
- `prepare_finance` (after approval, before the finance export): decide every payment of the
  approved calculation (withheld, paid or held), record it, write payments.csv, wht_summary.json
  and the e-invoices (credit and debit notes for adjustments), alert finance once about held
  payments. The finance export then carries net and withholding and leaves held payments out.
- `export_calculation`: the finance export of an approved calculation (`core.finance.export` writes
  it, the ledger records it).
- `build_cp58`: the year's CP58 file and statements, in the payout run of the year's last payout,
  and on demand in a run triggered by hand (`manual__…`: Airflow's "Trigger DAG", or clearing the task there).

Every step skips with its reason when the spec's `finance` switches leave it nothing to do. The
product prepares; it files nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

from creator_ops.core.money import format_myr, format_rm
from creator_ops.core.steps import StepContext, StepSkipped
from creator_ops.core.times import DATE, format_local

if TYPE_CHECKING:
    from creator_ops.core.finance.export import FinanceExport
    from creator_ops.warehouse.payout_ledger import PayoutLedger

DATASET = "payees"
PRIOR_TOTALS = "prior_totals"  # finance's own list of what it paid outside this product (creator_id, total_myr)
HELD_REASONS = {
    "no_payee_record": "no payees row for the creator",
    "no_identity": "the payees row has no id_number",
}


def switches(ctx: StepContext):
    from creator_ops.core.finance.withholding import FinanceSwitches

    f = ctx.spec.finance
    return FinanceSwitches(s107d=f.s107d, cp58=f.cp58, einvoice=f.einvoice)


def _require_switch(ctx: StepContext) -> Any:
    on = switches(ctx)
    if not (on.s107d or on.cp58 or on.einvoice):
        raise StepSkipped(f"{ctx.spec.id}: the spec's finance switches (s107d, cp58, einvoice) are all off")
    return on


def cipher(ctx: StepContext):
    """Return the payee cipher under the `payee_data_key` variable (the demo's public key in demo mode)."""
    from creator_ops.core.finance.crypto import PayeeCipher, resolve_payee_key
    from creator_ops.core.settings import settings

    return PayeeCipher(resolve_payee_key(lambda: ctx.get_variable("payee_data_key"), demo=settings().demo))


def company(ctx: StepContext):
    """Return the company (buyer) from the connection `finance.company_conn_id` (its extra holds the keys)."""
    from creator_ops.core.finance.payees import CompanyFileError, parse_company

    conn_id = ctx.spec.finance.company_conn_id
    if not conn_id:
        raise CompanyFileError(f"{ctx.spec_path}: finance.company_conn_id: e-invoices and CP58 need the company")
    lookup = ctx.extras.get("connection_extra")
    extra = lookup(conn_id) if lookup else None
    if extra is None:
        raise CompanyFileError(f"connection {conn_id!r} (finance.company_conn_id) is not defined")
    return parse_company(extra, f"connection {conn_id}")


# --------------------------------------------------------------------------- payees in


def _quarantine_rows(problems: list[Any]) -> list[dict[str, Any]]:
    return [
        {"row_number": p.row, "reason": p.reason, "field": p.field, "detail": str(p.args[0])[:300],
         "raw_json": None}  # the row holds identity: nothing of it is kept in clear
        for p in problems
        if p.row is not None
    ]  # fmt: skip


def read_payees_for_load(ctx: StepContext, cipher_: Any) -> Any:
    """Return the payees reader for `steps.ingest.ingest_file`: identity encrypted under `cipher_`, never hashed."""
    from creator_ops.core.finance.payees import read_payees
    from creator_ops.steps.ingest import FileRead, pii_key
    from creator_ops.warehouse.payees import load_payees_rows

    def read(local: Any) -> FileRead:
        payees = read_payees(local, strict=False, pii_key=pii_key(ctx))  # ids masked as every data set's
        quarantined = _quarantine_rows(payees.problems)
        reasons: dict[str, int] = {}
        for q in quarantined:
            reasons[q["reason"]] = reasons.get(q["reason"], 0) + 1

        def load(conn: Any, file_id: int) -> None:
            load_payees_rows(conn, file_id, ctx.campaign_id, payees.rows, quarantined, cipher_)

        return FileRead(payees.accepted + len(quarantined), payees.accepted, len(quarantined), load,
                        payees.file_format, payees.encoding, reasons)  # fmt: skip

    return read


def validate_payees_batch(ctx: StepContext, file_id: int) -> dict[str, Any]:
    """Validate one stored payees batch (its clear columns) with `include/expectations/payees.json`."""
    import pandas as pd

    from creator_ops.core.quality import run_suite
    from creator_ops.warehouse.datasets import store_verdict
    from creator_ops.warehouse.payees import BATCH_COLUMNS, batch_clear_columns

    frame = pd.DataFrame(batch_clear_columns(ctx.engine, file_id), columns=list(BATCH_COLUMNS))
    frame["token_prefix"] = frame["identity_token"].str[:4]
    frame = frame.drop(columns=["identity_token"])
    report = run_suite(DATASET, frame, {})
    store_verdict(ctx.engine, ctx.campaign_id, ctx.run_id, file_id, report)
    return {"passed": report.passed, "failed": report.failed_names}


def ingest_payees(ctx: StepContext) -> dict[str, Any]:
    """Load newly landed payees files (identity encrypted), quarantine bad rows, validate each batch."""
    from creator_ops.steps.ingest import ingest_file, landing_area, pii_key

    _require_switch(ctx)
    read = read_payees_for_load(ctx, cipher(ctx))
    area = landing_area(ctx)
    key = pii_key(ctx)
    outcomes = []
    for path in area.files(DATASET):
        # the one ingestion path: content hash, the landed name masked, archive, registry row, log
        outcome = ingest_file(ctx, DATASET, path, area, key, read=read)
        if outcome.get("file_id") and outcome["status"] == "accepted":
            outcome["quality"] = validate_payees_batch(ctx, outcome["file_id"])
        outcomes.append(outcome)
        ctx.info("Payees %s: %s", outcome["file"], {k: v for k, v in outcome.items() if k != "file"})
    if not outcomes:
        ctx.info("No payees files landed under %s", area.folder(DATASET))
    return {"files": outcomes}


# --------------------------------------------------------------------------- decisions, files, alert


def _landed_prior_totals(ctx: StepContext) -> dict[str, int]:
    """Sum the prior-total files finance landed under `<landing>/<campaign>/prior_totals/`."""
    from creator_ops.core.finance.withholding import read_prior_totals
    from creator_ops.steps.ingest import landing_area

    area = landing_area(ctx)
    totals: dict[str, int] = {}
    for path in area.files(PRIOR_TOTALS):
        with area.local_file(path) as local:
            for creator, sen in read_prior_totals(local).items():
                totals[creator] = totals.get(creator, 0) + sen
    return totals


def _shown_calculation(ctx: StepContext) -> Any:
    from creator_ops.warehouse.payout_ledger import PayoutLedger

    row = PayoutLedger(ctx.engine, ctx.spec.id).shown_in_run(ctx.run_id)
    if row is None:
        raise StepSkipped("no payout calculation was put to approval in this run")
    return row


def decide(ctx: StepContext, calculation_id: str, on: Any, key: Any) -> dict[str, Any]:
    """Decide every payment of a calculation: (payments, documents' adjustments, payees, prior totals)."""
    from creator_ops.core.finance.export import payment_reference
    from creator_ops.core.finance.prepare import Adjustment, adjusted_payment
    from creator_ops.core.finance.withholding import PayoutLine, decide_payments
    from creator_ops.warehouse.payees import current_payees, earlier_documents, prior_year_totals
    from creator_ops.warehouse.payout_ledger import PayoutLedger

    ledger = PayoutLedger(ctx.engine, ctx.spec.id)
    calc = ledger.calculation(calculation_id) or {}
    entries = ledger.entries(calculation_id)
    year = ctx.spec.timeline.payout_date.year
    prior = prior_year_totals(ctx.engine, year - 1, _landed_prior_totals(ctx))
    people = current_payees(ctx.engine, key, [e["creator_id"] for e in entries])
    reference = {
        e["creator_id"]: e["payment_reference"] or payment_reference(ctx.spec.id, calculation_id, e["creator_id"])
        for e in entries
    }
    if not calc.get("base_calculation_id"):
        lines = [PayoutLine(reference[e["creator_id"]], e["creator_id"], int(e["total_sen"])) for e in entries]
        return {"payments": decide_payments(lines, people, prior, on), "adjustments": [], "payees": people}
    earlier = earlier_documents(ctx.engine, ctx.spec.id, calculation_id)
    adjustments, payments = [], []
    for e in entries:
        before = earlier.get(e["creator_id"], {"invoice": None, "gross_sen": 0, "wht_sen": 0})
        adjustment = Adjustment(e["creator_id"], reference[e["creator_id"]], before["invoice"], before["gross_sen"],
                                before["gross_sen"] + int(e["total_sen"]), before["wht_sen"])  # fmt: skip
        adjustments.append(adjustment)
        payments.append(adjusted_payment(adjustment, people.get(e["creator_id"]), prior.get(e["creator_id"], 0), on))
    return {"payments": payments, "adjustments": adjustments, "payees": people}


def held_alert(ctx: StepContext, calculation_id: str, held: list[Any]) -> int:
    """Queue the one alert to finance about this calculation's held payments; return rows added."""
    from creator_ops.core.alerts import Alert, Fact, alert_key, channels_for
    from creator_ops.warehouse.outbox import enqueue

    reasons: dict[str, int] = {}
    for p in held:
        reasons[p.reason] = reasons.get(p.reason, 0) + 1
    shown = ", ".join(f"{n} {HELD_REASONS.get(r, r)}" for r, n in sorted(reasons.items()))
    alert = Alert(
        key=alert_key("payments_held", ctx.spec.id, calculation_id),
        campaign_id=ctx.spec.id,
        kind="payments_held",
        severity="warning",
        data={"count": len(held), "total_display": format_rm(sum(p.gross_sen for p in held)), "reasons": shown,
              "calculation_id": calculation_id[:12]},  # fmt: skip
        facts=(Fact("Held", str(len(held))), Fact("Gross held", format_rm(sum(p.gross_sen for p in held))),
               Fact("Why", shown)),  # fmt: skip
        sample_rows=[{"creator_id": p.creator_id, "gross_myr": format_myr(p.gross_sen), "reason": p.reason}
                     for p in held[:10]],  # fmt: skip
    )
    return enqueue(ctx.engine, [alert], channels=channels_for(ctx.spec), campaign_name=ctx.spec.name, now=ctx.now())


def finance_folder(ctx: StepContext, calculation_id: str):
    return ctx.output_dir / "finance" / f"section14_{calculation_id[:12]}"


def prepare_finance(ctx: StepContext) -> dict[str, Any]:
    """Withholding, held payments, e-invoices and notes of the calculation approved in this run."""
    from creator_ops.core.finance.prepare import adjustment_document, write_finance_files
    from creator_ops.warehouse.payees import record_payments

    on = _require_switch(ctx)  # with only cp58 on, the payments are still recorded: CP58 reads them
    row = _shown_calculation(ctx)
    if row.state not in ("approved", "exported"):
        raise StepSkipped(f"calculation {row.calculation_id[:12]} is {row.state}: nothing to prepare")
    decided = decide(ctx, row.calculation_id, on, cipher(ctx))
    payments, adjustments, people = decided["payments"], decided["adjustments"], decided["payees"]
    buyer = company(ctx) if on.einvoice else None
    notes = []
    by_reference = {p.payment_reference: p for p in payments}
    for adjustment in adjustments:
        payment = by_reference[adjustment.reference]
        if on.einvoice and payment.paid and adjustment.difference_sen:
            notes.append(adjustment_document(adjustment, people[adjustment.creator_id], buyer, ctx.spec))
    listed = [p for p in payments if p.gross_sen > 0]  # payments.csv: what is paid out, in the ledger's order
    files = write_finance_files(finance_folder(ctx, row.calculation_id), ctx.spec, listed, on, payees=people,
                                company=buyer, extra_documents=notes, invoices=not adjustments)  # fmt: skip
    record_payments(
        ctx.engine,
        [p for p in payments if p.gross_sen != 0],
        campaign_id=ctx.spec.id,
        calculation_id=row.calculation_id,
        payout_date=ctx.spec.timeline.payout_date.date(),
        run_id=ctx.run_id,
        now=ctx.now(),
        document_types={a.reference: a.type_code for a in adjustments},
        originals={a.reference: a.original_reference for a in adjustments},
    )
    held = [p for p in payments if not p.paid]
    alerted = held_alert(ctx, row.calculation_id, held) if held else 0
    notes_of = [a.type_code for a in adjustments if a.difference_sen]
    figures = files.figures() | {
        "calculation_id": row.calculation_id,
        "held_alert_rows": alerted,
        "credit_notes": notes_of.count("12"),
        "debit_notes": notes_of.count("13"),
    }
    ctx.info("Finance %s: %s", row.calculation_id[:12], json.dumps(figures, sort_keys=True))
    return figures


def export_adjustments(ctx: StepContext, calculation_id: str) -> dict[str, tuple[int, str]] | None:
    """Return {creator: (wht_sen, status)} of a calculation's recorded finance decisions, None when none apply."""
    from creator_ops.warehouse.payees import payment_decisions

    on = switches(ctx)
    if not (on.s107d or on.einvoice):
        return None
    return payment_decisions(ctx.engine, calculation_id) or None


def export_calculation(
    ledger: PayoutLedger,
    calculation_id: str,
    folder: Any,
    finance: dict[str, tuple[int, str]] | None = None,
    *,
    wht_columns: bool = True,
) -> FinanceExport:
    """Write the finance file of an approved calculation and record the export; again after export, the same file.

    The ledger (`warehouse.payout_ledger.PayoutLedger`) gives the rows and records the
    transition; `core.finance.export` builds and writes the file. `finance` and `wht_columns`
    as `core.finance.export.build_export` takes them; `folder` is a folder or object storage.
    """
    from creator_ops.core.finance.export import build_export, write_export

    calc, entries = ledger.exportable(calculation_id)
    files = build_export(ledger.campaign_id, calc, entries, finance, wht_columns=wht_columns)
    written = write_export(folder, files)  # the file first: a rerun after a failure here writes the same bytes
    ledger.mark_exported(calculation_id, files.references)
    return written


def approval_section(ctx: StepContext, calculation_id: str) -> str:
    """Return the approval page's finance section: withholding and how many payments would be held, and why."""
    on = switches(ctx)
    if not (on.s107d or on.einvoice):
        return ""
    try:
        decided = decide(ctx, calculation_id, on, cipher(ctx))
    except Exception as exc:  # the approver still sees the calculation; the finance step will fail loudly
        from creator_ops.core.masking import mask_pii

        return f"\n\n### Finance (SPEC 14)\n- could not be computed: {mask_pii(str(exc))[:200]}"
    payments = [p for p in decided["payments"] if p.gross_sen > 0]
    held = [p for p in payments if not p.paid]
    withheld = [p for p in payments if p.paid and p.wht_sen]
    reasons: dict[str, int] = {}
    for p in held:
        reasons[p.reason] = reasons.get(p.reason, 0) + 1
    lines = [
        "",
        "",
        "### Finance (s107D withholding, e-invoices)",
        f"- **{len(held)} payment(s) held** ({format_rm(sum(p.gross_sen for p in held))}): not exported for payment"
        + (":" if held else ""),
        *(f"  - {n} × {r}: {HELD_REASONS.get(r, r)}" for r, n in sorted(reasons.items())),
        f"- withheld (2 %): {len(withheld)} payee(s), {format_rm(sum(p.wht_sen for p in withheld))}, "
        f"due to LHDN by {(ctx.spec.timeline.payout_date.date() + dt.timedelta(days=30)).isoformat()}",
        f"- self-billed e-invoices to prepare: {len(payments) - len(held) if on.einvoice else 0}",
    ]
    return "\n".join(lines)


# --------------------------------------------------------------------------- CP58


def _last_payout_of_year(ctx: StepContext, year: int) -> tuple[str, dt.datetime] | None:
    from creator_ops.core.settings import settings
    from creator_ops.core.spec import discover_specs

    dates = [(spec.id, spec.timeline.payout_date) for _, spec in discover_specs(settings().campaign_specs_dir).specs
             if spec.timeline.payout_date.year == year]  # fmt: skip
    dates.append((ctx.spec.id, ctx.spec.timeline.payout_date))
    return max(dates, key=lambda d: (d[1], d[0])) if dates else None


def build_cp58(ctx: StepContext, year: int | None = None, *, force: bool = False) -> dict[str, Any]:
    """Write `cp58_<year>.csv` and the statements, in the payout run of the year's last payout (or on demand)."""
    from creator_ops.core.finance.cp58 import cp58_rows, write_cp58
    from creator_ops.warehouse.payees import campaign_payout_dates, current_payees, shipped_sample_totals, year_payments

    on = _require_switch(ctx)
    if not on.cp58:
        raise StepSkipped("cp58 is off in the spec's finance switches")
    year = year or ctx.spec.timeline.payout_date.year
    last = _last_payout_of_year(ctx, year)
    force = force or ctx.run_id.startswith("manual__")  # a run someone triggered by hand: on demand
    if not force and last is not None and last[0] != ctx.spec.id:
        raise StepSkipped(
            f"the {year} CP58 statements are built after the year's last payout: {last[0]} on "
            f"{format_local(last[1], ctx.spec.tz, style=DATE)}"
        )
    monetary: dict[str, int] = {}
    withheld: dict[str, int] = {}
    for row in year_payments(ctx.engine, year):
        monetary[row["creator_id"]] = monetary.get(row["creator_id"], 0) + int(row["gross_sen"])
        withheld[row["creator_id"]] = withheld.get(row["creator_id"], 0) + int(row["wht_sen"])
    campaigns = sorted(campaign_payout_dates(ctx.engine))
    samples = shipped_sample_totals(ctx.engine, year, campaigns)
    people = current_payees(ctx.engine, cipher(ctx), sorted(monetary))
    rows = cp58_rows(monetary, samples, withheld, people)
    written = write_cp58(ctx.output_dir / "finance", year, rows, people, company(ctx))
    ctx.info("CP58 %s: %d payees, %d statements required, due %s", year, written["payees"], written["required"],
             written["due_date"])  # fmt: skip
    return {k: v for k, v in written.items() if k != "statements"} | {"statements": len(written["statements"])}
