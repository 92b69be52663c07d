"""The ecosystem reads the payout results the payouts step stored; it never runs the payout engine (issue 29).

The hand-computed fixture's five campaigns go through the real steps (ingest, register a
payout-day run, `payouts.calculate`), on SQLite and PostgreSQL. Then:

- each campaign's facts read from the stored result equal the engine's over the same
  warehouse inputs (both paths computed), and so does the whole ecosystem;
- editing a stored result changes the ecosystem, with the engine made to fail if it runs;
- a recalculation after approval (an adjustment in the ledger) is read whole: the latest
  result on the current inputs, not the ledger's difference;
- a settled campaign with no stored result (settled by an older version) is left out and
  named, never guessed, and comes back once its payouts are calculated again.
"""

from __future__ import annotations

import json

import pyarrow as pa
import pytest
from ecosystem_fixture import ORDER, write_campaigns
from loading import folder_context, load_folder
from sqlalchemy import delete

from creator_ops.core import payouts
from creator_ops.core.ecosystem import campaign_facts, compute_ecosystem
from creator_ops.core.steps import StepSkipped
from creator_ops.figures.ecosystem import MissingPayoutResult, load_campaign_facts, load_ecosystem
from creator_ops.steps.ecosystem import build_ecosystem, creators_lost
from creator_ops.steps.ingest import ingest
from creator_ops.steps.payouts import calculate
from creator_ops.warehouse.campaign_data import current_samples
from creator_ops.warehouse.ecosystem import recorded_campaigns
from creator_ops.warehouse.payout_inputs import load_warehouse_inputs
from creator_ops.warehouse.payout_ledger import PayoutLedger
from creator_ops.warehouse.payout_results import store_result, stored_result
from creator_ops.warehouse.schema import payout_result_rows, payout_results

pytestmark = pytest.mark.integration
FOLDERS = {"c1": "c1", "c2": "c2", "c3_alpha": "z_alpha", "c3_beta": "a_beta", "c5": "c5"}


@pytest.fixture()
def loaded(warehouse_engine, tmp_path, monkeypatch):
    """The five campaigns settled through the real steps; returns (campaigns folder, landing folder)."""
    monkeypatch.setenv("CREATOR_OPS_DEMO", "1")
    root = write_campaigns(tmp_path / "campaigns")
    landing = tmp_path / "landing"
    for folder in sorted(root.iterdir()):
        load_folder(warehouse_engine, folder, landing)
    return root, landing


def engine_facts(engine, spec):
    """The payout engine over the campaign's warehouse inputs (what the ecosystem computed before issue 29)."""
    inputs = load_warehouse_inputs(engine, spec.id)
    return campaign_facts(spec, inputs.orders, inputs.enrollments, inputs.exclusions, current_samples(engine, spec.id))


def no_engine(monkeypatch):
    """Make every entry point of the payout engine fail: the ecosystem must not need it."""

    def ran(*args, **kwargs):
        raise AssertionError("the payout engine ran while building the ecosystem")

    monkeypatch.setattr(payouts, "calculate_payouts", ran)
    monkeypatch.setattr(payouts, "calculate_for_spec", ran)
    monkeypatch.setattr(payouts.PayoutSession, "__init__", ran)


def test_stored_results_are_the_engines_on_the_same_inputs(warehouse_engine, loaded):
    specs = recorded_campaigns(warehouse_engine)
    assert [s.id for s in specs] == ORDER
    from_engine = [engine_facts(warehouse_engine, spec) for spec in specs]
    from_store = [load_campaign_facts(warehouse_engine, spec) for spec in specs]
    assert from_store == from_engine  # enrolled, selling GMV and samples of every campaign (c3_alpha pays nothing)
    assert from_store[1].enrolled == {"a", "c", "d"} and dict(from_store[1].selling_gmv_sen) == {"c": 2000, "d": 4000}
    assert load_ecosystem(warehouse_engine).dumps() == compute_ecosystem(from_engine).dumps()


def test_editing_the_stored_result_changes_the_ecosystem_without_the_engine(warehouse_engine, loaded, tmp_path,
                                                                           monkeypatch):  # fmt: skip
    build_ecosystem(warehouse_engine, tmp_path / "before")
    before = json.loads((tmp_path / "before" / "ecosystem.json").read_text(encoding="utf-8"))
    assert before["selling_growth"]["c5"]["selling"] == 1  # a sold; f's only line was cancelled
    stored = stored_result(warehouse_engine, "c5")
    assert dict(stored.selling_gmv_sen) == {"a": 100000} and stored.enrolled == {"a", "b", "f"}
    # a recalculation (stood in for by writing the stored result directly): f now sells RM 30.00
    edited = pa.table({"creator_id": ["a", "f"], "eligible_gmv_sen": [100000, 3000], "eligible_orders": [1, 1],
                       "total_sen": [1500, 500]})  # fmt: skip
    store_result(warehouse_engine, "c5", edited, stored.enrolled, calculation_id=None, run_id="edited",
                 spec_sha256=stored.spec_sha256, inputs_sha256=stored.inputs_sha256)  # fmt: skip
    no_engine(monkeypatch)
    summary = build_ecosystem(warehouse_engine, tmp_path / "after")
    assert summary["campaigns"] == ORDER
    after = json.loads((tmp_path / "after" / "ecosystem.json").read_text(encoding="utf-8"))
    assert after["selling_growth"]["c5"]["selling"] == 2
    assert after["selling_growth"]["c5"]["new"] == before["selling_growth"]["c5"]["new"] + 1
    f_row = next(r for r in after["leaders"] if r["creator_id"] == "f")
    assert (f_row["campaigns_selling"], f_row["eligible_gmv_myr"]) == (1, "30.00")


def test_a_recalculation_after_approval_is_read_whole(warehouse_engine, loaded):
    root, landing = loaded
    ctx = folder_context(warehouse_engine, root / "c1", landing)
    ledger = PayoutLedger(warehouse_engine, "c1")
    ledger.approve(ledger.open_calculation()["calculation_id"], by="finance")
    # a corrected export: a sold RM 25.00 more; the ledger records the difference as an adjustment
    orders = landing / "c1" / "orders" / "orders.csv"
    orders.write_text(orders.read_text(encoding="utf-8") + "o5,1,a,2027-01-10 16:00:00,COMPLETED,25.00\n",
                      encoding="utf-8")  # fmt: skip
    ingest(ctx, "orders")
    recorded = calculate(ctx)
    assert recorded["kind"] == "adjustment"
    adjustment = {e["creator_id"]: e["eligible_gmv_sen"] for e in ledger.entries(recorded["calculation_id"])}
    assert adjustment == {"a": 2500}  # the ledger holds the difference ...
    facts = load_campaign_facts(warehouse_engine, ctx.spec)
    assert facts.selling_gmv_sen["a"] == 12500  # ... the ecosystem the whole latest result
    assert facts == engine_facts(warehouse_engine, ctx.spec)
    assert stored_result(warehouse_engine, "c1").calculation_id == recorded["calculation_id"]


def test_a_settled_campaign_without_a_stored_result_is_named_not_guessed(warehouse_engine, loaded, tmp_path,
                                                                         monkeypatch):  # fmt: skip
    root, landing = loaded
    with warehouse_engine.begin() as conn:  # as a campaign settled before 0018_payout_results
        conn.execute(delete(payout_result_rows).where(payout_result_rows.c.campaign_id == "c2"))
        conn.execute(delete(payout_results).where(payout_results.c.campaign_id == "c2"))
    spec = next(s for s in recorded_campaigns(warehouse_engine) if s.id == "c2")
    with pytest.raises(MissingPayoutResult, match="c2 has no stored payout result"):
        load_campaign_facts(warehouse_engine, spec)
    summary = build_ecosystem(warehouse_engine, tmp_path / "out")
    assert summary["campaigns"] == [c for c in ORDER if c != "c2"] and summary["missing"] == ["c2"]
    data = json.loads((tmp_path / "out" / "ecosystem.json").read_text(encoding="utf-8"))
    assert "rerun its payouts.calculate" in data["missing"]["c2"]
    html = (tmp_path / "out" / "ecosystem.html").read_text(encoding="utf-8")
    assert "Not included: campaign c2 has no stored payout result" in html
    # c3_alpha's creators-lost count needs c2's sellers: skipped with the reason, never counted from nothing
    alpha = folder_context(warehouse_engine, root / FOLDERS["c3_alpha"], landing)
    with pytest.raises(StepSkipped, match="c2 has no stored payout result"):
        creators_lost(alpha)
    # its payouts calculated again: back in, the same figures as the command line's
    calculate(folder_context(warehouse_engine, root / "c2", landing))
    no_engine(monkeypatch)
    again = build_ecosystem(warehouse_engine, tmp_path / "again")
    assert again["campaigns"] == ORDER and "missing" not in again
