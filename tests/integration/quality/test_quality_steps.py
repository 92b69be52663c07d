"""Quality steps on a real warehouse (SQLite and PostgreSQL): store verdicts, rerun, untrusted data sets."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from repo_paths import DEMO_SPEC as SPEC_PATH
from sqlalchemy import func, insert, select, update

from creator_ops.core.spec import load_spec
from creator_ops.core.steps import StepContext, StepSkipped
from creator_ops.stand_ins.data import generate
from creator_ops.steps.quality import untrusted_datasets, validate
from creator_ops.warehouse.schema import enrollments, ingested_files, order_lines, quality_results

pytestmark = pytest.mark.integration
SPEC = load_spec(SPEC_PATH)


def _py(value):
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return value.to_pydatetime() if isinstance(value, pd.Timestamp) else value


def land(
    engine, dataset: str, table, frame: pd.DataFrame, run_id: str, *, quarantined: int = 0, name: str = ""
) -> int:
    """Register a file of this run landed as `name` (default `<run_id>.csv`); load its rows as ingest does."""
    name = name or f"{run_id}.csv"
    content = pd.util.hash_pandas_object(frame).sum()
    with engine.begin() as conn:
        file_id = conn.execute(
            insert(ingested_files).returning(ingested_files.c.file_id),
            {
                "campaign_id": SPEC.id, "dataset": dataset, "source_uri": f"file:///landing/{dataset}/{name}",
                "sha256": f"{hash((dataset, run_id, name, int(content))) & (2**64 - 1):064x}",
                "size_bytes": 1234,
                "status": "accepted", "rows_in": len(frame) + quarantined, "rows_accepted": len(frame),
                "rows_quarantined": quarantined, "run_id": run_id, "ingested_at": dt.datetime.now(dt.UTC),
            },
        ).scalar_one()  # fmt: skip
        rows = [
            {"file_id": file_id, "row_number": i + 1, "campaign_id": SPEC.id}
            | {k: _py(v) for k, v in r.items()}
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
        validate(ctx(warehouse_engine, "r0"), "orders")
    assert untrusted_datasets(warehouse_engine, SPEC.id) == {}


def test_verdicts_are_stored_rerun_upserts_and_a_fixed_file_restores_trust(warehouse_engine, demo):
    engine = warehouse_engine
    good = demo.accepted("orders")
    land(engine, "orders", order_lines, good, "r1")
    land(engine, "enrollments", enrollments, demo.accepted("enrollments"), "r1")
    result = validate(ctx(engine, "r1"), "orders")
    assert result["passed"] and result["files"] == 1
    assert validate(ctx(engine, "r1"), "enrollments")["passed"]
    assert untrusted_datasets(engine, SPEC.id) == {}

    broken = good.copy()
    broken.loc[0, "gmv_sen"] = 10**12  # RM 10 billion on one line: a mis-parsed amount
    broken.loc[1, "order_time"] = pd.Timestamp("2026-01-01T00:00:00Z")
    land(engine, "orders", order_lines, broken, "r2", quarantined=len(broken))  # half the file quarantined
    first = validate(ctx(engine, "r2"), "orders")
    again = validate(ctx(engine, "r2"), "orders")  # a rerun of the task replaces the verdict
    assert not first["passed"] and first["failed"] == again["failed"]
    expected = ["gmv_plausible", "order_time_near_event", "quarantine_share_below_threshold"]
    assert sorted(first["failed"]) == expected
    assert sorted(untrusted_datasets(engine, SPEC.id)["orders"]) == expected
    assert "enrollments" not in untrusted_datasets(engine, SPEC.id)
    with engine.connect() as conn:
        stored = conn.execute(
            select(func.count(), func.max(quality_results.c.row_count)).where(
                quality_results.c.run_id == "r2"
            )
        ).one()
        assert tuple(stored) == (1, len(broken))
        report = conn.execute(
            select(quality_results.c.report_json).where(quality_results.c.run_id == "r2")
        ).scalar()
        assert '"gmv_plausible"' in report

    land(engine, "orders", order_lines, good, "r3")  # a good file under another name fixes nothing
    assert validate(ctx(engine, "r3"), "orders")["passed"]
    assert sorted(untrusted_datasets(engine, SPEC.id)["orders"]) == expected

    # ops land the corrected export under the bad one's name; the next run validates it
    land(engine, "orders", order_lines, good, "r4", name="r2.csv")
    assert validate(ctx(engine, "r4"), "orders")["passed"]
    assert untrusted_datasets(engine, SPEC.id) == {}


def test_fixing_the_data_and_rerunning_in_the_same_run_restores_trust(warehouse_engine, demo):
    engine = warehouse_engine
    good = demo.accepted("orders")
    broken = good.copy()
    broken.loc[0, "status"] = "shipped?"
    bad_id = land(engine, "orders", order_lines, broken, "r5", name="orders_1212.csv")
    land(engine, "enrollments", enrollments, demo.accepted("enrollments"), "r5")
    first = validate(ctx(engine, "r5"), "orders")
    assert first["failed"] == ["status_known"]
    assert untrusted_datasets(engine, SPEC.id) == {"orders": ["status_known"]}

    # ops re-export the same file name; the ingest task reruns in r5, then the quality task
    fixed_id = land(engine, "orders", order_lines, good, "r5", name="orders_1212.csv")
    again = validate(ctx(engine, "r5"), "orders")
    assert again["passed"] and again["files"] == 1 and again["reports"][0]["file_id"] == fixed_id
    assert again["superseded_verdicts_dropped"] == [bad_id]
    assert untrusted_datasets(engine, SPEC.id) == {}
    with engine.connect() as conn:  # the run's alert and report see only the corrected file's verdict
        stored = conn.execute(
            select(quality_results.c.file_id, quality_results.c.success).where(
                quality_results.c.run_id == "r5", quality_results.c.dataset == "orders"
            )
        ).all()
    assert [tuple(row) for row in stored] == [(fixed_id, True)]
    rerun = validate(ctx(engine, "r5"), "orders")
    assert rerun["passed"] and rerun["superseded_verdicts_dropped"] == []  # nothing stale is left


def test_a_bad_file_stays_untrusted_until_re_landed_or_retired(warehouse_engine, demo):
    engine = warehouse_engine
    good = demo.accepted("orders")
    broken = good.copy()
    broken.loc[2, "gmv_sen"] = -1
    day1 = land(engine, "orders", order_lines, broken, "r6", name="day1.csv")
    land(engine, "orders", order_lines, good.head(50), "r7", name="day2.csv")
    assert not validate(ctx(engine, "r6"), "orders")["passed"]
    assert validate(ctx(engine, "r7"), "orders")["passed"]  # a later run passed, yet day 1 is still there
    assert untrusted_datasets(engine, SPEC.id) == {"orders": ["gmv_plausible"]}
    with engine.begin() as conn:  # ops retire day 1 without re-landing it
        retire = update(ingested_files).where(ingested_files.c.file_id == day1)
        conn.execute(retire.values(status="superseded"))
    assert untrusted_datasets(engine, SPEC.id) == {}
    with pytest.raises(StepSkipped, match="no orders file was ingested in run r6"):
        validate(ctx(engine, "r6"), "orders")
