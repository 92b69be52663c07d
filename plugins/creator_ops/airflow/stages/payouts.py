"""Payouts stage: calculate (settlement and payout runs), human approval, then the finance export.

The calculation is repeated every settlement day (each replaces the previous one until
approved) and once more in the payout run, which then asks for approval; Reject skips
the export and the reason is kept in the ledger. With the spec's `finance` switches on
(SPEC 14), the payees are ingested beside the calculation, the approved payments get their
withholding, held payments and e-invoices before the export, and the year's CP58 after it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from airflow.sdk import TriggerRule

from creator_ops.airflow.ecosystem import PAYOUT_RESULTS
from creator_ops.airflow.operators import PayoutApprovalOperator
from creator_ops.core.calendar import Phase

if TYPE_CHECKING:
    from creator_ops.airflow.stages import StageBuilder


def build(stage: StageBuilder) -> None:
    """Add calculate → approve → export_for_finance (and the finance steps when switched on)."""
    calculate = stage.step(
        "calculate",
        "creator_ops.steps.payouts:calculate",
        phases=[Phase.SETTLEMENT, Phase.PAYOUT],
        outlets=[PAYOUT_RESULTS],  # updates the ecosystem (SPEC section 13) whenever a calculation is recorded
        doc_md=(
            "Applies the incentive rules (`docs/payouts.md` in the project) to the warehouse's orders, enrollments and "
            "exclusions and records the result in the payout ledger: it replaces an unapproved "
            "calculation, or adds adjustment rows after an approval. Refuses untrusted data."
        ),
    )
    approve = PayoutApprovalOperator(
        task_id="approve",
        spec_path=str(stage.spec_path),
        phases=[Phase.PAYOUT],
        retries=0,
        trigger_rule=TriggerRule.NONE_FAILED,
        # only the spec's payout approvers may decide (Airflow answers 403 to anyone else);
        # without approvers in the spec, anyone allowed to act on the DAG may
        assigned_users=[{"id": name, "name": name} for name in stage.spec.payout_approvers] or None,
        doc_md=(
            "Finance approves the calculation in Required Actions: totals, top earners, budget use, "
            "quality warnings and (with the finance switches on) held payments and withholding are shown; "
            "only the spec's `payout_approvers` may decide. Reject with a note to stop the export."
        ),
    )
    export = stage.step(
        "export_for_finance",
        "creator_ops.steps.payouts:export_for_finance",
        phases=[Phase.PAYOUT],
        retries=1,
        outlets=[PAYOUT_RESULTS],
        doc_md=(
            "Writes the finance file (one row per payable creator, deterministic payment references) "
            "and its control file (row count, control total) under output/<campaign>/finance. "
            "Rerunning writes the same file and never pays twice."
        ),
    )
    finance = stage.spec.finance
    if not (finance.s107d or finance.cp58 or finance.einvoice):
        calculate >> approve >> export
        return
    payees = stage.step(
        "ingest_payees",
        "creator_ops.steps.finance:ingest_payees",
        phases=[Phase.SETTLEMENT, Phase.PAYOUT],
        doc_md=(
            "Loads landed payees files (SPEC 14): identity encrypted with `payee_data_key`, bad rows "
            "quarantined with their reason, each batch validated with the `payees` suite."
        ),
    )
    prepare = stage.step(
        "prepare_finance",
        "creator_ops.steps.finance:prepare_finance",
        phases=[Phase.PAYOUT],
        retries=1,
        doc_md=(
            "s107D withholding (2 %, half up to the sen), held payments (alerted once), payments.csv, "
            "wht_summary.json and one self-billed MyInvois e-invoice per paid payment (credit/debit notes "
            "for adjustments) under output/<campaign>/finance. Prepares only: files nothing."
        ),
    )
    cp58 = stage.step(
        "cp58",
        "creator_ops.steps.finance:build_cp58",
        phases=[Phase.PAYOUT],
        retries=1,
        doc_md=(
            "The year's CP58 file and one printable statement per payee over RM5,000.00, built in the "
            "payout run of the year's last payout, and on demand in a run triggered by hand."
        ),
    )
    [calculate, payees] >> approve >> prepare >> export >> cp58
