"""Quality steps on a real warehouse (SQLite and PostgreSQL): store verdicts, rerun, untrusted data sets."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, insert, select

from creator_ops.core.spec import load_spec
from creator_ops.core.steps import StepContext, StepSkipped
from creator_ops.demo.data import generate
from creator_ops.steps.quality import untrusted_datasets, validate_enrollments, validate_orders
from creator_ops.warehouse.schema import enrollments, ingested_files, order_lines, quality_results

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[3]
SPEC_PATH = ROOT / "include" / "campaigns" / "my_1212_2026.yaml"
SPEC = load_spec(SPEC_PATH)


def _py(value):
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return value.to_pydatetime() if isinstance(value, pd.Timestamp) else value


def land(engine, dataset: str, table, frame: pd.DataFrame, run_id: str, *, quarantined: int = 0) -> int:
    """Register a file of this run and load its accepted rows, as ingestion does."""
    with engine.begin() as conn:
        file_id = conn.execute(
            insert(ingested_files).returning(ingested_files.c.file_id),
            {
                "campaign_id": SPEC.id, "dataset": dataset, "source_uri": f"file:///landing/{dataset}/{run_id}.csv",
                "sha256": f"{hash((dataset, run_id, len(frame))) & (2**64 - 1):064x}", "size_bytes": 1234,
                "status": "accepted", "rows_in": len(frame) + quarantined, "rows_accepted": len(frame),
                "rows_quarantined": quarantined, "run_id": run_id, "ingested_at": dt.datetime.now(dt.UTC),
            },
        ).scalar_one()  # fmt: skip
        rows = [
            {"file_id": file_id, "row_number": i + 1, "campaign_id": SPEC.id, **{k: _py(v) for k, v in r.items()}}
            for i, r in enumerate(frame.to_dict(orient="records"))
        ]
        conn.execute(insert(table), rows)
    return file_id


def ctx(engine, run_id: str) -> StepContext:
    start = SPEC.timeline.event_start
    return StepContext(SPEC, SPEC_PATH, run_id, start, start + dt.timedelta(hours=1), engine)


@pytest.fixture(scope="module")
def demo():
    return generate(SPEC, creators=120, seed=9)


def test_nothing_landed_skips_with_the_reason(warehouse_engine):
    with pytest.raises(StepSkipped, match="no orders file was ingested in run r0"):
        validate_orders(ctx(warehouse_engine, "r0"))
    assert untrusted_datasets(warehouse_engine, SPEC.id) == {}


def test_verdicts_are_stored_rerun_upserts_and_a_fixed_file_restores_trust(warehouse_engine, demo):
    engine = warehouse_engine
    good = demo.accepted("orders")
    land(engine, "orders", order_lines, good, "r1")
    land(engine, "enrollments", enrollments, demo.accepted("enrollments"), "r1")
    result = validate_orders(ctx(engine, "r1"))
    assert result["passed"] and result["files"] == 1
    assert validate_enrollments(ctx(engine, "r1"))["passed"]
    assert untrusted_datasets(engine, SPEC.id) == {}

    broken = good.copy()
    broken.loc[0, "gmv_sen"] = 10**12  # RM 10 billion on one line: a mis-parsed amount
    broken.loc[1, "order_time"] = pd.Timestamp("2026-01-01T00:00:00Z")
    land(engine, "orders", order_lines, broken, "r2", quarantined=len(broken))  # half the file quarantined
    first = validate_orders(ctx(engine, "r2"))
    again = validate_orders(ctx(engine, "r2"))  # a rerun of the task replaces the verdict
    assert not first["passed"] and first["failed"] == again["failed"]
    expected = ["gmv_plausible", "order_time_near_event", "quarantine_share_below_threshold"]
    assert sorted(first["failed"]) == expected
    assert sorted(untrusted_datasets(engine, SPEC.id)["orders"]) == expected
    assert "enrollments" not in untrusted_datasets(engine, SPEC.id)
    with engine.connect() as conn:
        stored = conn.execute(
            select(func.count(), func.max(quality_results.c.row_count)).where(quality_results.c.run_id == "r2")
        ).one()
        assert tuple(stored) == (1, len(broken))
        report = conn.execute(select(quality_results.c.report_json).where(quality_results.c.run_id == "r2")).scalar()
        assert '"gmv_plausible"' in report

    land(engine, "orders", order_lines, good, "r3")  # ops drop the corrected export; the next run validates it
    assert validate_orders(ctx(engine, "r3"))["passed"]
    assert untrusted_datasets(engine, SPEC.id) == {}
