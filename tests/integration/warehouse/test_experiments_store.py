"""SPEC 12's warehouse records on SQLite and PostgreSQL: assignments stable across reruns and spec edits, results, predictions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from creator_ops.core.experiments import in_holdout
from creator_ops.core.spec import parse_spec

pytestmark = pytest.mark.integration

BASE = {
    "id": "exp_store",
    "name": "Experiment store",
    "type": "scd",
    "timeline": {"event_start": "2027-03-10"},
    "experiments": {"traffic": {"holdout_share": "0.2"}, "samples": {"holdout_share": "0.2"}},
}
T0 = dt.datetime(2027, 3, 1, tzinfo=dt.UTC)
IDS = [f"creator_{i:04d}" for i in range(500)]


def _spec(**changes):
    return parse_spec({**BASE, **changes}, "exp_store.yaml")


def test_assignment_is_recorded_once_and_never_moves(warehouse_engine):
    from creator_ops.warehouse.experiments import assignments, record_assignments
    from creator_ops.warehouse.schema import experiment_assignments as a

    spec = _spec()
    held = record_assignments(warehouse_engine, spec, "traffic", IDS[:300], T0)
    assert held == {c for c in IDS[:300] if in_holdout(spec.id, "traffic", c, "0.2")} and 30 < len(held) < 90
    # a rerun a day later with more candidates, after edits outside `experiments` (name, targets, traffic)
    edited = _spec(name="Renamed", targets={"gmv_myr": 1000}, description="changed")
    again = record_assignments(warehouse_engine, edited, "traffic", IDS, T0 + dt.timedelta(days=1))
    assert again & set(IDS[:300]) == held
    recorded = assignments(warehouse_engine, spec.id, "traffic")
    assert len(recorded) == 500 and {c for c, g in recorded.items() if g == "holdout"} == again
    with warehouse_engine.connect() as conn:
        first_seen = dict(conn.execute(select(a.c.creator_id, a.c.first_seen_at).where(a.c.mechanism == "traffic")).all())
    assert first_seen["creator_0000"].replace(tzinfo=dt.UTC) == T0  # first seen is kept
    assert first_seen["creator_0499"].replace(tzinfo=dt.UTC) == T0 + dt.timedelta(days=1)
    # the other mechanism is drawn independently
    samples = record_assignments(warehouse_engine, spec, "samples", IDS, T0)
    assert samples != again


def test_no_experiments_records_nothing(warehouse_engine):
    from creator_ops.warehouse.experiments import assignments, record_assignments

    spec = _spec(experiments={})
    assert record_assignments(warehouse_engine, spec, "traffic", IDS, T0) == set()
    assert assignments(warehouse_engine, spec.id, "traffic") == {}


def test_latest_result_is_the_latest_earlier_campaign_of_the_type(warehouse_engine):
    from fractions import Fraction

    from creator_ops.core.review.values import Money, Ratio
    from creator_ops.warehouse.experiments import latest_result, store_results

    older = _spec(id="exp_older", timeline={"event_start": "2026-11-11"})
    newer = _spec(id="exp_newer", timeline={"event_start": "2027-01-11"})
    other_type = parse_spec({**BASE, "id": "exp_payday", "type": "payday", "timeline": {"event_start": "2027-01-25"}})
    current = _spec(id="exp_now", timeline={"event_start": "2027-03-10"})
    block = {"calibration": Ratio(Fraction(1, 4)), "incremental_gmv_myr": Money(50_000), "shipped_samples": None}
    store_results(warehouse_engine, older, {"traffic": {**block, "calibration": Ratio(Fraction(3, 4))}}, T0)
    store_results(warehouse_engine, newer, {"traffic": block, "samples": {**block, "shipped_samples": 20}}, T0)
    store_results(warehouse_engine, other_type, {"traffic": {**block, "calibration": Ratio(Fraction(9))}}, T0)
    found = latest_result(warehouse_engine, current, "traffic", need="calibration")
    assert found.campaign_id == "exp_newer" and found.calibration == Decimal("0.250000")
    assert latest_result(warehouse_engine, older, "traffic", need="calibration") is None  # nothing before it
    samples = latest_result(warehouse_engine, current, "samples", need="incremental_gmv_sen")
    assert (samples.incremental_gmv_sen, samples.units) == (50_000, 20)


def test_calibration_factor_names_its_source_and_how_sure_it_was(warehouse_engine, tmp_path):
    """SPEC 12's loop: traffic.calibrate takes the last measured calibration (at least 0) and says how sure it was."""
    from fractions import Fraction

    from creator_ops.core.review.values import Money, Ratio
    from creator_ops.core.steps import StepContext
    from creator_ops.steps.traffic import calibration_factor
    from creator_ops.warehouse.experiments import latest_result, store_results

    traffic = {"budget_myr": 1000, "cpm_myr": 10, "step_myr": 100, "efficiency": [1.0], "calibrate": True}
    current = _spec(id="exp_now", timeline={"event_start": "2027-03-10"}, traffic=traffic)

    def factor():
        ctx = StepContext(current, tmp_path / "exp_now.yaml", "manual__t", T0, T0, warehouse_engine)
        return calibration_factor(ctx)

    assert factor() == (Fraction(1), "no earlier scd campaign with a measured calibration: factor 1")
    earlier = _spec(id="exp_earlier", timeline={"event_start": "2027-01-11"})
    block = {
        "calibration": Ratio(Fraction(2)), "incremental_gmv_myr": Money(200_000),
        "incremental_gmv_ci95_myr": [Money(50_000), Money(350_000)], "predicted_incremental_gmv_myr": Money(100_000),
    }  # fmt: skip
    store_results(warehouse_engine, earlier, {"traffic": block}, T0)
    assert latest_result(warehouse_engine, current, "traffic", need="calibration").calibration_ci95 == (0.5, 3.5)
    value, source = factor()
    assert value == 2 and "exp_earlier" in source and "0.500 to 3.500" in source and "includes 1" in source
    # a negative measured calibration is used as 0 (SPEC 12: at least 0)
    store_results(warehouse_engine, earlier, {"traffic": {**block, "calibration": Ratio(Fraction(-1, 2)),
                                                          "incremental_gmv_ci95_myr": [Money(-90_000), Money(-10_000)]}},
                  T0)  # fmt: skip
    value, source = factor()
    assert value == 0 and "excludes 1" in source and "used as 0.000000" in source


def test_matchmaking_shows_the_last_samples_holdout_per_sample_with_its_interval(warehouse_engine, tmp_path):
    from creator_ops.core.review.values import Money
    from creator_ops.core.steps import StepContext
    from creator_ops.steps.matchmaking import measured_per_sample
    from creator_ops.warehouse.experiments import store_results

    current = _spec(id="exp_now", timeline={"event_start": "2027-03-10"})
    ctx = StepContext(current, tmp_path / "exp_now.yaml", "manual__m", T0, T0, warehouse_engine)
    assert measured_per_sample(ctx) is None  # no settled samples holdout of the type yet
    earlier = _spec(id="exp_earlier", timeline={"event_start": "2027-01-11"})
    block = {"incremental_gmv_myr": Money(40_000_00), "shipped_samples": 400, "significant": False,
             "incremental_gmv_ci95_myr": [Money(-20_000_00), Money(100_000_00)]}  # fmt: skip
    store_results(warehouse_engine, earlier, {"samples": block}, T0)
    measured = measured_per_sample(ctx)
    assert measured["incremental_gmv_per_sample_myr"] == "100.00" and measured["significant"] is False
    assert "RM 100.00 of incremental GMV per shipped sample" in measured["text"]
    assert "-RM 50.00 to RM 250.00 per sample, which includes zero" in measured["text"]


def test_predictions_are_kept_as_made_and_settled(warehouse_engine):
    from creator_ops.warehouse.experiments import latest_projection, settle_predictions, store_prediction

    for hour, value in ((1, 100), (2, 120), (2, 125)):  # the rerun of hour 2 replaces it
        store_prediction(warehouse_engine, "exp_store", "live_projection", T0 + dt.timedelta(hours=hour), value,
                         value - 10, value + 10, {"hour": hour}, T0)  # fmt: skip
    latest = latest_projection(warehouse_engine, "exp_store")
    assert (latest.predicted_sen, latest.low_sen, latest.detail) == (125, 115, {"hour": 2})
    assert settle_predictions(warehouse_engine, "exp_store", 130) == 2
    assert latest_projection(warehouse_engine, "exp_store").observed_sen == 130
