"""Does a tier bonus make creators sell more? Bunching at the thresholds, SPEC section 16.

A bonus that makes creators push leaves a mark in the distribution of their eligible GMV:
more creators just above the threshold than the smooth distribution predicts, fewer just
below it. For each tier threshold `T` (sen) this module counts the selling creators in 50
bins of width `w = T // 50` around it, fits a degree-5 polynomial to the bins outside
`j = −5 … 1` (the counterfactual: the distribution without the push), and reads off

- `excess`: creators above the fit in bins 0 and 1, `missing`: creators below it in −5…−1;
- `pushed_gmv`: the GMV those creators added to pass the threshold (each missing creator
  moved from its bin's centre up to `T`, each excess creator from `T` to its bin's centre);
- `tier_cost`: the tier's marginal bonus `b` times the creators paid at this tier, and
  `gmv_per_bonus = pushed_gmv / tier_cost`: what each bonus ringgit brought;
- 95 % percentile bootstrap intervals of `excess` and `pushed_gmv` (1,000 resamples of the
  selling creators, seeded from the campaign id and `T`);
- placebo thresholds where no tier sits: the same `excess` there is bunching noise alone.

What it estimates: the creators (and GMV) that ended just above `T` instead of just below it,
against a smooth counterfactual. It assumes the push comes from the five bins below `T`
(10 % of `T`) and lands in the two above; a push from further away, or a distribution that a
degree-5 polynomial cannot follow over ±50 % of `T`, biases it — which the placebos and the
agreement of excess with missing mass are there to show (see docs/review.md for how often
the interval held the simulated truth).

The bootstrap is vectorised: the estimate is linear in the 50 counts, and the counts of a
resample of n creators drawn with replacement are a multinomial draw of n over the bins
(plus "outside the window") with the observed shares, so each tier draws its 1,000 count
vectors directly, whatever the number of creators, and whatever order the creators came
in. Pure numpy, statistics in floating point; money leaves as integer sen (`values.Money`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np

from creator_ops.core.review.values import Money, Ratio

BINS = 50
FIRST_BIN = -25  # bins j = −25 … 24
EXCLUDED = range(-5, 2)  # j = −5 … 1: where the push takes creators from (−5…−1) and puts them (0, 1)
BELOW = range(-5, 0)
ABOVE = range(0, 2)
DEGREE = 5
RESAMPLES = 1_000
MIN_CREATORS = 200  # selling creators in the 50 bins
MIN_THRESHOLD_SEN = 5_000  # RM 50: below it a bin is narrower than RM 1
PLACEBO_FRACTIONS = ((7, 10), (8, 10), (125, 100), (14, 10))
TOO_FEW = "too_few"
AGREE_Z = 1.96  # excess and missing mass "disagree" when their difference is beyond this many standard errors
FITTED_PLACES = Decimal("0.0001")


class Fitted(Ratio):
    """A fitted count of the counterfactual, written with four decimals."""

    def decimal(self) -> Decimal:
        value = Decimal(self.value.numerator) / Decimal(self.value.denominator)
        return value.quantize(FITTED_PLACES)


def _stat(value: float) -> Ratio:
    """A statistic as a JSON number; float noise under 1e-9 (a flat fit's −1e-14) is written as 0."""
    return Ratio(Fraction(round(float(value), 9)))


def _fitted(value: float) -> Fitted:
    return Fitted(Fraction(round(float(value), 9)))


def _sen(value: float) -> Money:
    return Money(int(round(float(value))))


# --------------------------------------------------------------------------- the linear estimate


@dataclass(frozen=True)
class _Operator:
    """The estimate as linear maps of the 50 counts (the fit is a projection, so everything is linear)."""

    fit: np.ndarray  # (50, 50): counts → fitted values at every bin
    excess: np.ndarray  # (50,): counts → excess
    missing: np.ndarray  # (50,): counts → missing
    pushed_bins: np.ndarray  # (50,): counts → pushed GMV in bin widths


def _operator() -> _Operator:
    j = np.arange(FIRST_BIN, FIRST_BIN + BINS, dtype=float)
    design = np.vander(j, DEGREE + 1, increasing=True)  # 1, j, …, j⁵ at every bin
    outside = np.array([int(x) not in EXCLUDED for x in j])
    # least squares over the bins outside the excluded range: coefficients = pinv(X_fit) · c_fit
    coefficients = np.linalg.pinv(design[outside])  # (6, 43)
    fit = np.zeros((BINS, BINS))
    fit[:, outside] = design @ coefficients
    identity = np.eye(BINS)
    residual = identity - fit  # c − f as a map of c
    above = np.isin(j, list(ABOVE))
    below = np.isin(j, list(BELOW))
    excess = residual[above].sum(axis=0)
    missing = -residual[below].sum(axis=0)
    pushed = (residual[above] * (j[above] + 0.5)[:, None]).sum(axis=0) - (
        residual[below] * (-j[below] - 0.5)[:, None]
    ).sum(axis=0)
    return _Operator(fit=fit, excess=excess, missing=missing, pushed_bins=pushed)


_OPERATOR = _operator()


def bin_counts(gmv_sen: np.ndarray, threshold_sen: int) -> np.ndarray:
    """Return the 50 counts c_j of creators with T + j·w ≤ g < T + (j + 1)·w, j = −25 … 24."""
    width = threshold_sen // BINS
    if width <= 0:
        return np.zeros(BINS, dtype=np.int64)
    low = threshold_sen + FIRST_BIN * width
    offset = gmv_sen[(gmv_sen >= low) & (gmv_sen < low + BINS * width)] - low
    return np.bincount(offset // width, minlength=BINS).astype(np.int64)


@dataclass(frozen=True)
class Estimate:
    """One threshold's point estimate (floats: creators, and GMV in sen)."""

    counts: np.ndarray
    fitted: np.ndarray
    excess: float
    missing: float
    pushed_gmv_sen: float


def estimate(counts: np.ndarray, width_sen: int) -> Estimate:
    """Fit the counterfactual to 50 counts and return excess, missing and pushed GMV (SPEC 16)."""
    c = counts.astype(float)
    op = _OPERATOR
    return Estimate(
        counts=counts,
        fitted=op.fit @ c,
        excess=float(op.excess @ c),
        missing=float(op.missing @ c),
        pushed_gmv_sen=float(op.pushed_bins @ c) * width_sen,
    )


def usable(threshold_sen: int, counts: np.ndarray) -> bool:
    """Whether a threshold has enough data for the estimate: RM 50 or more, 200 creators in its bins."""
    return threshold_sen >= MIN_THRESHOLD_SEN and int(counts.sum()) >= MIN_CREATORS


def seed_for(campaign_id: str, threshold_sen: int) -> np.random.Generator:
    """The bootstrap's generator for one threshold: seeded from the campaign id and T."""
    digest = hashlib.sha256(f"{campaign_id}\x00{threshold_sen}".encode()).digest()
    return np.random.default_rng(np.random.SeedSequence(int.from_bytes(digest[:16], "big")))


def bootstrap(
    counts: np.ndarray, creators: int, width_sen: int, rng: np.random.Generator, resamples: int = RESAMPLES
) -> tuple[np.ndarray, np.ndarray]:
    """Return (excess, pushed GMV in sen) of `resamples` resamples of the `creators` selling creators.

    A resample draws `creators` creators with replacement; its 50 counts are a multinomial
    draw over the bins and "outside the window" with the observed shares (the same law).
    """
    outside = creators - int(counts.sum())
    shares = np.append(counts, outside).astype(float) / creators
    drawn = rng.multinomial(creators, shares, size=resamples)[:, :BINS].astype(float)
    op = _OPERATOR
    return drawn @ op.excess, drawn @ op.pushed_bins * width_sen


def interval(values: np.ndarray) -> tuple[float, float]:
    """The 95 % percentile interval."""
    low, high = np.percentile(values, [2.5, 97.5])
    return float(low), float(high)


# --------------------------------------------------------------------------- per tier


def placebo_thresholds(threshold_sen: int, thresholds: Sequence[int]) -> list[int]:
    """T×7//10, T×8//10, T×125//100, T×14//10, skipping any within 30 % of a real threshold (|P − T'| < 0.3 T')."""
    out = []
    for num, den in PLACEBO_FRACTIONS:
        placebo = threshold_sen * num // den
        if not any(10 * abs(placebo - real) < 3 * real for real in thresholds):
            out.append(placebo)
    return out


def _too_few(threshold_sen: int, bonus_sen: int) -> dict[str, Any]:
    return {
        "threshold_myr": Money(threshold_sen),
        "bonus_myr": Money(bonus_sen),
        "bin_myr": Money(threshold_sen // BINS),
        "counts": None,
        "fitted": None,
        "excess": None,
        "missing": None,
        "excess_ci95": None,
        "pushed_gmv_myr": None,
        "pushed_gmv_ci95_myr": None,
        "tier_cost_myr": None,
        "gmv_per_bonus_myr": None,
        "placebo": None,
        "reason": TOO_FEW,
    }


def tier_response(
    campaign_id: str,
    gmv_sen: np.ndarray,
    threshold_sen: int,
    bonus_sen: int,
    next_threshold_sen: int | None,
    thresholds: Sequence[int],
    *,
    resamples: int = RESAMPLES,
) -> dict[str, Any]:
    """The `incentive_response` entry of one threshold; `bonus_sen` is this tier's bonus over the tier below."""
    counts = bin_counts(gmv_sen, threshold_sen)
    if not usable(threshold_sen, counts):
        return _too_few(threshold_sen, bonus_sen)
    width = threshold_sen // BINS
    point = estimate(counts, width)
    excess, pushed = bootstrap(counts, len(gmv_sen), width, seed_for(campaign_id, threshold_sen), resamples)
    at_tier = (gmv_sen >= threshold_sen) & (gmv_sen < next_threshold_sen if next_threshold_sen else True)
    cost = bonus_sen * int(np.count_nonzero(at_tier))
    placebo: dict[str, Ratio | None] = {}
    for p in placebo_thresholds(threshold_sen, thresholds):
        p_counts = bin_counts(gmv_sen, p)
        placebo[str(Money(p))] = _stat(estimate(p_counts, p // BINS).excess) if usable(p, p_counts) else None
    low, high = interval(excess)
    pushed_low, pushed_high = interval(pushed)
    return {
        "threshold_myr": Money(threshold_sen),
        "bonus_myr": Money(bonus_sen),
        "bin_myr": Money(width),
        "counts": [int(c) for c in counts],
        "fitted": [_fitted(f) for f in point.fitted],
        "excess": _stat(point.excess),
        "missing": _stat(point.missing),
        "excess_ci95": [_stat(low), _stat(high)],
        "pushed_gmv_myr": _sen(point.pushed_gmv_sen),
        "pushed_gmv_ci95_myr": [_sen(pushed_low), _sen(pushed_high)],
        "tier_cost_myr": Money(cost),
        "gmv_per_bonus_myr": _stat(point.pushed_gmv_sen / cost) if cost else None,  # a ratio: RM per RM, a number
        "placebo": placebo,
        "reason": None,
    }


def incentive_response(
    campaign_id: str,
    tiers: Sequence[tuple[int, int]],
    gmv_sen: Sequence[int] | np.ndarray,
    *,
    resamples: int = RESAMPLES,
) -> list[dict[str, Any]]:
    """SPEC 16 for every tier: `tiers` are (min_gmv_sen, bonus_sen), `gmv_sen` the selling creators' eligible GMV."""
    gmv = np.asarray(gmv_sen, dtype=np.int64)
    ordered = sorted(tiers)
    thresholds = [t for t, _ in ordered]
    out = []
    for i, (threshold, bonus) in enumerate(ordered):
        marginal = bonus - (ordered[i - 1][1] if i else 0)
        following = thresholds[i + 1] if i + 1 < len(thresholds) else None
        out.append(tier_response(campaign_id, gmv, threshold, marginal, following, thresholds, resamples=resamples))
    return out


def too_few_notes(entries: Sequence[dict[str, Any]]) -> list[str]:
    """Say why each too_few tier has no estimate (a threshold under RM 50, or under 200 creators near it)."""
    notes = []
    for entry in entries:
        if entry.get("reason") != TOO_FEW:
            continue
        threshold = entry["threshold_myr"]
        if threshold.sen < MIN_THRESHOLD_SEN:
            why = "its threshold is under RM 50.00, so its bins would be narrower than RM 1.00"
        else:
            why = f"fewer than {MIN_CREATORS} selling creators have GMV within 50 % of it"
        notes.append(f"incentive response at {threshold} MYR: not estimated (too_few): {why}")
    return notes


# --------------------------------------------------------------------------- reading an entry


def stands_out(entry: dict[str, Any]) -> bool | None:
    """Whether the excess stands out of bunching noise: its interval above 0 and above every placebo's |excess|.

    None when there is no estimate or no placebo to compare with.
    """
    if entry.get("excess") is None:
        return None
    placebos = [abs(float(v)) for v in (entry.get("placebo") or {}).values() if v is not None]
    if not placebos:
        return None
    low = float(entry["excess_ci95"][0])
    return low > 0 and float(entry["excess"]) > max(placebos)


def masses_agree(entry: dict[str, Any]) -> bool | None:
    """Whether excess and missing mass agree: their difference within 1.96 of its standard error.

    excess − missing = Σ_{j=−5…1} (c_j − f_j), linear in the counts: its variance under
    resampling the creators is about Σ a_j² c_j (a the linear map, counts as Poisson), so the
    test reads only the entry's `counts` and needs nothing beyond review.json.
    """
    if entry.get("excess") is None or not entry.get("counts"):
        return None
    counts = np.asarray([int(c) for c in entry["counts"]], dtype=float)
    difference = _OPERATOR.excess - _OPERATOR.missing
    spread = float(np.sqrt((difference**2) @ counts))
    gap = float(entry["excess"]) - float(entry["missing"])
    return abs(gap) <= AGREE_Z * spread if spread else abs(gap) < 1e-6
