"""SPEC 15's estimator on the would-be-treated, the sample ratio test, the MDE and the pooled loop, by hand."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy import stats

from creator_ops.core.experiments import (
    TOO_FEW,
    Z80,
    Z95,
    creators_needed,
    estimate_on_treated,
    minimum_detectable_effect,
    pooled_calibration,
    randomization_p,
    relabelling_seed,
    sample_ratio,
    share_needed,
    t_quantile,
)

# six would-be-treated: four treated, two held out; X does not vary, so θ = 0 and Y' = Y
Y = [1_000, 3_000, 2_000, 6_000, 500, 1_500]
X = [100, 100, 100, 100, 100, 100]
H = [False, False, False, False, True, True]


def test_welch_t_interval_by_hand():
    est = estimate_on_treated(Y, X, H, seed=1, draws=200)
    treated, held = [1_000, 3_000, 2_000, 6_000], [500, 1_500]
    mean_t, mean_h = sum(treated) / 4, sum(held) / 2
    var_t = sum((v - mean_t) ** 2 for v in treated) / 3
    var_h = sum((v - mean_h) ** 2 for v in held) / 1
    a, b = var_t / 4, var_h / 2
    df = (a + b) ** 2 / (a * a / 3 + b * b / 1)
    half = stats.t.ppf(0.975, df) * math.sqrt(a + b)
    assert est.theta == 0 and est.lift == pytest.approx(mean_t - mean_h)
    assert est.df == pytest.approx(df) and est.low == pytest.approx(mean_t - mean_h - half)
    assert est.high == pytest.approx(mean_t - mean_h + half)
    assert est.sd_adjusted == pytest.approx(np.std(Y, ddof=1))
    assert est.incremental == pytest.approx((mean_t - mean_h) * 4)


def test_randomization_p_enumerated_exactly_on_a_small_w():
    """With 15 possible labellings of 6 creators, 10,000 random draws estimate the exact share closely."""
    values = np.asarray(Y, dtype=float)
    observed = values[:4].mean() - values[4:].mean()
    extreme = 0
    for held in itertools.combinations(range(6), 2):
        mask = np.zeros(6, dtype=bool)
        mask[list(held)] = True
        extreme += abs(values[~mask].mean() - values[mask].mean()) >= abs(observed) - 1e-9
    exact = extreme / 15
    p = randomization_p(values, np.asarray(H), observed, seed=7)
    assert abs(p - exact) < 3 * math.sqrt(exact * (1 - exact) / 10_000) + 1e-4
    assert p >= 1 / 10_001


def test_randomization_p_of_a_small_holdout_matches_exact_enumeration():
    """20 creators, 3 held out: the Floyd path, against all 1,140 labellings."""
    rng = np.random.default_rng(12)
    values = np.round(rng.lognormal(8, 1.5, 20))
    held = np.zeros(20, dtype=bool)
    held[[2, 7, 11]] = True
    observed = values[~held].mean() - values[held].mean()
    extreme = 0
    for chosen in itertools.combinations(range(20), 3):
        mask = np.zeros(20, dtype=bool)
        mask[list(chosen)] = True
        extreme += abs(values[~mask].mean() - values[mask].mean()) >= abs(observed) - 1e-9
    exact = extreme / 1_140
    p = randomization_p(values, held, observed, seed=3)
    assert abs(p - exact) < 3 * math.sqrt(exact * (1 - exact) / 10_000) + 1e-4


def test_randomization_p_is_seeded_by_campaign_and_mechanism():
    seed = relabelling_seed("scd_1212", "traffic")
    assert seed == relabelling_seed("scd_1212", "traffic") != relabelling_seed("scd_1212", "samples")
    one = estimate_on_treated(Y * 5, X * 5, H * 5, seed=seed)
    two = estimate_on_treated(Y * 5, X * 5, H * 5, seed=seed)
    assert one.p_value == two.p_value and 0 < one.p_value <= 1


def test_p_counts_the_observed_labelling_with_a_zero_lift():
    est = estimate_on_treated([5, 5, 5, 5], [0, 0, 0, 0], [False, False, True, True], seed=3, draws=100)
    assert est.se == 0 and est.df is None and est.low == est.high == est.lift == 0
    assert est.p_value == 1.0 and est.significant is False


def test_significant_needs_both_interval_and_p():
    big = estimate_on_treated([10_000 + i for i in range(20)] + [i for i in range(20)], [0] * 40,
                              [False] * 20 + [True] * 20, seed=5)  # fmt: skip
    assert big.excludes_zero and big.p_value < 0.05 and big.significant and not big.disagree
    # one huge treated creator: Welch's interval on a small group can exclude 0 while p ≥ 0.05
    y = [0, 0, 0, 0, 0, 0, 0, 1_000_000, 10, 10, 0, 0]
    flags = [False] * 8 + [True] * 4
    est = estimate_on_treated(y, [0] * 12, flags, seed=11)
    assert est.significant is (bool(est.excludes_zero) and est.p_value < 0.05)


@pytest.mark.parametrize("flags", [[False, False, False, True], [True, True, True, False], []])
def test_too_few(flags):
    est = estimate_on_treated([1] * len(flags), [1] * len(flags), flags, seed=0)
    assert est.reason == TOO_FEW and est.lift is None and est.p_value is None and est.significant is None


def test_sample_ratio_by_hand():
    srm = sample_ratio(150, 1_800, "0.1")  # a holdout that lost a quarter: 150 left of 200 among 2,000
    chi2 = (150 - 195) ** 2 / 195 + (1_800 - 1_755) ** 2 / 1_755
    assert srm.chi2 == pytest.approx(chi2) and srm.p_value == pytest.approx(stats.chi2.sf(chi2, 1))
    assert srm.mismatch
    fair = sample_ratio(200, 1_800, 0.1)
    assert fair.chi2 == 0 and fair.p_value == 1 and not fair.mismatch
    assert sample_ratio(0, 0, 0.1).p_value is None and not sample_ratio(0, 0, 0.1).mismatch


def test_sample_ratio_passes_fair_splits_at_about_the_rate_it_promises():
    rng = np.random.default_rng(2026)
    holdouts = rng.binomial(2_000, 0.1, size=5_000)
    flagged = sum(sample_ratio(int(h), 2_000 - int(h), 0.1).mismatch for h in holdouts)
    rate = flagged / 5_000
    assert rate < 0.001 + 3 * math.sqrt(0.001 * 0.999 / 5_000)  # ≈ 0.1 %, binomial band


@pytest.mark.parametrize("campaigns", [200, pytest.param(2_000, marks=pytest.mark.slow)])
def test_sample_ratio_of_the_real_assignment_over_many_campaigns(campaigns):
    """The product's own hash split over campaigns of 2,000 creators at 0.1: flagged about 1 in 1,000."""
    import hashlib

    creators = [f"c{i:05d}" for i in range(2_000)]
    flagged = 0
    for k in range(campaigns):
        held = sum(
            int.from_bytes(hashlib.sha256(f"sim{k}|traffic|{c}".encode()).digest()[:8], "big") / 2**64 < 0.1
            for c in creators
        )
        flagged += sample_ratio(held, 2_000 - held, 0.1).mismatch
    expected = campaigns / 1_000
    assert flagged <= expected + 3 * math.sqrt(expected) + 1  # binomial band (Poisson) above the 0.1 % promised


def test_mde_by_hand_and_what_it_would_take():
    mde = minimum_detectable_effect(40_000.0, 108, 12)
    assert mde == pytest.approx((Z95 + Z80) * 40_000 * math.sqrt(1 / 108 + 1 / 12))
    assert minimum_detectable_effect(None, 108, 12) is None and minimum_detectable_effect(1.0, 0, 12) is None
    n = creators_needed(40_000.0, 10_000.0, 0.1)
    assert minimum_detectable_effect(40_000.0, round(n * 0.9), round(n * 0.1)) == pytest.approx(10_000, rel=0.01)
    q = share_needed(40_000.0, 30_000.0, 400)
    assert q is not None and 0 < q <= 0.5
    assert minimum_detectable_effect(40_000.0, 400 * (1 - q), 400 * q) == pytest.approx(30_000, rel=1e-6)
    assert share_needed(40_000.0, 100.0, 400) is None  # no share of 400 detects RM 1


def test_pooled_factor_by_hand():
    none = pooled_calibration([])
    assert none.factor == 1 and none.low == pytest.approx(1 - Z95) and none.campaigns == ()
    one = pooled_calibration([("a", 0.4, 1.5)])  # one noisy holdout barely moves the factor
    w = 1 / 1.5**2
    assert one.factor == pytest.approx((1 + 0.4 * w) / (1 + w)) and one.factor > 0.8
    ten = pooled_calibration([(f"c{i}", 0.5, 0.2) for i in range(10)])  # ten that agree move it far
    assert ten.factor == pytest.approx((1 + 10 * 0.5 / 0.04) / (1 + 10 / 0.04))
    assert ten.high - ten.low == pytest.approx(2 * Z95 / math.sqrt(1 + 250))
    mixed = pooled_calibration([("a", 2.0, 0.5), ("b", None, 0.5), ("c", -3.0, 2.0)])
    assert [c for c, *_ in mixed.campaigns] == ["a", "c"]
    assert mixed.factor == pytest.approx((1 + 2 / 0.25 - 3 / 4) / (1 + 4 + 0.25))
    assert sum(w for *_, w in mixed.campaigns) == pytest.approx(1 - 1 / (1 + 4 + 0.25))
    assert pooled_calibration([("neg", -5.0, 0.1)]).used == 0


@pytest.mark.parametrize("df", [1, 1.0001, 1.3, 2, 3.7, 7.9, 22.57, 49.8, 225.7, 1_000, 9_999, 1e4, 1e5, 1e9])
def test_t_quantile_is_students(df):
    """The plain-Python quantile (no scipy import in the review) agrees with scipy's t to 1e-11."""
    assert t_quantile(df) == pytest.approx(stats.t.ppf(0.975, df), rel=1e-11)
    assert t_quantile(df, 0.9) == pytest.approx(stats.t.ppf(0.9, df), rel=1e-11)


@pytest.mark.parametrize(("holdout", "treated", "share"), [(150, 1_800, 0.1), (200, 1_800, 0.1), (3, 40, 0.3),
                                                            (500, 500, 0.5), (0, 100, 0.1)])  # fmt: skip
def test_sample_ratio_p_is_pearsons_chi_squared_with_one_degree_of_freedom(holdout, treated, share):
    n = holdout + treated
    expected = np.array([n * share, n * (1 - share)])
    reference = stats.chisquare([holdout, treated], expected)
    srm = sample_ratio(holdout, treated, share)
    assert srm.chi2 == pytest.approx(reference.statistic) and srm.p_value == pytest.approx(reference.pvalue, rel=1e-9)


def _floyd_sums_stepped_over_whole_blocks(values: np.ndarray, k: int, draws: int, rng: np.random.Generator):
    """Floyd's algorithm as it ran before issue 29: each step drawn and applied to a whole block of rows."""
    from creator_ops.core.experiments import _FLOYD_ROWS

    n, sums, done = len(values), np.empty(draws), 0
    while done < draws:
        block = min(_FLOYD_ROWS, draws - done)
        taken, rows, total = np.zeros((block, n), dtype=bool), np.arange(block), np.zeros(block)
        for j in range(n - k, n):
            t = rng.integers(0, j + 1, block)
            pick = np.where(taken[rows, t], j, t)
            taken[rows, pick] = True
            total += values[pick]
        sums[done : done + block] = total
        done += block
    return sums


@pytest.mark.parametrize(("n", "k", "draws"), [(1_799, 187, 10_000), (1_796, 170, 10_000), (41, 3, 7_777), (9, 2, 501)])
def test_the_cached_floyd_steps_give_the_very_same_relabellings(n, k, draws):
    """Issue 29 reordered Floyd's work for the CPU cache, not the random stream: every sum (so every p) is equal."""
    from creator_ops.core.experiments import _subset_sums

    values = np.random.default_rng(n).integers(0, 5_000_000, n).astype(np.float64)
    expected = _floyd_sums_stepped_over_whole_blocks(values, k, draws, np.random.default_rng(11))
    assert np.array_equal(_subset_sums(values, k, draws, np.random.default_rng(11)), expected)
