"""Payouts stage: calculate (settlement and payout runs), human approval, then the finance export.

The calculation is repeated every settlement day (each replaces the previous one until
approved) and once more in the payout run, which then asks for approval; Reject skips
the export and the reason is kept in the ledger.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from airflow.sdk import TriggerRule

from creator_ops.airflow.ecosystem import PAYOUT_RESULTS
from creator_ops.airflow.operators import PayoutApprovalOperator
from creator_ops.core.calendar import Phase

if TYPE_CHECKING:
    from creator_ops.airflow.dag_builder import StageBuilder


def build(stage: StageBuilder) -> None:
    """Add calculate → approve → export_for_finance."""
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
            "Finance approves the calculation in Required Actions: totals, top earners, budget use "
            "and quality warnings are shown; only the spec's `payout_approvers` may decide. "
            "Reject with a note to stop the export."
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
    calculate >> approve >> export
