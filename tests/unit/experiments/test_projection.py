"""The live projection (SPEC 12): hand-computed cases, and its 80 % interval checked by simulation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from creator_ops.core.projection import (
    Z80,
    Conversion,
    Reference,
    Shape,
    backtest,
    cumulative_curve,
    project,
    shares_for,
)


def test_curve_and_shares_line_up_events_of_other_lengths():
    assert cumulative_curve([10, 30, 60]) == [0.0, 0.1, 0.4, 1.0]
    assert cumulative_curve([0, 0]) == [0.0, 0.5, 1.0]  # nothing sold: flat
    # a 3-hour reference read for a 6-hour event: each hour gets half of its hour's share
    assert shares_for([0.0, 0.1, 0.4, 1.0], 6) == pytest.approx([0.05, 0.05, 0.15, 0.15, 0.3, 0.3])


def ref(name: str, placed: list[int], eligible: list[int] | None = None) -> Reference:
    return Reference(name, placed, placed if eligible is None else eligible)


def test_ratio_estimate_by_hand():
    shape = Shape.of(3, [ref("earlier", [10, 30, 60])])
    conversion = Conversion.of([ref("earlier", [10, 30, 60])])
    assert (conversion.factor, conversion.variance) == (1.0, 0.0)  # every line ended eligible, hour by hour
    # after one hour: 20 placed where a campaign of this type places 10 % → 200; one hour, one reference: no interval
    first = project([20], shape, conversion)
    assert (first.point_sen, first.low_sen, first.high_sen) == (200, None, None)
    # after two hours exactly on the shape: the hours do not scatter, so the interval is the point
    second = project([20, 60], shape, conversion)
    assert (second.point_sen, second.low_sen, second.high_sen) == (200, 200, 200)


def test_conversion_from_one_campaign_by_hand():
    earlier = ref("earlier", [100, 100], [80, 100])
    conversion = Conversion.of([earlier])
    # c = 180 / 200 = 0.9; hours as clusters: e − c p = −10 and +10, so n/(n−1) Σ(...)² / (Σp)² = 2 × 200 / 40,000
    # = 0.01 for the reference, twice for the new campaign's own chance: 0.02
    assert conversion.factor == pytest.approx(0.9)
    assert conversion.variance == pytest.approx(0.02)
    assert "one campaign" in conversion.describe()
    shape = Shape.of(2, [earlier])
    first = project([60], shape, conversion)
    assert (first.point_sen, first.placed_point_sen, first.low_sen) == (108, 120, None)  # 0.9 × 60 / 0.5
    # at the end of the event only the conversion is uncertain: sd = 120 × sqrt(0.02), known from two hours
    # (1 degree of freedom), so the interval takes Student's t with 1 df: 3.077683537 in place of 1.281551566
    last = project([60, 60], shape, conversion)
    sd = 120 * math.sqrt(0.02) * 3.077683537175253 / Z80
    assert last.point_sen == 108
    assert (last.low_sen, last.high_sen) == (round(108 - Z80 * sd), round(108 + Z80 * sd))
    assert last.low_sen < 120  # cancellations may take the final below what was placed


def test_conversion_from_several_campaigns_uses_their_spread_and_student_t():
    references = [ref("a", [100, 100], [80, 80]), ref("b", [100, 100], [90, 90]), ref("c", [200, 200], [200, 200])]
    conversion = Conversion.of(references)
    # 0.8, 0.9 and 1.0: mean 0.9, s² = 0.01; for a new campaign × (1 + 1/3), with 2 degrees of freedom
    assert conversion.factor == pytest.approx(0.9)
    assert conversion.variance == pytest.approx(0.01 * 4 / 3)
    assert (conversion.df, conversion.each) == (2, pytest.approx([0.8, 0.9, 1.0]))
    # the three shapes are one flat shape, so hours do not scatter: at the end only the conversion is uncertain,
    # with t at 2 df (1.885618083)
    last = project([50, 50], Shape.of(2, references), conversion)
    sd = 100 * math.sqrt(0.01 * 4 / 3) * 1.885618083164127 / Z80
    assert (last.point_sen, last.low_sen, last.high_sen) == (90, round(90 - Z80 * sd), round(90 + Z80 * sd))


def test_interval_by_hand_with_scatter():
    shape = Shape.of(4, [ref("earlier", [25, 25, 25, 25])])
    # after 2 hours: 10 and 30 placed, S = 0.5, L = 80; ε = 10/20 − 1 = −0.5 and 30/20 − 1 = 0.5, σ² = 0.5 (1 df)
    # variance = 80² × 0.5 × (2 × 0.0625 + 0.25 × 0.125 / 0.25) = 800, widened by (t_{0.9,1} / z_{0.9})²
    p = project([10, 30], shape)
    sd = math.sqrt(800) * 3.077683537175253 / Z80
    assert p.point_sen == 80
    assert p.low_sen == max(40, round(80 - Z80 * sd)) and p.high_sen == round(80 + Z80 * sd)


def test_without_a_conversion_the_interval_never_falls_below_what_was_placed():
    shape = Shape.of(4, [ref("earlier", [25, 25, 25, 25])])
    p = project([1, 300], shape)
    assert p.low_sen >= 301 and "upper bound" in p.note


def test_flat_shape_without_earlier_campaigns_says_so():
    p = project([100, 100], Shape.of(4, []))
    assert p.point_sen == 400 and "flat hourly shape" in p.note and "no earlier campaign" in p.note


TRUE_SHAPE = np.array([5, 3, 2, 1, 1, 1, 1, 2, 3, 4, 5, 6, 7, 6, 5, 5, 6, 7, 8, 9, 11, 12, 11, 8], dtype=float)


def _campaign(rng: np.random.Generator, name: str, conversion_sd: float) -> Reference:
    """A simulated campaign: GMV placed scatters ±25 % per hour around the shape; a share of it ends eligible.

    The share is the campaign's own (mean 85 %, `conversion_sd` between campaigns), and each
    hour's lines scatter ±5 % around it by chance.
    """
    level = rng.lognormal(np.log(2_000_000_00), 0.4)
    noise = rng.gamma(16.0, 1 / 16.0, len(TRUE_SHAPE))
    placed = np.round(level * TRUE_SHAPE / TRUE_SHAPE.sum() * noise)
    share = float(np.clip(rng.normal(0.85, conversion_sd), 0.3, 1.0))
    eligible = np.minimum(placed, np.round(placed * share * rng.gamma(400.0, 1 / 400.0, len(TRUE_SHAPE))))
    return Reference(name, [int(v) for v in placed], [int(v) for v in eligible])


def _coverage(runs: int, n_references: int, conversion_sd: float) -> tuple[dict, dict]:
    hits = {0.25: 0, 0.5: 0, 0.75: 0}
    errors: dict[float, list[float]] = {0.25: [], 0.5: [], 0.75: []}
    for seed in range(runs):
        rng = np.random.default_rng([1212, n_references, seed])
        references = [_campaign(rng, f"r{i}", conversion_sd) for i in range(n_references)]
        target = _campaign(rng, "now", conversion_sd)
        shape, conversion = Shape.of(24, references), Conversion.of(references)
        final = sum(target.eligible)
        for fraction in hits:
            p = project(target.placed[: round(24 * fraction)], shape, conversion)
            hits[fraction] += p.low_sen <= final <= p.high_sen
            errors[fraction].append(abs(p.point_sen - final) / final)
    return {f: h / runs for f, h in hits.items()}, {f: float(np.median(e)) for f, e in errors.items()}


@pytest.mark.parametrize(
    ("n_references", "conversion_sd", "errs_wide"),
    [(2, 0.05, False), (3, 0.05, False), (5, 0.05, False), (3, 0.0, False), (1, 0.0, True)],
    ids=["2 earlier, cancellations differ", "3 earlier, cancellations differ", "5 earlier, cancellations differ",
         "3 earlier, same cancellations", "1 earlier, same cancellations"],
)  # fmt: skip
def test_80_percent_interval_holds_the_final_eligible_gmv_about_80_percent(n_references, conversion_sd, errs_wide):
    """1,000 seeded campaigns each, held to the binomial band around 80 % (3 sd). With one earlier campaign σ comes
    from this campaign's few hours alone and Student's t for them errs wide (measured 83-84 %, above the band): a
    documented limit (docs/projection.md), so that case is held to the band's lower end only, not to an upper
    bound set on its measured value."""
    runs = 1_000
    coverage, errors = _coverage(runs, n_references, conversion_sd)
    tolerance = 3 * math.sqrt(0.8 * 0.2 / runs)  # binomial, 3 sd: ±0.038
    for fraction, share in coverage.items():
        print(f"{n_references} reference(s), conversion sd {conversion_sd}: at {fraction:.0%} coverage "
              f"{share:.3f} (80 % ± {tolerance:.3f}), median abs error {errors[fraction]:.2%}")  # fmt: skip
    for share in coverage.values():
        assert 0.8 - tolerance <= share
        assert errs_wide or share <= 0.8 + tolerance
    assert errors[0.75] < errors[0.25]


@pytest.mark.parametrize("runs", [400, pytest.param(1_000, marks=pytest.mark.slow)])
def test_one_earlier_campaign_cannot_see_a_change_in_cancellations(runs):
    """With one reference the conversion's campaign-to-campaign spread is unknown, and coverage at 75 % of the event
    falls below the binomial band around 80 % (3 sd): the documented limit (measured 68.4 % over 1,000 seeds)."""
    coverage, _ = _coverage(runs, 1, 0.05)
    assert coverage[0.75] < 0.8 - 3 * math.sqrt(0.8 * 0.2 / runs)


def test_backtest_replays_each_campaign_with_the_ones_before_it():
    rng = np.random.default_rng(5)
    campaigns = [_campaign(rng, f"c{i}", 0.03) for i in range(4)]
    summary = backtest(campaigns)
    assert summary["campaigns"] == ["c0", "c1", "c2", "c3"]
    assert set(summary["checkpoints"]) == {"25%", "50%", "75%"}
    first = [p for p in summary["points"] if p.campaign_id == "c0"]
    assert len(first) == 3  # c0 is replayed on the flat shape: nothing came before it
    assert all(c["replays"] == 4 for c in summary["checkpoints"].values())
    # c0 has no shape and no conversion to go by: its point is GMV placed so far on the flat shape
    assert [p.point_sen for p in first] == [round(sum(campaigns[0].placed[:e]) * 24 / e) for e in (6, 12, 18)]
    assert summary["conversions"]["c1"] == pytest.approx(sum(campaigns[1].eligible) / sum(campaigns[1].placed))
