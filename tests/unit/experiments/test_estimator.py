"""SPEC 12's estimator against hand-computed fixtures, and its interval against a known truth by simulation."""

from __future__ import annotations

import hashlib
import math

import numpy as np
import pytest

from creator_ops.core.experiments import (
    TOO_FEW,
    Z95,
    assignment_u,
    cuped_theta,
    estimate_lift,
    holdout_ids,
    in_holdout,
    population_arrays,
)

# --------------------------------------------------------------------------- hand-computed fixtures


def test_cuped_removes_what_x_predicts():
    # T = a, b; H = c, d.  X = 1, 3, 1, 3 (X̄ 2), Y = 10, 30, 0, 20 (Ȳ 15).
    # Σ(X−X̄)(Y−Ȳ) = (−1)(−5) + (1)(15) + (−1)(−15) + (1)(5) = 40, Σ(X−X̄)² = 4, θ = 10.
    # Y' = Y − 10 (X − 2) = 20, 20, 10, 10: lift 10 with no variance left, se 0.
    # Raw: means 20 and 10, s² = 200 in each group, se = sqrt(200/2 + 200/2) = sqrt(200).
    est = estimate_lift([10, 30, 0, 20], [1, 3, 1, 3], [False, False, True, True])
    assert (est.n_treated, est.n_holdout) == (2, 2)
    assert est.theta == 10.0
    assert (est.mean_treated, est.mean_holdout) == (20.0, 10.0)
    assert (est.cuped.lift, est.cuped.se, est.cuped.low, est.cuped.high) == (10.0, 0.0, 10.0, 10.0)
    assert est.cuped.excludes_zero
    assert est.raw.lift == 10.0
    assert est.raw.se == pytest.approx(math.sqrt(200), rel=1e-15)
    assert est.raw.low == pytest.approx(10 - 1.959963984540054 * math.sqrt(200), rel=1e-15)
    assert est.raw.high == pytest.approx(10 + 1.959963984540054 * math.sqrt(200), rel=1e-15)
    assert not est.raw.excludes_zero  # 10 ± 27.72
    assert est.incremental == 20.0 and est.incremental_interval == (20.0, 20.0)


def test_zero_variance_of_x_gives_theta_zero_and_cuped_equals_raw():
    # X constant: the denominator is exactly 0, so θ = 0 and Y' = Y.
    # T: 3, 5, 7 (mean 5, s² = 4); H: 1, 2, 3 (mean 2, s² = 1); lift 3, se = sqrt(4/3 + 1/3).
    est = estimate_lift([3, 5, 7, 1, 2, 3], [500] * 6, [False] * 3 + [True] * 3)
    assert est.theta == 0.0
    assert est.cuped == est.raw
    assert est.cuped.lift == 3.0
    assert est.cuped.se == pytest.approx(math.sqrt(5 / 3), rel=1e-15)
    assert est.cuped.low == pytest.approx(3 - Z95 * math.sqrt(5 / 3), rel=1e-15)


def test_constant_large_x_is_exactly_zero_variance():
    # a float mean of many equal large values may not be exactly that value; θ's exact sums never drift
    x = [987_654_321_07] * 1001
    assert cuped_theta(list(range(1001)), x) == 0


def test_all_zero_outcomes():
    est = estimate_lift([0] * 6, [10, 20, 30, 40, 50, 60], [False, True] * 3)
    assert est.theta == 0.0
    assert (est.cuped.lift, est.cuped.se, est.raw.lift, est.raw.se) == (0.0, 0.0, 0.0, 0.0)
    assert not est.cuped.excludes_zero  # [0, 0] holds 0
    assert est.incremental == 0.0


@pytest.mark.parametrize(
    "holdout",
    [
        [False, False, False, True],  # one in the holdout
        [True, True, True, False],  # one treated
        [False, False, False, False],  # a holdout share of 0: nobody held out
    ],
)
def test_too_few(holdout):
    est = estimate_lift([5, 6, 7, 8], [1, 2, 3, 4], holdout)
    assert est.reason == TOO_FEW
    assert est.theta is None and est.cuped is None and est.raw is None and est.mean_treated is None
    assert est.incremental is None and est.incremental_interval is None
    assert (est.n_treated, est.n_holdout) == (len(holdout) - sum(holdout), sum(holdout))


def test_share_zero_holds_nobody_out():
    ids = [f"c{i}" for i in range(1000)]
    assert holdout_ids("camp", "traffic", ids, 0) == set()
    assert holdout_ids("camp", "traffic", ids, None) == set()
    _, y, x, flags = population_arrays(ids, {}, {}, holdout_ids("camp", "traffic", ids, 0))
    assert estimate_lift(y, x, flags).reason == TOO_FEW


def test_population_arrays_fill_missing_with_zero():
    ids, y, x, flags = population_arrays(["b", "a", "c"], {"a": 100}, {"c": 7}, {"b"})
    assert (ids, y, x, flags) == (["a", "b", "c"], [100, 0, 0], [0, 0, 7], [False, True, False])


# --------------------------------------------------------------------------- assignment


def test_assignment_is_the_spec_formula():
    digest = hashlib.sha256(b"my_1212_2026|traffic|aisyah.glow88").digest()
    assert assignment_u("my_1212_2026", "traffic", "aisyah.glow88") == int.from_bytes(digest[:8], "big") / 2**64
    u = assignment_u("my_1212_2026", "traffic", "aisyah.glow88")
    assert in_holdout("my_1212_2026", "traffic", "aisyah.glow88", u + 1e-12)
    assert not in_holdout("my_1212_2026", "traffic", "aisyah.glow88", u)  # strictly below the share


def test_assignment_depends_on_mechanism_and_campaign_and_share_is_honoured():
    ids = [f"creator_{i:05d}" for i in range(20_000)]
    traffic = holdout_ids("c1", "traffic", ids, "0.1")
    samples = holdout_ids("c1", "samples", ids, "0.1")
    other = holdout_ids("c2", "traffic", ids, "0.1")
    # binomial: 2,000 expected, sd sqrt(20000 × 0.1 × 0.9) ≈ 42; allow 4 sd
    for held in (traffic, samples, other):
        assert abs(len(held) - 2_000) < 4 * 42.5
    # independent draws: the overlap is about 0.01 × 20,000 = 200 (sd ≈ 14)
    assert abs(len(traffic & samples) - 200) < 4 * 14.1 and abs(len(traffic & other) - 200) < 4 * 14.1
    # a larger share only adds creators: nobody moves from holdout to treated
    assert traffic <= holdout_ids("c1", "traffic", ids, "0.2")


# --------------------------------------------------------------------------- simulation against a known truth

REPLICATIONS = 2_000
N = 400


def _simulate(seed: int, *, predictive: bool, share: float = 0.2) -> tuple[float, object]:
    """One campaign with a known average effect: returns (truth per creator, estimate)."""
    rng = np.random.default_rng([20261212, seed])
    x = np.round(rng.gamma(2.0, 50_000, N)).astype(np.int64)  # pre-campaign GMV, sen (skewed)
    base = rng.gamma(2.0, 20_000, N)
    y0 = (0.8 * x + base) if predictive else (base + rng.gamma(2.0, 40_000, N))
    effect = rng.gamma(4.0, 2_500, N)  # heterogeneous effect, mean RM 100
    ids = [f"{seed}_{i}" for i in range(N)]
    held = np.array([in_holdout(f"sim{seed}", "traffic", c, share) for c in ids])
    y = np.round(y0 + np.where(held, 0.0, effect)).astype(np.int64)
    truth = float(effect.mean())  # the population's average effect: what the ITT difference estimates
    return truth, estimate_lift(y.tolist(), x.tolist(), held.tolist())


@pytest.fixture(scope="module")
def predictive_runs():
    return [_simulate(seed, predictive=True) for seed in range(REPLICATIONS)]


@pytest.fixture(scope="module")
def unrelated_runs():
    return [_simulate(seed, predictive=False) for seed in range(REPLICATIONS)]


def _coverage(runs, attr: str) -> float:
    hits = [getattr(est, attr).low <= truth <= getattr(est, attr).high for truth, est in runs]
    return sum(hits) / len(hits)


# binomial tolerance of a 95 % coverage over 2,000 replications: sd = sqrt(0.95 × 0.05 / 2000) ≈ 0.0049;
# 3 sd either side is [0.935, 0.965]
LOW, HIGH = 0.95 - 3 * math.sqrt(0.95 * 0.05 / REPLICATIONS), 0.95 + 3 * math.sqrt(0.95 * 0.05 / REPLICATIONS)


@pytest.mark.parametrize("attr", ["cuped", "raw"])
def test_interval_covers_the_truth_95_percent_when_x_predicts_y(predictive_runs, attr):
    coverage = _coverage(predictive_runs, attr)
    print(f"{attr} coverage (X predicts Y): {coverage:.4f} over {REPLICATIONS} seeds, tolerance [{LOW:.4f}, {HIGH:.4f}]")
    assert LOW <= coverage <= HIGH


@pytest.mark.parametrize("attr", ["cuped", "raw"])
def test_interval_covers_the_truth_95_percent_when_x_is_unrelated(unrelated_runs, attr):
    coverage = _coverage(unrelated_runs, attr)
    print(f"{attr} coverage (X unrelated): {coverage:.4f} over {REPLICATIONS} seeds, tolerance [{LOW:.4f}, {HIGH:.4f}]")
    assert LOW <= coverage <= HIGH


def test_cuped_narrows_the_interval_when_x_predicts_y(predictive_runs, unrelated_runs):
    narrowing = np.median([est.cuped.se / est.raw.se for _, est in predictive_runs])
    unrelated = np.median([est.cuped.se / est.raw.se for _, est in unrelated_runs])
    print(f"median CUPED se / raw se: {narrowing:.3f} when X predicts Y, {unrelated:.3f} when it does not")
    # X explains most of Y's variance (corr ≈ 0.85): the interval is about half as wide
    assert narrowing < 0.65
    # without a relation CUPED neither helps nor hurts by more than noise
    assert 0.97 < unrelated < 1.01


def test_estimate_is_unbiased(predictive_runs):
    errors = np.array([est.cuped.lift - truth for truth, est in predictive_runs])
    ses = np.array([est.cuped.se for _, est in predictive_runs])
    # mean error within 4 standard errors of the mean over the replications
    assert abs(errors.mean()) < 4 * ses.mean() / math.sqrt(REPLICATIONS)
