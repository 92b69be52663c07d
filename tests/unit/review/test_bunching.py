"""SPEC 16, the estimator against hand-computed fixtures: bins, fit, excess and missing mass, pushed GMV, cost, placebos."""

from __future__ import annotations

import json

import numpy as np
import pytest

from creator_ops.core.review import dumps
from creator_ops.core.review.bunching import (
    bin_counts,
    bootstrap,
    estimate,
    incentive_response,
    masses_agree,
    placebo_thresholds,
    seed_for,
    stands_out,
    too_few_notes,
)

T = 500_000  # RM 5,000.00: bins of RM 100.00
W = T // 50


def creators_from_counts(counts: dict[int, int] | list[int], threshold: int = T, *, at: int = 0) -> np.ndarray:
    """Eligible GMV (sen) of creators placed `at` sen into their bin j (a list: bins −25…24 in order)."""
    width = threshold // 50
    items = counts.items() if isinstance(counts, dict) else zip(range(-25, 25), counts, strict=True)
    return np.array([threshold + j * width + at for j, c in items for _ in range(c)], dtype=np.int64)


def flat(per_bin: int = 20) -> dict[int, int]:
    return dict.fromkeys(range(-25, 25), per_bin)


def test_bins_are_half_open_and_fifty_wide():
    gmv = np.array([T - 25 * W - 1, T - 25 * W, T - 1, T, T + W - 1, T + W, T + 25 * W - 1, T + 25 * W])
    counts = bin_counts(gmv, T)
    assert len(counts) == 50 and counts.sum() == 6  # the first and the last are outside the window
    assert counts[0] == 1 and counts[24] == 1 and counts[25] == 2 and counts[26] == 1 and counts[49] == 1


def test_a_flat_distribution_has_no_excess_and_the_fit_is_the_counts():
    point = estimate(bin_counts(creators_from_counts(flat()), T), W)
    assert point.excess == pytest.approx(0, abs=1e-9)
    assert point.missing == pytest.approx(0, abs=1e-9)
    assert point.pushed_gmv_sen == pytest.approx(0, abs=1e-6)
    assert point.fitted == pytest.approx([20.0] * 50)


def test_any_smooth_degree_five_shape_is_fitted_exactly():
    j = np.arange(-25, 25, dtype=float)
    counts = np.round(40 - 0.8 * j + 0.01 * j**2 + 0.0004 * j**3).astype(int)  # integer, cubic
    point = estimate(counts, W)
    assert point.fitted == pytest.approx(counts, abs=0.6)  # rounding to whole creators only
    assert abs(point.excess) < 1.5 and abs(point.missing) < 3


def test_a_block_moved_from_below_to_above_comes_back_with_its_gmv():
    # 10 creators from bin −5 and 10 from bin −4 pass the threshold and land in bin 0
    counts = flat()
    counts[-5] -= 10
    counts[-4] -= 10
    counts[0] += 20
    [entry] = incentive_response("c", [(T, 30_000)], creators_from_counts(counts))
    assert float(entry["excess"]) == pytest.approx(20) and float(entry["missing"]) == pytest.approx(20)
    # by hand: 10 × 4.5 w + 10 × 3.5 w (from their bins' centres to T) + 20 × 0.5 w (from T into bin 0)
    assert entry["pushed_gmv_myr"].sen == (10 * 4.5 + 10 * 3.5 + 20 * 0.5) * W
    # RM 300 for each of the 25 × 20 + 20 creators at or above T (no tier above)
    assert entry["tier_cost_myr"].sen == 30_000 * 520
    # a ratio (RM of GMV per bonus RM), a JSON number like SPEC 16's other ratios, not a money string
    assert float(entry["gmv_per_bonus_myr"]) == pytest.approx((10 * 4.5 + 10 * 3.5 + 20 * 0.5) * W / (30_000 * 520))
    assert entry["counts"][20] == 10 and entry["counts"][25] == 40
    assert [float(f) for f in entry["fitted"]] == pytest.approx([20.0] * 50)
    assert entry["reason"] is None
    assert masses_agree(entry) is True


def test_the_bonus_is_over_the_tier_below_and_the_cost_counts_only_this_tier():
    gmv = np.concatenate([creators_from_counts(flat()), creators_from_counts(flat(), 1_000_000)])
    low, high = incentive_response("c", [(1_000_000, 80_000), (T, 30_000)], gmv)  # given out of order
    assert (low["threshold_myr"].sen, low["bonus_myr"].sen) == (T, 30_000)
    assert (high["threshold_myr"].sen, high["bonus_myr"].sen) == (1_000_000, 50_000)
    at_low = int(np.count_nonzero((gmv >= T) & (gmv < 1_000_000)))
    assert low["tier_cost_myr"].sen == 30_000 * at_low
    assert high["tier_cost_myr"].sen == 50_000 * int(np.count_nonzero(gmv >= 1_000_000))


def test_fewer_than_200_creators_in_the_bins_is_too_few_with_every_figure_null():
    gmv = creators_from_counts({j: 4 for j in range(-25, 25)} | {0: 3})  # 199 in the 50 bins
    [entry] = incentive_response("c", [(T, 30_000)], np.append(gmv, [1, 10**9]))  # two far outside
    assert entry["reason"] == "too_few"
    figures = {k: v for k, v in entry.items() if k not in ("threshold_myr", "bonus_myr", "bin_myr", "reason")}
    assert set(figures.values()) == {None}
    [enough] = incentive_response("c", [(T, 30_000)], creators_from_counts({j: 4 for j in range(-25, 25)}))
    assert enough["reason"] is None and sum(enough["counts"]) == 200
    assert too_few_notes([entry]) == [
        "incentive response at 5000.00 MYR: not estimated (too_few): fewer than 200 selling creators have GMV "
        "within 50 % of it"
    ]


@pytest.mark.parametrize("threshold", [0, 49, 4_999])
def test_a_threshold_under_rm_50_is_too_few_with_its_reason_not_an_error(threshold):
    gmv = np.arange(0, 20_000, 3, dtype=np.int64)  # thousands of creators around it
    [entry] = incentive_response("c", [(threshold, 1_000)], gmv)
    assert entry["reason"] == "too_few" and entry["excess"] is None
    assert "under RM 50.00" in too_few_notes([entry])[0]


def test_placebos_skip_what_lies_within_30_percent_of_a_real_threshold():
    thresholds = [100_000, 500_000, 2_000_000]
    # 0.8 T and 1.25 T are within 30 % of T itself; 0.7 T and 1.4 T are exactly 30 % and 40 % away
    assert placebo_thresholds(100_000, thresholds) == [70_000, 140_000]
    assert placebo_thresholds(500_000, thresholds) == [350_000, 700_000]
    assert placebo_thresholds(2_000_000, thresholds) == [1_400_000, 2_800_000]
    # RM 1,400 is within 30 % of a tier at RM 1,300 (|1400 − 1300| = 100 < 390)
    assert placebo_thresholds(100_000, [100_000, 130_000]) == [70_000]
    assert placebo_thresholds(333, [333]) == [233, 466]  # integer arithmetic: T × 7 // 10, T × 14 // 10


def test_placebo_excess_is_the_same_estimate_there_and_null_when_too_few():
    # one creator every RM 1.00 from RM 1,750 to RM 7,500: flat in the placebo's bins at RM 3,500 too
    uniform = np.arange(175_000, 750_000, 100, dtype=np.int64)
    [entry] = incentive_response("c", [(T, 30_000)], uniform)
    assert set(entry["placebo"]) == {"3500.00", "7000.00"}
    assert float(entry["placebo"]["3500.00"]) == pytest.approx(0, abs=1e-6)
    assert float(entry["excess"]) == pytest.approx(0, abs=1e-6)
    # 4 creators a bin around RM 5,000 only: about 110 of them in the bins at RM 3,500, 160 at RM 7,000
    [sparse] = incentive_response("c", [(T, 30_000)], creators_from_counts(flat(4)))
    assert sparse["reason"] is None and sparse["placebo"] == {"3500.00": None, "7000.00": None}


def test_the_review_reads_bunching_only_when_it_stands_out_of_its_placebos():
    counts = flat(40)
    counts[-3] -= 30
    counts[-2] -= 30
    counts[0] += 60
    gmv = np.concatenate([creators_from_counts(counts), creators_from_counts(flat(40), 350_000)])
    [entry] = incentive_response("c", [(T, 30_000)], gmv)
    assert stands_out(entry) is True
    [none] = incentive_response("c", [(T, 30_000)], np.concatenate([creators_from_counts(flat(40)), gmv[2000:]]))
    assert stands_out(none) is False
    assert stands_out({**entry, "placebo": {"3500.00": None, "7000.00": None}}) is None  # nothing to compare with


def test_excess_and_missing_disagree_when_the_push_comes_from_outside_the_window():
    counts = flat(40)
    counts[-12] -= 30  # 10-25 % short of the threshold: outside the five bins below it
    counts[-11] -= 30
    counts[0] += 60
    [entry] = incentive_response("c", [(T, 30_000)], creators_from_counts(counts))
    assert float(entry["excess"]) > 40 and float(entry["missing"]) < 20
    assert masses_agree(entry) is False


def test_the_estimate_is_deterministic_and_seeded_from_the_campaign_and_threshold():
    rng = np.random.default_rng(3)
    gmv = np.round(rng.lognormal(np.log(T), 0.6, 4_000)).astype(np.int64)
    first = dumps({"r": incentive_response("c1", [(T, 30_000)], gmv)})
    assert first == dumps({"r": incentive_response("c1", [(T, 30_000)], gmv)})
    assert first != dumps({"r": incentive_response("c2", [(T, 30_000)], gmv)})  # another generator
    a = seed_for("c1", T).integers(0, 10**9, 3)
    assert list(a) == list(seed_for("c1", T).integers(0, 10**9, 3))
    assert list(a) != list(seed_for("c1", T + 1).integers(0, 10**9, 3))


def test_review_json_writes_money_as_strings_and_fitted_counts_with_four_decimals():
    counts = flat()
    counts[-1] -= 7
    counts[0] += 7
    [entry] = incentive_response("c", [(T, 30_000)], creators_from_counts(counts))
    text = dumps({"incentive_response": [entry]})
    data = json.loads(text)["incentive_response"][0]
    assert data["threshold_myr"] == "5000.00" and data["bonus_myr"] == "300.00" and data["bin_myr"] == "100.00"
    assert isinstance(data["pushed_gmv_myr"], str) and len(data["pushed_gmv_ci95_myr"]) == 2
    assert all(isinstance(x, str) for x in data["pushed_gmv_ci95_myr"])
    assert data["counts"][24:26] == [13, 27] and isinstance(data["excess"], float)
    fitted_text = text.split('"fitted": [', 1)[1].split("]", 1)[0].split(",")
    assert len(fitted_text) == 50 and all(len(x.strip().split(".")[1]) == 4 for x in fitted_text)
    assert "-0.0" not in text  # float noise of an exact fit is written as 0


def test_the_multinomial_bootstrap_has_the_law_of_resampling_the_creators():
    rng = np.random.default_rng(5)
    gmv = np.round(rng.lognormal(np.log(T), 0.5, 3_000)).astype(np.int64)
    counts = bin_counts(gmv, T)
    excess, _ = bootstrap(counts, len(gmv), W, np.random.default_rng(1), resamples=4_000)
    literal = []
    draw = np.random.default_rng(2)
    for _ in range(1_500):  # resample the creators themselves and recompute from their bins
        literal.append(estimate(bin_counts(gmv[draw.integers(0, len(gmv), len(gmv))], T), W).excess)
    assert np.mean(excess) == pytest.approx(np.mean(literal), abs=0.6)
    assert np.std(excess) == pytest.approx(np.std(literal), rel=0.08)
