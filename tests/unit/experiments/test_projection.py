"""The live projection (SPEC 12): hand-computed cases, and its 80 % interval checked by simulation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from creator_ops.core.projection import Shape, backtest, cumulative_curve, project, shares_for


def test_curve_and_shares_line_up_events_of_other_lengths():
    assert cumulative_curve([10, 30, 60]) == [0.0, 0.1, 0.4, 1.0]
    assert cumulative_curve([0, 0]) == [0.0, 0.5, 1.0]  # nothing sold: flat
    # a 3-hour reference read for a 6-hour event: each hour gets half of its hour's share
    assert shares_for([0.0, 0.1, 0.4, 1.0], 6) == pytest.approx([0.05, 0.05, 0.15, 0.15, 0.3, 0.3])


def test_ratio_estimate_by_hand():
    shape = Shape.of(3, [("earlier", [10, 30, 60])])
    # after one hour: 20 sold where a campaign of this type sells 10 % → 200; one hour, one reference: no interval
    first = project([20], shape)
    assert (first.point_sen, first.low_sen, first.high_sen) == (200, None, None)
    # after two hours exactly on the shape: the hours do not scatter, so the interval is the point
    second = project([20, 60], shape)
    assert (second.point_sen, second.low_sen, second.high_sen) == (200, 200, 200)


def test_interval_by_hand_with_scatter():
    shape = Shape.of(4, [("earlier", [25, 25, 25, 25])])
    # after 2 hours: 10 and 30 sold, S = 0.5, L = 80; ε = 10/20 − 1 = −0.5 and 30/20 − 1 = 0.5, σ² = 0.5
    # variance = 80² × 0.5 × (2 × 0.0625 + 0.25 × 0.125 / 0.25) = 6400 × 0.5 × 0.25 = 800
    p = project([10, 30], shape)
    sd = math.sqrt(800)
    assert p.point_sen == 80
    assert p.low_sen == round(80 - 1.2815515655446004 * sd) and p.high_sen == round(80 + 1.2815515655446004 * sd)


def test_interval_never_below_what_was_sold():
    shape = Shape.of(4, [("earlier", [25, 25, 25, 25])])
    p = project([1, 300], shape)
    assert p.low_sen >= 301


def test_flat_shape_without_earlier_campaigns_says_so():
    p = project([100, 100], Shape.of(4, []))
    assert p.point_sen == 400 and "flat hourly shape" in p.note


TRUE_SHAPE = np.array([5, 3, 2, 1, 1, 1, 1, 2, 3, 4, 5, 6, 7, 6, 5, 5, 6, 7, 8, 9, 11, 12, 11, 8], dtype=float)


def _campaign(rng: np.random.Generator) -> list[int]:
    level = rng.lognormal(np.log(2_000_000_00), 0.4)
    noise = rng.gamma(16.0, 1 / 16.0, len(TRUE_SHAPE))  # each hour ±25 % around the shape
    return [int(v) for v in np.round(level * TRUE_SHAPE / TRUE_SHAPE.sum() * noise)]


def test_80_percent_interval_holds_the_final_about_80_percent_when_hours_scatter_independently():
    runs = 1_000
    hits = {0.25: 0, 0.5: 0, 0.75: 0}
    errors = {0.25: [], 0.5: [], 0.75: []}
    for seed in range(runs):
        rng = np.random.default_rng([1212, seed])
        references = [(f"r{i}", _campaign(rng)) for i in range(3)]
        target = _campaign(rng)
        shape = Shape.of(24, references)
        for fraction in hits:
            p = project(target[: round(24 * fraction)], shape)
            final = sum(target)
            hits[fraction] += p.low_sen <= final <= p.high_sen
            errors[fraction].append(abs(p.point_sen - final) / final)
    tolerance = 3 * math.sqrt(0.8 * 0.2 / runs)  # binomial, 3 sd: ±0.038
    for fraction, hit in hits.items():
        coverage = hit / runs
        print(f"at {fraction:.0%}: coverage {coverage:.3f} (80 % ± {tolerance:.3f}), "
              f"median abs error {np.median(errors[fraction]):.3%}")
        assert 0.8 - tolerance <= coverage <= 0.8 + tolerance
    assert np.median(errors[0.75]) < np.median(errors[0.25])


def test_backtest_replays_each_campaign_with_the_ones_before_it():
    rng = np.random.default_rng(5)
    campaigns = [(f"c{i}", _campaign(rng)) for i in range(4)]
    summary = backtest(campaigns)
    assert summary["campaigns"] == ["c0", "c1", "c2", "c3"]
    assert set(summary["checkpoints"]) == {"25%", "50%", "75%"}
    first = [p for p in summary["points"] if p.campaign_id == "c0"]
    assert len(first) == 3  # c0 is replayed on the flat shape: nothing came before it
    assert all(c["replays"] == 4 for c in summary["checkpoints"].values())
