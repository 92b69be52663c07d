"""Payout steps without Airflow: calculate from the warehouse, refuse untrusted data, export after approval."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from repo_paths import DEMO_SPEC as SPEC

from creator_ops.core.spec import load_spec
from creator_ops.core.steps import DataNotTrusted, StepContext, StepSkipped
from creator_ops.steps import payouts as steps
from creator_ops.warehouse.payout_ledger import PayoutLedger
from creator_ops.warehouse.schema import enrollments, ingested_files, order_lines, quality_results

pytestmark = pytest.mark.integration
T = dt.datetime(2026, 12, 12, 4, tzinfo=dt.UTC)  # 12:00 on 12.12 in Kuala Lumpur


def seed(engine, campaign: str) -> None:
    with engine.begin() as conn:
        for file_id, dataset in ((1, "orders"), (2, "enrollments")):
            conn.execute(ingested_files.insert().values(
                file_id=file_id, campaign_id=campaign, dataset=dataset, source_uri=f"/x/{dataset}",
                sha256=dataset.ljust(64, "0"), size_bytes=1, status="accepted", rows_in=1, rows_accepted=1,
                rows_quarantined=0, ingested_at=T,
            ))
        conn.execute(order_lines.insert().values(
            file_id=1, row_number=1, campaign_id=campaign, order_id="o1", line_id="1", creator_id="alice",
            order_time=T, status="completed", gmv_sen=101800,
        ))
        conn.execute(enrollments.insert().values(
            file_id=2, row_number=1, campaign_id=campaign, creator_id="alice",
            registered_at=T - dt.timedelta(days=10), is_new_creator=True,
        ))


def context(engine, run_id: str = "scheduled__payout") -> StepContext:
    spec = load_spec(SPEC)
    start = spec.timeline.payout_date
    return StepContext(spec=spec, spec_path=SPEC, run_id=run_id, interval_start=start, interval_end=start, engine=engine)


def quality(engine, campaign: str, dataset: str, success: bool, at: dt.datetime, names=()) -> None:
    with engine.begin() as conn:
        conn.execute(quality_results.insert().values(
            campaign_id=campaign, dataset=dataset, file_id=None, run_id=f"run-{at.isoformat()}", suite=dataset,
            success=success, evaluated=5, failed=len(names), validated_at=at,
            failed_expectations_json=json.dumps([{"name": n} for n in names]),
        ))


def test_untrusted_data_is_refused_until_a_later_validation_passes(warehouse_engine, tmp_path, monkeypatch):
    monkeypatch.setenv("CREATOR_OPS_OUTPUT_ROOT", str(tmp_path))
    seed(warehouse_engine, "my_1212_2026")
    quality(warehouse_engine, "my_1212_2026", "orders", False, T, ["expect_column_values_to_be_unique"])
    ctx = context(warehouse_engine)
    with pytest.raises(DataNotTrusted, match="orders: expect_column_values_to_be_unique"):
        steps.calculate(ctx)
    with pytest.raises(DataNotTrusted):
        steps.export_for_finance(ctx)
    quality(warehouse_engine, "my_1212_2026", "orders", True, T + dt.timedelta(hours=1))
    out = steps.calculate(ctx)
    # 1018.00: tier 50 + commission 2% 20.36 + new creator 20 + first prize 5000
    assert out["kind"] == "payout" and out["total_myr"] == "5090.36"
    assert out["quality_warnings"] == ["enrollments was never validated by the quality stage"]


def test_calculate_approve_export_without_airflow(warehouse_engine, tmp_path, monkeypatch):
    monkeypatch.setenv("CREATOR_OPS_OUTPUT_ROOT", str(tmp_path))
    seed(warehouse_engine, "my_1212_2026")
    ctx = context(warehouse_engine)
    with pytest.raises(StepSkipped):
        steps.export_for_finance(ctx)  # nothing was put to approval
    first = steps.calculate(ctx)
    request = steps.prepare_approval(ctx)
    assert request.calculation_id == first["calculation_id"]
    assert "RM 5,090.36" in request.subject and "alice" in request.body and "enrollments was never validated" in request.body
    steps.record_decision(ctx, approved=True, by="finance.lead", note=None)
    exported = steps.export_for_finance(ctx)
    again = steps.export_for_finance(ctx)
    assert exported == again and exported["row_count"] == 1 and exported["control_total_myr"] == "5090.36"
    assert PayoutLedger(warehouse_engine, "my_1212_2026").calculation(first["calculation_id"])["state"] == "exported"
    assert (tmp_path / "my_1212_2026" / "payouts" / f"calculation_{first['calculation_id'][:12]}.csv").exists()
