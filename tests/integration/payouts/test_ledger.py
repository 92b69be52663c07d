"""The payout ledger on SQLite and PostgreSQL: replace before approval, adjust after, export once."""

from __future__ import annotations

import csv
import datetime as dt
import json
import sys
from pathlib import Path

import pytest
from repo_paths import TESTS
from sqlalchemy import select

sys.path.insert(0, str(TESTS / "unit" / "payouts"))
from payout_builders import enrolled, make_spec, orders

from creator_ops.core.finance.export import payment_reference
from creator_ops.core.payouts import calculate_for_spec
from creator_ops.steps.finance import export_calculation
from creator_ops.warehouse.payout_ledger import LedgerError, PayoutLedger
from creator_ops.warehouse.schema import payout_calculations, payout_ledger

pytestmark = pytest.mark.integration
T0 = dt.datetime(2027, 3, 26, 1, tzinfo=dt.UTC)


def result_for(*creator_gmv: tuple[str, int]):
    lines = orders(*[{"creator_id": c, "gmv_sen": g, "order_id": f"{c}-{i}"} for i, (c, g) in enumerate(creator_gmv)])
    return calculate_for_spec(make_spec(), lines, enrolled(*{c for c, _ in creator_gmv}))


def record(ledger: PayoutLedger, result, inputs: str, minutes: int = 0):
    return ledger.record(
        result, run_id=f"run-{inputs}", spec_sha256="s" * 64, inputs_sha256=inputs * 64,
        now=T0 + dt.timedelta(minutes=minutes),
    )


def totals(ledger: PayoutLedger, calculation_id: str) -> dict[str, int]:
    return {e["creator_id"]: e["total_sen"] for e in ledger.entries(calculation_id)}


def test_recalculation_before_approval_replaces(warehouse_engine):
    ledger = PayoutLedger(warehouse_engine, "test_scd")
    first = record(ledger, result_for(("a", 100000), ("b", 200000)), "1")
    again = record(ledger, result_for(("a", 100000), ("b", 200000)), "1", minutes=5)
    assert again.calculation_id == first.calculation_id  # same spec and inputs: same calculation
    assert len(ledger.entries(first.calculation_id)) == 2
    second = record(ledger, result_for(("a", 150000)), "2", minutes=10)
    assert second.kind == "payout" and second.calculation_id != first.calculation_id
    states = {c["calculation_id"]: c["state"] for c in ledger.calculations()}
    assert states == {first.calculation_id: "superseded", second.calculation_id: "calculated"}
    assert ledger.entries(first.calculation_id) == []
    assert set(totals(ledger, second.calculation_id)) == {"a"}
    assert ledger.open_calculation()["calculation_id"] == second.calculation_id


def test_after_approval_rows_are_immutable_and_differences_are_adjustments(warehouse_engine):
    ledger = PayoutLedger(warehouse_engine, "test_scd")
    first = record(ledger, result_for(("a", 100000), ("b", 200000)), "1")
    ledger.approve(first.calculation_id, by="finance.lead", now=T0)
    approved_rows = ledger.entries(first.calculation_id)
    # same inputs again: nothing to add
    assert record(ledger, result_for(("a", 100000), ("b", 200000)), "1", minutes=1).kind == "unchanged"
    # late data: a earns more, b drops out (excluded), c appears
    later = record(ledger, result_for(("a", 120000), ("c", 50000)), "2", minutes=30)
    assert later.kind == "adjustment"
    assert ledger.entries(first.calculation_id) == approved_rows  # untouched
    calc = ledger.calculation(later.calculation_id)
    assert calc["base_calculation_id"] == first.calculation_id
    by_creator = {e["creator_id"]: e for e in ledger.entries(later.calculation_id)}
    assert set(by_creator) == {"a", "b", "c"}
    assert all(e["kind"] == "adjustment" for e in by_creator.values())
    assert by_creator["a"]["eligible_gmv_sen"] == 20000
    assert by_creator["b"]["total_sen"] == -approved_rows[1]["total_sen"]
    # approving the adjustment makes the settled totals equal the latest calculation
    ledger.approve(later.calculation_id, by="finance.lead", now=T0 + dt.timedelta(hours=1))
    settled = {c: v["total_sen"] for c, v in ledger.settled_totals().items()}
    expected = {r.creator_id: r.total_sen for r in result_for(("a", 120000), ("c", 50000)).rows}
    assert {c: t for c, t in settled.items() if t} == expected


def test_decisions_and_their_limits(warehouse_engine):
    ledger = PayoutLedger(warehouse_engine, "test_scd")
    first = record(ledger, result_for(("a", 100000)), "1")
    ledger.reject(first.calculation_id, by="finance.lead", note="GMV looks inflated", now=T0)
    calc = ledger.calculation(first.calculation_id)
    assert (calc["state"], calc["decided_by"], calc["decision_note"]) == ("rejected", "finance.lead", "GMV looks inflated")
    with pytest.raises(LedgerError, match="rejected"):
        ledger.approve(first.calculation_id, by="someone")
    with pytest.raises(LedgerError, match="GMV looks inflated"):
        export_calculation(ledger, first.calculation_id, Path("/nonexistent"))
    # the same inputs do not resurrect a rejected calculation
    assert record(ledger, result_for(("a", 100000)), "1", minutes=1).state == "rejected"
    second = record(ledger, result_for(("a", 100000)), "2", minutes=2)
    with pytest.raises(LedgerError, match="calculated"):
        export_calculation(ledger, second.calculation_id, Path("/nonexistent"))
    ledger.approve(second.calculation_id, by="finance.lead", now=T0)
    ledger.approve(second.calculation_id, by="finance.lead", now=T0)  # idempotent


def test_stale_adjustment_cannot_be_approved(warehouse_engine):
    ledger = PayoutLedger(warehouse_engine, "test_scd")
    first = record(ledger, result_for(("a", 100000)), "1")
    ledger.approve(first.calculation_id, by="f", now=T0)
    adjustment = record(ledger, result_for(("a", 200000)), "2", minutes=1)
    # an operator approves directly in the database path: simulate another approved total appearing
    with warehouse_engine.begin() as conn:
        conn.execute(
            payout_calculations.insert().values(
                calculation_id="x" * 64, campaign_id="test_scd", run_id="r", state="approved", spec_sha256="s",
                inputs_sha256="i", creators=0, total_sen=0, budget_sen=0, scaled=False,
                calculated_at=T0, decided_at=T0 + dt.timedelta(days=1),
            )
        )
    with pytest.raises(LedgerError, match="recalculate"):
        ledger.approve(adjustment.calculation_id, by="f")


def test_export_is_deterministic_and_pays_once(warehouse_engine, tmp_path):
    ledger = PayoutLedger(warehouse_engine, "test_scd")
    first = record(ledger, result_for(("a", 100000), ("b", 200000), ("z", 0)), "1")
    ledger.approve(first.calculation_id, by="finance.lead", now=T0)
    export = export_calculation(ledger, first.calculation_id, tmp_path / "finance")
    content = export.path.read_bytes()
    control = json.loads(export.control_path.read_text())
    with export.path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["creator_id"] for r in rows] == ["a", "b"]  # z earned nothing: not a payment
    paid = {r["creator_id"]: r for r in rows}
    assert paid["a"]["payment_reference"] == payment_reference("test_scd", first.calculation_id, "a")
    assert control["row_count"] == len(rows) == export.row_count
    assert control["control_total_myr"] == f"{sum(int(r['amount_myr'].replace('.', '')) for r in rows) / 100:.2f}"
    assert ledger.calculation(first.calculation_id)["state"] == "exported"
    again = export_calculation(ledger, first.calculation_id, tmp_path / "finance")
    assert again.path.read_bytes() == content and again.control_total_sen == export.control_total_sen
    with warehouse_engine.connect() as conn:
        references = conn.execute(
            select(payout_ledger.c.payment_reference).where(payout_ledger.c.payment_reference.is_not(None))
        ).scalars().all()
    assert len(references) == len(set(references)) == len(rows)
    # after export, the same inputs add nothing; new data only adds the difference
    assert record(ledger, result_for(("a", 100000), ("b", 200000), ("z", 0)), "1", minutes=5).kind == "unchanged"
    top_up = record(ledger, result_for(("a", 100000), ("b", 250000), ("z", 0)), "3", minutes=6)
    ledger.approve(top_up.calculation_id, by="finance.lead", now=T0 + dt.timedelta(hours=2))
    second = export_calculation(ledger, top_up.calculation_id, tmp_path / "finance")
    with second.path.open(encoding="utf-8") as handle:
        top_rows = list(csv.DictReader(handle))
    assert [(r["creator_id"], r["kind"]) for r in top_rows] == [("b", "adjustment")]
    assert second.path != export.path
