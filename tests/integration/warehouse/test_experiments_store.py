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


def record_assignments(engine, spec, mechanism, creator_ids, now):
    """What the steps do: the core assigns the groups, the warehouse records them; return the held-out ones."""
    from creator_ops.core.experiments import assign_holdout
    from creator_ops.warehouse.experiments import record_assignments as record

    assignment = assign_holdout(spec, mechanism, creator_ids)
    record(engine, assignment, now)
    return assignment.held


def test_assignment_is_recorded_once_and_never_moves(warehouse_engine):
    from creator_ops.warehouse.experiments import assignments
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
    from creator_ops.warehouse.experiments import assignments

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


def test_calibration_factor_pools_every_earlier_on_treated_calibration(warehouse_engine, tmp_path):
    """SPEC 15's loop: traffic.calibrate pools every earlier campaign's on-treated calibration with a prior of 1."""
    from fractions import Fraction

    from creator_ops.core.review.values import Money, Ratio
    from creator_ops.core.steps import StepContext
    from creator_ops.steps.traffic import calibration_factor, power_now
    from creator_ops.warehouse.experiments import store_results

    traffic = {"budget_myr": 1000, "cpm_myr": 10, "step_myr": 100, "efficiency": [1.0], "calibrate": True}
    current = _spec(id="exp_now", timeline={"event_start": "2027-03-10"}, traffic=traffic,
                    experiments={"traffic": {"holdout_share": 0.1}})  # fmt: skip
    ctx = StepContext(current, tmp_path / "exp_now.yaml", "manual__t", T0, T0, warehouse_engine)

    assert calibration_factor(ctx) == (Fraction(1), "no earlier scd campaign with an on-treated calibration: factor 1",
                                       [])  # fmt: skip
    assert power_now(ctx, "traffic", 90, 10, 5_000.0)["mde_myr"] is None  # no earlier campaign: unknown, said so

    def on_treated(calibration, se, sd_sen):
        return {"on_treated": {"calibration": Ratio(Fraction(calibration)), "calibration_se": Ratio(Fraction(se)),
                               "sd_adjusted_myr": Money(sd_sen)}}  # fmt: skip

    store_results(warehouse_engine, _spec(id="exp_a", timeline={"event_start": "2026-11-11"}),
                  {"traffic": on_treated("0.25", "0.5", 30_000)}, T0)  # fmt: skip
    store_results(warehouse_engine, _spec(id="exp_b", timeline={"event_start": "2027-01-11"}),
                  {"traffic": on_treated("0.5", "1", 40_000)}, T0)  # fmt: skip
    store_results(warehouse_engine, _spec(id="exp_null", timeline={"event_start": "2027-01-12"}),
                  {"traffic": {"calibration": Ratio(Fraction(9))}}, T0)  # section 12 only: does not count
    value, source, pooled = calibration_factor(ctx)
    assert float(value) == pytest.approx(2.5 / 6) and [x["campaign"] for x in pooled] == ["exp_a", "exp_b"]
    assert [x["weight"] for x in pooled] == [f"{4 / 6:.6f}", f"{1 / 6:.6f}"] and "exp_a 0.250" in source
    power = power_now(ctx, "traffic", 90, 10, 5_000.0)  # s from exp_b, the latest with an on-treated estimate
    assert power["mde_myr"] == f"{(1.959963984540054 + 0.8416212335729143) * 400 * (1 / 90 + 1 / 10) ** 0.5:.2f}"
    assert power["below_mde"] is True and "cannot tell the predicted effect from none" in power["text"]


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
