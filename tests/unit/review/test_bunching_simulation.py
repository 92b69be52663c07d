"""SPEC 16 by simulation: does the interval hold the simulated push, and is no push called noise?

The world: selling creators' eligible GMV lognormal (median RM 1,500, σ 1.1: heavy-tailed,
the top 1 % sell over 20 times the median) at the 12.12 tiers RM 1,000 / 5,000 / 20,000.
With a push, half of the creators in the five bins below each threshold sell enough to
pass it and land up to one bin above; the truth is the GMV their extra sales add and the
number of them. Each seed is one campaign; the review's interval should hold the truth in
about 95 % of them. What was measured is in docs/review.md ("Incentive response"); the
bounds here are what a calibrated interval passes at these seed counts, not tuned figures.
"""

from __future__ import annotations

import numpy as np
import pytest

from creator_ops.core.review.bunching import incentive_response, masses_agree, stands_out

TIERS = [(100_000, 5_000), (500_000, 30_000), (2_000_000, 150_000)]


def world(seed: int, creators: int, share: float, *, further: int = 0) -> tuple[np.ndarray, dict[int, tuple[int, int]]]:
    """Return (eligible GMV in sen, {threshold: (creators pushed, GMV they added in sen)}).

    `further` bins: the push comes from that many bins further below (outside the window the estimate assumes).
    """
    rng = np.random.default_rng(seed)
    gmv = np.round(rng.lognormal(np.log(150_000), 1.1, creators)).astype(np.int64)
    truth = {}
    for threshold, _ in TIERS:
        width = threshold // 50
        near = np.flatnonzero((gmv >= threshold - (5 + further) * width) & (gmv < threshold - further * width))
        pushed = near[rng.random(len(near)) < share]
        landed = threshold + rng.integers(0, width, len(pushed))
        truth[threshold] = (len(pushed), int((landed - gmv[pushed]).sum()))
        gmv[pushed] = landed
    return gmv, truth


def measure(seeds: range, creators: int, share: float, *, further: int = 0) -> dict[int, dict[str, float]]:
    """Per threshold over the seeds with an estimate: how often each interval held the truth, how often it stood out."""
    tally: dict[int, dict[str, list]] = {t: {"gmv": [], "excess": [], "stands": [], "real": [], "placebo": [],
                                             "disagree": []} for t, _ in TIERS}  # fmt: skip
    for seed in seeds:
        gmv, truth = world(seed, creators, share, further=further)
        for entry in incentive_response(f"sim{seed}", TIERS, gmv):
            threshold = entry["threshold_myr"].sen
            if entry["reason"]:
                continue
            count, added = truth[threshold]
            low, high = (m.sen for m in entry["pushed_gmv_ci95_myr"])
            t = tally[threshold]
            t["gmv"].append(low - 1 <= added <= high + 1)  # the interval's ends are rounded to the sen
            t["excess"].append(float(entry["excess_ci95"][0]) <= count <= float(entry["excess_ci95"][1]))
            t["stands"].append(bool(stands_out(entry)))
            t["disagree"].append(masses_agree(entry) is False)
            t["real"].append(float(entry["excess"]))
            t["placebo"] += [float(v) for v in entry["placebo"].values() if v is not None]
    return {
        threshold: {
            "runs": len(t["gmv"]),
            "gmv_coverage": float(np.mean(t["gmv"])) if t["gmv"] else float("nan"),
            "excess_coverage": float(np.mean(t["excess"])) if t["excess"] else float("nan"),
            "stands_out": float(np.mean(t["stands"])) if t["stands"] else float("nan"),
            "disagree": float(np.mean(t["disagree"])) if t["disagree"] else float("nan"),
            "real_sd": float(np.std(t["real"])) if t["real"] else float("nan"),
            "placebo_sd": float(np.std(t["placebo"])) if t["placebo"] else float("nan"),
        }
        for threshold, t in tally.items()
    }


def _print(title: str, figures: dict[int, dict[str, float]]) -> None:
    print(f"\n{title}")
    for threshold, f in figures.items():
        print(f"  RM {threshold // 100:>6,}: {f['runs']:>4} runs, pushed GMV interval held the truth "
              f"{f['gmv_coverage']:.3f}, excess interval {f['excess_coverage']:.3f}, stood out {f['stands_out']:.3f}, "
              f"excess and missing disagreed {f['disagree']:.3f}; "
              f"sd of excess {f['real_sd']:.1f} at T, {f['placebo_sd']:.1f} at placebos")  # fmt: skip


def test_with_a_known_push_the_interval_holds_it_fast():
    figures = measure(range(40), 5_000, 0.5)
    for threshold in (100_000, 500_000):
        f = figures[threshold]
        assert f["runs"] == 40
        assert f["gmv_coverage"] >= 0.8 and f["excess_coverage"] >= 0.8, (threshold, f)
        assert f["stands_out"] >= 0.9, (threshold, f)  # half of the five bins below, pushed: plainly visible
        assert f["disagree"] <= 0.15, (threshold, f)  # the push is where the window expects it


def test_a_push_from_outside_the_window_is_said_to_disagree_fast():
    figures = measure(range(20), 5_000, 0.5, further=5)  # from 10-20 % below the threshold
    for threshold in (100_000, 500_000):
        assert figures[threshold]["disagree"] >= 0.9, (threshold, figures[threshold])


def test_without_a_push_the_review_calls_it_noise_fast():
    figures = measure(range(40), 5_000, 0.0)
    for threshold in (100_000, 500_000):
        f = figures[threshold]
        assert f["stands_out"] <= 0.1, (threshold, f)
        assert f["excess_coverage"] >= 0.8, (threshold, f)  # the truth is 0 creators


@pytest.mark.slow
def test_coverage_over_many_seeds():
    pushed = measure(range(1_000, 1_500), 5_000, 0.5)
    _print("push: half of the five bins below each threshold", pushed)
    none = measure(range(2_000, 2_500), 5_000, 0.0)
    _print("no push", none)
    small = measure(range(3_000, 3_300), 2_000, 0.5)
    _print("push, 2,000 selling creators", small)
    outside = measure(range(4_000, 4_200), 5_000, 0.5, further=5)
    _print("push from 10-20 % below the threshold (outside the window)", outside)
    for threshold in (100_000, 500_000):
        assert 0.88 <= pushed[threshold]["gmv_coverage"] <= 0.99, pushed[threshold]
        assert pushed[threshold]["excess_coverage"] >= 0.88, pushed[threshold]  # measured 0.99+: conservative
        assert none[threshold]["stands_out"] <= 0.06, none[threshold]
        assert pushed[threshold]["disagree"] <= 0.1 and none[threshold]["disagree"] <= 0.1, none[threshold]
        assert outside[threshold]["disagree"] >= 0.95, outside[threshold]
        # no push: the real threshold's excess varies about as much as the placebos' (same noise)
        assert 0.5 <= none[threshold]["real_sd"] / none[threshold]["placebo_sd"] <= 2.0, none[threshold]
