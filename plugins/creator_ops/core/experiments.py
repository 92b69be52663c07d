"""Holdouts and measured lift (SPEC section 12): who is held out, and what a mechanism caused.

**Assignment.** For mechanism *m* (`traffic` or `samples`) and creator *c* (normalised id):

    u = int.from_bytes(sha256(f"{campaign_id}|{m}|{c}".encode()).digest()[:8], "big") / 2**64

and *c* is in *m*'s holdout when `u < holdout_share`. It is a pure function of the three
values, so reruns, machines and edits of the spec outside `experiments` never move anyone.

**Estimate** (intent to treat, over the population *P* of enrolled, not excluded creators):
`Y` is eligible GMV in sen, `X` the pre-campaign 30-day GMV in sen (0 when absent). CUPED
removes the part of `Y` that `X` predicts, `Y' = Y − θ (X − X̄)` with
`θ = Σ(X − X̄)(Y − Ȳ) / Σ(X − X̄)²` (0 when the denominator is 0), and the lift is the
difference of the groups' means of `Y'`, with Welch's standard error
`sqrt(s²_T / n_T + s²_H / n_H)` and the normal 95 % interval `lift ± z × se`. The same on
`Y` is the raw estimate. θ is computed over *P* with both groups together, so it does not
depend on the assignment, and `Y'` has the same expected difference of means as `Y`: CUPED
narrows the interval without moving what it estimates. With fewer than two creators in
either group nothing is estimated (`reason: too_few`).

θ's sums are exact integer arithmetic (the inputs are integer sen), so a constant `X` gives
a denominator of exactly 0, never a rounding residue; everything after θ is float64, as the
spec says. Plain Python and numpy: no Airflow, no warehouse.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

MECHANISMS = ("traffic", "samples")
Z95 = 1.959963984540054  # the standard normal's 97.5 % quantile (SPEC 12)
TOO_FEW = "too_few"
HOLDOUT = "holdout"
TREATED = "treated"


# --------------------------------------------------------------------------- assignment


def assignment_u(campaign_id: str, mechanism: str, creator_id: str) -> float:
    """Return the creator's uniform draw in [0, 1) for this campaign and mechanism."""
    digest = hashlib.sha256(f"{campaign_id}|{mechanism}|{creator_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def in_holdout(campaign_id: str, mechanism: str, creator_id: str, holdout_share: Any) -> bool:
    """Return whether `creator_id` (normalised) is in `mechanism`'s holdout."""
    share = float(holdout_share or 0)
    return share > 0 and assignment_u(campaign_id, mechanism, creator_id) < share


def group_of(campaign_id: str, mechanism: str, creator_id: str, holdout_share: Any) -> str:
    """Return `holdout` or `treated`."""
    return HOLDOUT if in_holdout(campaign_id, mechanism, creator_id, holdout_share) else TREATED


def holdout_ids(campaign_id: str, mechanism: str, creator_ids: Iterable[str], holdout_share: Any) -> set[str]:
    """Return the creators of `creator_ids` that are held out of `mechanism`."""
    if not float(holdout_share or 0):
        return set()
    return {c for c in creator_ids if in_holdout(campaign_id, mechanism, c, holdout_share)}


def holdout_share_of(spec: Any, mechanism: str) -> Any:
    """Return the spec's `experiments.<mechanism>.holdout_share`, or None when the spec has no such holdout."""
    experiments = getattr(spec, "experiments", None)
    block = getattr(experiments, mechanism, None) if experiments is not None else None
    return None if block is None else block.holdout_share


@dataclass(frozen=True)
class HoldoutAssignment:
    """The groups of one mechanism's candidates under the spec's current holdout share, for the warehouse to record."""

    campaign_id: str
    mechanism: str
    share: str | None  # the spec's holdout_share as recorded (text); None: the spec has no such holdout
    groups: dict[str, str]  # creator_id -> HOLDOUT or TREATED, by creator id (empty without a holdout)

    @property
    def held(self) -> set[str]:
        """Return the creators held out."""
        return {c for c, g in self.groups.items() if g == HOLDOUT}


def assign_holdout(spec: Any, mechanism: str, creator_ids: Iterable[str]) -> HoldoutAssignment:
    """Return the group of every candidate of `mechanism` under the spec's holdout share (the assignment rule above).

    The same creator, campaign and mechanism always give the same draw; without an
    `experiments.<mechanism>` block nobody is assigned.
    """
    share = holdout_share_of(spec, mechanism)
    if share is None:
        return HoldoutAssignment(spec.id, mechanism, None, {})
    groups = {c: group_of(spec.id, mechanism, c, share) for c in sorted(set(creator_ids))}
    return HoldoutAssignment(spec.id, mechanism, str(share), groups)


def spec_holdout(spec: Any, mechanism: str, creator_ids: Iterable[str]) -> set[str]:
    """Return the creators the spec holds out of `mechanism` (empty without an experiments block)."""
    share = holdout_share_of(spec, mechanism)
    return holdout_ids(spec.id, mechanism, creator_ids, share) if share else set()


# --------------------------------------------------------------------------- estimate


@dataclass(frozen=True)
class Interval:
    """A difference of means with its standard error and 95 % interval (sen, floats)."""

    lift: float
    se: float

    @property
    def low(self) -> float:
        return self.lift - Z95 * self.se

    @property
    def high(self) -> float:
        return self.lift + Z95 * self.se

    @property
    def excludes_zero(self) -> bool:
        return self.low > 0 or self.high < 0


@dataclass(frozen=True)
class LiftEstimate:
    """SPEC 12's estimate for one mechanism: sizes, raw means of Y, θ, CUPED and raw intervals (sen)."""

    n_treated: int
    n_holdout: int
    mean_treated: float | None
    mean_holdout: float | None
    theta: float | None
    cuped: Interval | None
    raw: Interval | None
    reason: str | None = None

    @property
    def incremental(self) -> float | None:
        """Incremental GMV in sen: lift × n_T."""
        return None if self.cuped is None else self.cuped.lift * self.n_treated

    @property
    def incremental_interval(self) -> tuple[float, float] | None:
        if self.cuped is None:
            return None
        return (self.cuped.low * self.n_treated, self.cuped.high * self.n_treated)


def cuped_theta(y: Sequence[int], x: Sequence[int]) -> Fraction:
    """Return θ = Σ(X − X̄)(Y − Ȳ) / Σ(X − X̄)² exactly (0 when X does not vary)."""
    n = len(y)
    if n == 0:
        return Fraction(0)
    sx = sum(x)
    sy = sum(y)
    sxy = sum(a * b for a, b in zip(x, y, strict=True))
    sxx = sum(a * a for a in x)
    # n·Σ(X−X̄)(Y−Ȳ) = nΣXY − ΣXΣY and n·Σ(X−X̄)² = nΣX² − (ΣX)², in exact integers
    denominator = n * sxx - sx * sx
    if denominator == 0:
        return Fraction(0)
    return Fraction(n * sxy - sx * sy, denominator)


def _difference(values: np.ndarray, holdout: np.ndarray) -> Interval:
    treated, held = values[~holdout], values[holdout]
    lift = float(treated.mean() - held.mean())
    se = math.sqrt(float(treated.var(ddof=1)) / len(treated) + float(held.var(ddof=1)) / len(held))
    return Interval(lift, se)


def estimate_lift(y_sen: Sequence[int], x_sen: Sequence[int], holdout: Sequence[bool]) -> LiftEstimate:
    """Estimate the mechanism's lift per creator over the population given (one entry per creator)."""
    y_int = [int(v) for v in y_sen]
    x_int = [int(v) for v in x_sen]
    h = np.asarray(holdout, dtype=bool)
    if not (len(y_int) == len(x_int) == len(h)):
        raise ValueError("Y, X and the holdout flags need one entry per creator")
    n_holdout = int(h.sum())
    n_treated = len(h) - n_holdout
    if n_treated < 2 or n_holdout < 2:
        return LiftEstimate(n_treated, n_holdout, None, None, None, None, None, TOO_FEW)
    y = np.asarray(y_int, dtype=np.float64)
    x = np.asarray(x_int, dtype=np.float64)
    theta = float(cuped_theta(y_int, x_int))
    adjusted = y - theta * (x - x.mean()) if theta else y
    return LiftEstimate(
        n_treated=n_treated,
        n_holdout=n_holdout,
        mean_treated=float(y[~h].mean()),
        mean_holdout=float(y[h].mean()),
        theta=theta,
        cuped=_difference(adjusted, h),
        raw=_difference(y, h),
    )


def population_arrays(
    population: Iterable[str],
    outcome_sen: Mapping[str, int],
    covariate_sen: Mapping[str, int],
    holdout: set[str],
) -> tuple[list[str], list[int], list[int], list[bool]]:
    """Line up (ids, Y, X, held out) over the population, sorted by id (missing Y or X is 0)."""
    ids = sorted(set(population))
    return (
        ids,
        [int(outcome_sen.get(c, 0) or 0) for c in ids],
        [int(covariate_sen.get(c, 0) or 0) for c in ids],
        [c in holdout for c in ids],
    )


# --------------------------------------------------------------------------- on the would-be-treated (SPEC 15)

Z80 = 0.8416212335729143  # the standard normal's 80 % quantile: 80 % power (SPEC 15)
RELABELLINGS = 10_000
NO_PLAN = "no_plan"
SRM_ALPHA = 0.001
_RELABEL_CHUNK = 500  # relabellings per numpy block: bounded memory whatever the size of W
_FLOYD_ROWS = 5_000  # relabellings Floyd's algorithm draws at once (the random stream: p depends on it)
_FLOYD_CACHED_ROWS = 2_500  # of those, the rows stepped through together (their flags fit a CPU cache)


@dataclass(frozen=True)
class OnTreatedEstimate:
    """SPEC 15's estimate over the would-be-treated W: Welch t interval and a randomization p (sen, floats).

    `df` is None when `se` is 0 (the interval is the point). Every estimate is None with a
    `reason` (`too_few`, `no_plan`).
    """

    n_treated: int
    n_holdout: int
    mean_treated: float | None = None
    mean_holdout: float | None = None
    theta: float | None = None
    lift: float | None = None
    se: float | None = None
    df: float | None = None
    low: float | None = None
    high: float | None = None
    p_value: float | None = None
    sd_adjusted: float | None = None
    reason: str | None = None

    @property
    def excludes_zero(self) -> bool | None:
        if self.low is None or self.high is None:
            return None
        return self.low > 0 or self.high < 0

    @property
    def significant(self) -> bool | None:
        """The interval excludes 0 *and* the randomization p is below 0.05 (SPEC 15)."""
        if self.excludes_zero is None or self.p_value is None:
            return None
        return bool(self.excludes_zero and self.p_value < 0.05)

    @property
    def disagree(self) -> bool:
        """The interval and the randomization test say different things (a few large creators dominate)."""
        if self.excludes_zero is None or self.p_value is None:
            return False
        return self.excludes_zero != (self.p_value < 0.05)

    @property
    def incremental(self) -> float | None:
        return None if self.lift is None else self.lift * self.n_treated

    @property
    def incremental_interval(self) -> tuple[float, float] | None:
        if self.low is None or self.high is None:
            return None
        return (self.low * self.n_treated, self.high * self.n_treated)


def relabelling_seed(campaign_id: str, mechanism: str) -> int:
    """Return the randomization test's seed: a pure function of campaign and mechanism (reruns give the same p)."""
    digest = hashlib.sha256(f"{campaign_id}|{mechanism}|randomization".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def welch_df(a: float, b: float, n_treated: int, n_holdout: int) -> float | None:
    """Welch–Satterthwaite degrees of freedom of `a + b` (a = s²_T / n_T, b = s²_H / n_H); None when both are 0."""
    denominator = a * a / (n_treated - 1) + b * b / (n_holdout - 1)
    return None if denominator == 0 else (a + b) ** 2 / denominator


def _beta_continued_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction of the incomplete beta function (modified Lentz), to double precision."""
    tiny = 1e-300
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 400):
        for numerator in (m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
                          -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))):  # fmt: skip
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + numerator / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1.0) < 1e-16:
            break
    return h


def _regularized_beta(a: float, b: float, x: float, y: float) -> float:
    """I_x(a, b), the regularized incomplete beta function; `y` is 1 − x, given exactly by the caller."""
    if x <= 0:
        return 0.0
    if y <= 0:
        return 1.0
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log(y))
    if x < (a + 1) / (a + b + 2):
        return front * _beta_continued_fraction(a, b, x) / a
    return 1.0 - front * _beta_continued_fraction(b, a, y) / b


def _normal_quantile(probability: float) -> float:
    """The standard normal quantile (0.975: the spec's 1.959963984540054), by Newton on erfc."""
    if probability == 0.975:
        return Z95
    z = 0.0
    for _ in range(100):
        gap = 0.5 * math.erfc(-z / math.sqrt(2)) - probability
        step = gap / (math.exp(-z * z / 2) / math.sqrt(2 * math.pi))
        z -= step
        if abs(step) < 1e-15:
            break
    return z


def t_quantile(df: float, probability: float = 0.975) -> float:
    """Student's t quantile with `df` (any real > 0) degrees of freedom, for `probability` above 0.5.

    Solves P(T > t) = 1 − probability, with P(T > t) = I_{df/(df+t²)}(df/2, 1/2) / 2, by Newton
    steps kept inside a bracket (bisection when a step leaves it). Plain Python: scipy's t
    (the tests' reference, agreeing to 1e-10) costs 0.3-0.8 s of import per process, more
    than the whole estimate.
    """
    if df >= 1e4:  # Cornish-Fisher in 1/df (error ~z⁹/df⁴): the incomplete beta loses digits as x → 1
        z = _normal_quantile(probability)
        g1 = (z**3 + z) / 4
        g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96
        g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384
        return z + g1 / df + g2 / df**2 + g3 / df**3
    tail = 1.0 - probability
    log_norm = math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)

    def upper(t: float) -> float:
        return 0.5 * _regularized_beta(df / 2, 0.5, df / (df + t * t), t * t / (df + t * t))

    def density(t: float) -> float:
        return math.exp(log_norm - (df + 1) / 2 * math.log1p(t * t / df))

    low, high = 0.0, 1.0
    while upper(high) > tail:
        low, high = high, high * 2
    t = min(max(Z95 + (Z95**3 + Z95) / (4 * df), low), high)
    for _ in range(200):
        gap = upper(t) - tail  # > 0: t is too small
        if gap > 0:
            low = t
        else:
            high = t
        step = t + gap / density(t)
        t_next = step if low < step < high else (low + high) / 2
        if abs(t_next - t) <= 1e-13 * max(1.0, t):
            return t_next
        t = t_next
    return t


def _subset_sums(values: np.ndarray, k: int, draws: int, rng: np.random.Generator) -> np.ndarray:
    """Return the sums of `draws` uniformly random k-subsets of `values` (without replacement within each).

    Two exact ways, whichever costs less: for a small k, Floyd's algorithm run on a block of
    rows at once (k vectorised steps: at step j draw t in [0, j], take j instead when t is
    already taken; each row ends with a uniform k-subset); otherwise the k smallest of
    uniform keys per row (`argpartition`).
    """
    n = len(values)
    sums = np.empty(draws)
    done = 0
    if k * 4 < n:
        while done < draws:
            block = min(_FLOYD_ROWS, draws - done)
            # the block's draws first, in the stream's order (step by step, a row each), then Floyd's steps
            # over a few hundred rows at a time: their `taken` flags stay in the CPU's cache
            steps = np.empty((k, block), dtype=np.int64)
            for i, j in enumerate(range(n - k, n)):
                steps[i] = rng.integers(0, j + 1, block)
            for start in range(0, block, _FLOYD_CACHED_ROWS):
                width = min(_FLOYD_CACHED_ROWS, block - start)
                taken = np.zeros(width * n, dtype=bool)  # row r's flags at [r * n, (r + 1) * n)
                row_start = np.arange(width, dtype=np.int64) * n
                total = np.zeros(width)
                flat = np.empty(width, dtype=np.int64)
                hit = np.empty(width, dtype=bool)
                pick = np.empty(width, dtype=np.int64)
                for i, j in enumerate(range(n - k, n)):
                    np.copyto(pick, steps[i, start : start + width])
                    np.add(row_start, pick, out=flat)
                    np.take(taken, flat, out=hit)
                    pick[hit] = j  # t already taken: take j instead
                    np.add(row_start, pick, out=flat)
                    taken[flat] = True
                    total += values.take(pick)
                sums[done + start : done + start + width] = total
            done += block
        return sums
    while done < draws:
        block = min(_RELABEL_CHUNK, draws - done)
        keys = rng.random((block, n))
        chosen = np.argpartition(keys, k - 1, axis=1)[:, :k] if k < n else np.tile(np.arange(n), (block, 1))
        sums[done : done + block] = values[chosen].sum(axis=1)
        done += block
    return sums


def randomization_p(values: np.ndarray, holdout: np.ndarray, lift: float, seed: int,
                    draws: int = RELABELLINGS) -> float:  # fmt: skip
    """Two-sided randomization p of a difference of means, group sizes kept: (1 + #{|lift*| ≥ |lift|}) / (draws + 1).

    Each relabelling draws the smaller group's members without replacement; only that
    group's sum is needed, since the other's is the total minus it. Vectorised in blocks of
    relabellings (`_subset_sums`), so W of thousands costs tens of milliseconds.
    """
    n = len(values)
    n_holdout = int(holdout.sum())
    n_treated = n - n_holdout
    small = min(n_holdout, n_treated)
    total = float(values.sum())
    sums = _subset_sums(values, small, draws, np.random.default_rng(seed))
    held, treated = (sums, total - sums) if small == n_holdout else (total - sums, sums)
    stars = treated / n_treated - held / n_holdout
    # |lift*| ≥ |lift| with a rounding margin, so the observed labelling, drawn again, always counts
    hits = int(np.count_nonzero(np.abs(stars) >= abs(lift) * (1 - 1e-9)))
    return (1 + hits) / (draws + 1)


def estimate_on_treated(
    y_sen: Sequence[int], x_sen: Sequence[int], holdout: Sequence[bool], *, seed: int, draws: int = RELABELLINGS
) -> OnTreatedEstimate:
    """Estimate the effect per would-be-treated creator over W (one entry per creator of W; SPEC 15)."""
    y_int = [int(v) for v in y_sen]
    x_int = [int(v) for v in x_sen]
    h = np.asarray(holdout, dtype=bool)
    if not (len(y_int) == len(x_int) == len(h)):
        raise ValueError("Y, X and the holdout flags need one entry per creator")
    n_holdout = int(h.sum())
    n_treated = len(h) - n_holdout
    if n_treated < 2 or n_holdout < 2:
        return OnTreatedEstimate(n_treated, n_holdout, reason=TOO_FEW)
    y = np.asarray(y_int, dtype=np.float64)
    x = np.asarray(x_int, dtype=np.float64)
    theta = float(cuped_theta(y_int, x_int))
    adjusted = y - theta * (x - x.mean()) if theta else y
    treated, held = adjusted[~h], adjusted[h]
    lift = float(treated.mean() - held.mean())
    a = float(treated.var(ddof=1)) / n_treated
    b = float(held.var(ddof=1)) / n_holdout
    se = math.sqrt(a + b)
    df = welch_df(a, b, n_treated, n_holdout) if se > 0 else None
    half = 0.0 if df is None else t_quantile(df) * se
    return OnTreatedEstimate(
        n_treated=n_treated,
        n_holdout=n_holdout,
        mean_treated=float(y[~h].mean()),
        mean_holdout=float(y[h].mean()),
        theta=theta,
        lift=lift,
        se=se,
        df=df,
        low=lift - half,
        high=lift + half,
        p_value=randomization_p(adjusted, h, lift, seed, draws),
        sd_adjusted=float(adjusted.std(ddof=1)),
    )


# --------------------------------------------------------------------------- sample ratio (SPEC 15)


@dataclass(frozen=True)
class SampleRatio:
    """Pearson's χ² (1 df) of the holdout and treated counts against the holdout share; mismatch when p < 0.001."""

    n: int
    expected_share: float
    holdout: int
    treated: int
    chi2: float | None
    p_value: float | None

    @property
    def mismatch(self) -> bool:
        return self.p_value is not None and self.p_value < SRM_ALPHA


def sample_ratio(holdout: int, treated: int, share: Any) -> SampleRatio:
    """Test the split: χ² = Σ (observed − expected)² / expected over the two groups (None when nothing to test).

    With one degree of freedom χ² is the square of a standard normal, so its upper tail is
    exactly erfc(sqrt(χ² / 2)).
    """
    share_f = float(share or 0)
    n = holdout + treated
    if n == 0 or not 0 < share_f < 1:
        return SampleRatio(n, share_f, holdout, treated, None, None)
    expected_h, expected_t = n * share_f, n * (1 - share_f)
    chi2 = (holdout - expected_h) ** 2 / expected_h + (treated - expected_t) ** 2 / expected_t
    return SampleRatio(n, share_f, holdout, treated, chi2, math.erfc(math.sqrt(chi2 / 2)))


# --------------------------------------------------------------------------- power before the event (SPEC 15)


def minimum_detectable_effect(sd: float | None, n_treated: int, n_holdout: int) -> float | None:
    """Return (z₀.₉₇₅ + z₀.₈₀) × s × sqrt(1/n_T + 1/n_H): the effect per creator found with 80 % power at 5 %.

    None when `sd` is unknown or a group is empty.
    """
    if sd is None or n_treated <= 0 or n_holdout <= 0:
        return None
    return (Z95 + Z80) * sd * math.sqrt(1 / n_treated + 1 / n_holdout)


def creators_needed(sd: float, effect: float, share: float) -> int | None:
    """Return how many would-be-treated creators (both groups) a holdout of `share` needs to detect `effect`.

    From MDE = (z + z) s sqrt(1/(n(1−share)) + 1/(n share)) solved for n; None when the
    effect is not positive or the share is outside (0, 1).
    """
    if effect <= 0 or not 0 < share < 1:
        return None
    return math.ceil(((Z95 + Z80) * sd / effect) ** 2 * (1 / (1 - share) + 1 / share))


def share_needed(sd: float, effect: float, n: int) -> float | None:
    """Return the smallest holdout share (up to 0.5) with which `n` would-be-treated detect `effect`; None if none."""
    if effect <= 0 or n < 2:
        return None
    target = (effect / ((Z95 + Z80) * sd)) ** 2  # need 1/n_T + 1/n_H ≤ target
    # 1/(n(1−q)) + 1/(nq) decreases in q up to 0.5: bisect
    if 1 / (n * 0.5) * 2 > target:
        return None
    low, high = 1e-6, 0.5
    for _ in range(60):
        mid = (low + high) / 2
        if 1 / (n * (1 - mid)) + 1 / (n * mid) <= target:
            high = mid
        else:
            low = mid
    return high


# --------------------------------------------------------------------------- the pooled loop (SPEC 15)


@dataclass(frozen=True)
class PooledCalibration:
    """The precision-weighted calibration: a prior of 1 (one campaign of se 1) and every earlier measurement."""

    factor: float  # c*, as computed (may be below 0)
    low: float
    high: float
    campaigns: tuple[tuple[str, float, float, float], ...]  # (campaign, calibration, se, weight in c*)

    @property
    def used(self) -> float:
        """The factor the allocation multiplies by: c*, at least 0."""
        return max(self.factor, 0.0)


def pooled_calibration(measured: Iterable[tuple[str, float | None, float | None]]) -> PooledCalibration:
    """Pool (campaign, calibration, calibration_se): c* = (1 + Σ c/se²) / (1 + Σ 1/se²), interval c* ± z / sqrt(·).

    A campaign whose calibration or se is null does not count (without an se its weight is
    unknown). A campaign measured with se 0 is certain: c* is then the mean of those.
    Each campaign's weight is its share of c*: (1/se²) / (1 + Σ 1/se²), the prior's the rest.
    """
    usable = [
        (c, float(k), float(se)) for c, k, se in measured
        if k is not None and se is not None and math.isfinite(float(k)) and math.isfinite(float(se)) and se >= 0
    ]  # fmt: skip
    exact = [(c, k) for c, k, se in usable if se == 0]
    if exact:
        factor = sum(k for _, k in exact) / len(exact)
        return PooledCalibration(factor, factor, factor, tuple(
            (c, k, se, (1 / len(exact)) if se == 0 else 0.0) for c, k, se in usable))  # fmt: skip
    precision = 1 + sum(1 / se**2 for _, _, se in usable)
    factor = (1 + sum(k / se**2 for _, k, se in usable)) / precision
    half = Z95 / math.sqrt(precision)
    return PooledCalibration(
        factor, factor - half, factor + half, tuple((c, k, se, (1 / se**2) / precision) for c, k, se in usable)
    )


# --------------------------------------------------------------------------- what the measurement costs (SPEC 15)


def held_back_text(*, boost_sen: int | None = None, samples: int | None = None) -> str:
    """Say what the holdout holds back: "RM 2,950.00 of boost and 23 samples held back with the holdout"."""
    from creator_ops.core.money import format_rm

    parts = []
    if boost_sen is not None:
        parts.append(f"{format_rm(boost_sen)} of boost")
    if samples is not None:
        parts.append(f"{samples:,} sample{'' if samples == 1 else 's'}")
    return f"{' and '.join(parts) or 'nothing'} held back with the holdout"
