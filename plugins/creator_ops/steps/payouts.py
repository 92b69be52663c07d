"""Payout steps: calculate into the ledger, prepare and record the approval, export for finance.

`calculate` also stores the campaign's whole section 5 result (rule 2's enrolled creators and
the result rows, `warehouse.payout_results`): what the ecosystem (SPEC section 13) reads, so
it never runs the engine itself.

All refuse to run on untrusted data: when the latest quality validation of orders,
enrollments or exclusions failed, they raise `DataNotTrusted` naming the failed
expectations. The rules themselves are `creator_ops.core.payouts` (the same engine the
command line uses); the ledger is `creator_ops.warehouse.payout_ledger`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from creator_ops.core.ingest.datasets import PAYOUT_DATASETS
from creator_ops.core.money import format_myr, format_rm, format_rm_myr
from creator_ops.core.steps import DataNotTrusted, StepContext, StepSkipped

TOP_EARNERS = 10


def require_trusted_data(ctx: StepContext) -> list[str]:
    """Raise DataNotTrusted if a payout input failed its latest validation; return warnings otherwise."""
    from creator_ops.warehouse.metrics import untrusted_datasets, validated_datasets

    failed = {d: names for d, names in untrusted_datasets(ctx.engine, ctx.spec.id).items() if d in PAYOUT_DATASETS}
    if failed:
        detail = "; ".join(f"{d}: {', '.join(names) or 'suite failed'}" for d, names in sorted(failed.items()))
        raise DataNotTrusted(
            f"payouts of {ctx.spec.id} refused: the latest quality validation failed for {detail}. "
            "Fix or replace the data and rerun the quality stage."
        )
    validated = validated_datasets(ctx.engine, ctx.spec.id)
    return [f"{d} was never validated by the quality stage" for d in ("orders", "enrollments") if d not in validated]


def spec_sha256(ctx: StepContext) -> str:
    return hashlib.sha256(ctx.spec_path.read_bytes()).hexdigest()


def store_result(ctx: StepContext, result: Any, inputs: Any, calculation_id: str | None) -> int:
    """Store what the ecosystem (SPEC section 13) reads of this calculation: rule 2's enrolled set, the result rows.

    Every calculation replaces the campaign's stored result (`warehouse.payout_results`), whatever the
    ledger makes of it (open, superseded later, an adjustment, unchanged): the ecosystem shows the latest
    result computed on the current inputs, not only what was approved.
    """
    from creator_ops.core.ecosystem import enrolled_creators
    from creator_ops.warehouse.payout_results import store_result as store

    enrolled = enrolled_creators(result.rules, inputs.enrollments)
    return store(
        ctx.engine,
        ctx.spec.id,
        result.table,
        enrolled,
        calculation_id=calculation_id,
        run_id=ctx.run_id,
        spec_sha256=spec_sha256(ctx),
        inputs_sha256=inputs.inputs_sha256,
    )


def calculate(ctx: StepContext) -> dict[str, Any]:
    """Compute SPEC section 5 from the warehouse, record it in the ledger (replace or adjust), store the result.

    A campaign without incentives pays nothing and keeps no ledger entry, but its section 5 result
    (who enrolled, who sold, eligible GMV: a design that pays nothing) is still stored for the ecosystem
    when its data is trusted; then the step skips.
    """
    from creator_ops.core.payouts import PayoutInputError, PayoutRules, calculate_for_spec, calculate_payouts
    from creator_ops.warehouse.payout_inputs import load_warehouse_inputs
    from creator_ops.warehouse.payout_ledger import PayoutLedger

    if ctx.spec.incentives is None:
        try:
            require_trusted_data(ctx)
        except DataNotTrusted as exc:
            raise StepSkipped(f"{ctx.spec.id} has no incentives: nothing to pay; no result stored: {exc}") from None
        inputs = load_warehouse_inputs(ctx.engine, ctx.spec.id)
        rules = PayoutRules.from_incentives(ctx.spec.timeline, None)
        try:
            result = calculate_payouts(rules, inputs.orders, inputs.enrollments, inputs.exclusions)
        except PayoutInputError as exc:
            raise StepSkipped(f"{ctx.spec.id} has no incentives: nothing to pay; no result stored: {exc}") from None
        store_result(ctx, result, inputs, None)
        raise StepSkipped(
            f"{ctx.spec.id} has no incentives: nothing to pay (its result, {result.creators} creators with "
            "eligible sales, is stored for the ecosystem)"
        )
    warnings = require_trusted_data(ctx)
    inputs = load_warehouse_inputs(ctx.engine, ctx.spec.id)
    try:
        result = calculate_for_spec(ctx.spec, inputs.orders, inputs.enrollments, inputs.exclusions)
    except PayoutInputError as exc:
        raise DataNotTrusted(f"payout inputs unusable: {exc}") from None
    summary = result.summary()
    summary["quality_warnings"] = warnings
    summary["sources"] = inputs.sources
    summary["top_earners"] = [
        {"creator_id": r.creator_id, "total_myr": format_myr(r.total_sen), "rank": r.leaderboard_rank}
        for r in result.top(TOP_EARNERS)
    ]
    ledger = PayoutLedger(ctx.engine, ctx.spec.id)
    record = ledger.record(
        result, run_id=ctx.run_id, spec_sha256=spec_sha256(ctx), inputs_sha256=inputs.inputs_sha256, summary=summary
    )
    store_result(ctx, result, inputs, record.calculation_id)
    # the full result next to the finance files, for ops to open
    result.write_csv(ctx.output_dir / "payouts" / f"calculation_{record.calculation_id[:12]}.csv")
    ctx.info(
        "Payout calculation %s (%s, %s): %d creators, %s, scaled=%s",
        record.calculation_id[:12],
        record.kind,
        record.state,
        result.creators,
        format_rm(result.total_sen),
        result.scaled,
    )
    return {
        "calculation_id": record.calculation_id,
        "kind": record.kind,
        "state": record.state,
        "creators": result.creators,
        "total_myr": summary["total_myr"],
        "scaled": result.scaled,
        "quality_warnings": warnings,
    }


@dataclass(frozen=True)
class ApprovalRequest:
    """What the approver sees: the calculation and a Markdown body."""

    calculation_id: str
    subject: str
    body: str


def _earner_order(earner: dict[str, Any]) -> tuple[int, int, Decimal, str]:
    """Leaderboard rank first (1, 2, 3 ...), then the earners without a rank by total, largest first."""
    rank = earner.get("rank")
    return (0 if rank else 1, int(rank or 0), -Decimal(str(earner["total_myr"])), str(earner["creator_id"]))


def prepare_approval(ctx: StepContext) -> ApprovalRequest:
    """Describe the open calculation for the approver and tie it to this run."""
    from creator_ops.warehouse.payout_ledger import PayoutLedger

    warnings = require_trusted_data(ctx)
    ledger = PayoutLedger(ctx.engine, ctx.spec.id)
    calc = ledger.open_calculation()
    if calc is None:
        raise StepSkipped(f"no payout calculation of {ctx.spec.id} awaits approval")
    ledger.mark_approval_requested(calc["calculation_id"], ctx.run_id)
    summary = json.loads(calc["summary_json"] or "{}")
    warnings = sorted(set(warnings) | set(summary.get("quality_warnings", [])))
    kind = "adjustment" if calc["base_calculation_id"] else "payout"
    lines = [
        f"## {ctx.spec.name}: {kind} `{calc['calculation_id'][:12]}`",
        "",
        "| | |",
        "| --- | --- |",
        f"| creators in this {kind} | {calc['creators']} |",
        f"| total | {format_rm(calc['total_sen'])} |",
        f"| budget | {format_rm(calc['budget_sen'])} ({summary.get('budget_used_pct', '?')}% used) |",
        f"| leaderboard prizes | {format_rm_myr(summary.get('prizes_awarded_myr'), '?')} |",
        f"| variable bonuses scaled | {'yes, × ' + summary.get('scale_factor', '?') if calc['scaled'] else 'no'} |",
        f"| spec / inputs sha256 | `{calc['spec_sha256'][:12]}` / `{calc['inputs_sha256'][:12]}` |",
        "",
        "### Top earners",
        "| leaderboard rank | creator | total |",
        "| --- | --- | --- |",
        *(
            f"| {e.get('rank') or '—'} | {e['creator_id']} | {format_rm_myr(e['total_myr'], '?')} |"
            for e in sorted(summary.get("top_earners", []), key=_earner_order)
        ),
        "",
        "### Tiers",
        *(
            f"- from {format_rm_myr(k, '?')}: {v:,} creators"
            for k, v in sorted(summary.get("tier_counts", {}).items(), key=lambda kv: Decimal(kv[0]), reverse=True)
        ),
        "",
        "### Quality warnings",
        *([f"- {w}" for w in warnings] or ["- none: every payout input passed its latest validation"]),
        "",
        "Approve to release the finance export; Reject (with a note) stops it and records why.",
    ]
    subject = f"Approve {kind} of {ctx.spec.name}: {format_rm(calc['total_sen'])} to {calc['creators']} creators"
    return ApprovalRequest(calc["calculation_id"], subject, "\n".join(lines))


def record_decision(ctx: StepContext, *, approved: bool, by: str, note: str | None) -> str:
    """Record the approver's decision on the calculation this run showed; return its id."""
    from creator_ops.warehouse.payout_ledger import LedgerError, PayoutLedger

    ledger = PayoutLedger(ctx.engine, ctx.spec.id)
    row = ledger.shown_in_run(ctx.run_id)
    if row is None:
        raise LedgerError(f"run {ctx.run_id} showed no payout calculation of {ctx.spec.id}")
    calculation_id = row.calculation_id
    if row.state == "superseded":
        raise LedgerError(
            f"calculation {calculation_id[:12]} was replaced by a newer one while awaiting approval; "
            "rerun the approval task to decide on the current one"
        )
    if approved:
        ledger.approve(calculation_id, by=by, note=note)
    else:
        ledger.reject(calculation_id, by=by, note=note or "rejected without a note")
    ctx.info("Payout calculation %s %s by %s", calculation_id[:12], "approved" if approved else "rejected", by)
    return calculation_id


def export_for_finance(ctx: StepContext) -> dict[str, Any]:
    """Write the finance file of the calculation approved in this run (the same file when rerun)."""
    from creator_ops.warehouse.payout_ledger import PayoutLedger

    require_trusted_data(ctx)
    ledger = PayoutLedger(ctx.engine, ctx.spec.id)
    row = ledger.shown_in_run(ctx.run_id)
    if row is None:
        raise StepSkipped("no payout calculation was put to approval in this run")
    if row.state not in ("approved", "exported"):
        raise StepSkipped(
            f"calculation {row.calculation_id[:12]} is {row.state}: {row.decision_note or 'not approved'}"
        )
    from creator_ops.steps.finance import export_adjustments, export_calculation

    # SPEC 14: net and withholding beside the gross, held payments left out (when finance switched them on)
    export = export_calculation(
        ledger,
        row.calculation_id,
        ctx.output_dir / "finance",
        export_adjustments(ctx, row.calculation_id),
        wht_columns=ctx.spec.finance.s107d,
    )
    ctx.info(
        "Finance export %s: %d payments, control total %s",
        export.path,
        export.row_count,
        format_rm(export.control_total_sen),
    )
    return {
        "calculation_id": row.calculation_id,
        "file": str(export.path),
        "control_file": str(export.control_path),
        "row_count": export.row_count,
        "control_total_myr": format_myr(export.control_total_sen),
    }
