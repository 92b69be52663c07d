"""warehouse.queries on SQLite and PostgreSQL: the rows the core's rules and the UI read."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import insert

from creator_ops.warehouse import queries
from creator_ops.warehouse.schema import campaign_runs, payout_calculations

pytestmark = pytest.mark.integration

T0 = dt.datetime(2026, 12, 20, 2, 0, tzinfo=dt.UTC)


def _calculation(calculation_id: str, state: str, total_sen: int, at: dt.datetime, campaign: str = "c") -> dict:
    return {
        "calculation_id": calculation_id, "campaign_id": campaign, "run_id": "r", "state": state,
        "spec_sha256": "s" * 64, "inputs_sha256": "i" * 64, "creators": 3, "total_sen": total_sen,
        "budget_sen": 100_000, "scaled": False, "calculated_at": at,
    }


def test_latest_payout_and_last_run(warehouse_engine):
    assert queries.latest_payout(warehouse_engine, "c") is None
    assert queries.last_run(warehouse_engine, "c") is None
    with warehouse_engine.begin() as conn:
        conn.execute(insert(payout_calculations), [
            _calculation("old", "superseded", 500, T0),
            _calculation("new", "approved", 12_345, T0 + dt.timedelta(hours=1)),
            _calculation("other", "calculated", 1, T0 + dt.timedelta(hours=2), campaign="other"),
        ])
        conn.execute(insert(campaign_runs), [
            {"campaign_id": "c", "run_id": f"r{i}", "phase": phase, "interval_start": T0, "interval_end": T0,
             "updated_at": T0 + dt.timedelta(minutes=i)}
            for i, phase in enumerate(["cooling", "settlement"])
        ])
    assert queries.latest_payout(warehouse_engine, "c") == ("approved", 12_345, 3)
    phase, at = queries.last_run(warehouse_engine, "c")
    assert phase == "settlement" and at == T0 + dt.timedelta(minutes=1) and at.tzinfo is not None


def test_payouts_waiting_names_only_calculations_older_than_a_day(warehouse_engine):
    with warehouse_engine.begin() as conn:
        conn.execute(insert(payout_calculations), [
            _calculation("stale", "calculated", 100, T0),
            _calculation("fresh", "calculated", 100, T0 + dt.timedelta(hours=20)),
        ])
    now = T0 + dt.timedelta(hours=25)
    assert [r["calculation_id"] for r in queries.payouts_waiting(warehouse_engine, "c", now)] == ["stale"]


def test_problem_queries_and_measure_run_on_an_empty_warehouse(warehouse_engine):
    from creator_ops.core.paths import CAMPAIGNS_DIR
    from creator_ops.core.spec import load_spec
    from creator_ops.figures.campaign import measure

    spec = load_spec(CAMPAIGNS_DIR / "my_1212_2026.yaml")
    assert queries.quality_failures(warehouse_engine, spec.id, "run") == []
    assert queries.quarantine_by_file(warehouse_engine, spec.id, "run") == []
    metrics = measure(warehouse_engine, spec, spec.timeline.event_end)  # the figures layer, over the warehouse
    assert (metrics.creators_enrolled, metrics.eligible_gmv_sen, metrics.survey_responses) == (0, 0, 0)
