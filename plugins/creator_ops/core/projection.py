"""Live projection of a campaign's final eligible GMV, and its backtest (SPEC 12). See docs/projection.md.

What a live run can count without leaning is GMV **placed**: rule 1's winning version of
every line in the event of an enrolled, not excluded creator, whatever its status. Whether
a line ends eligible is only known later (a pending line may still be cancelled or
returned), so the projection works in two factors:

    final eligible GMV = (final GMV placed) × (conversion from placed to eligible)

**Shape.** Each earlier campaign of the same type gives a cumulative share curve of its
GMV placed by each fraction of its event (hour boundaries, linear in between, so events of
different lengths line up). The reference shape is the mean of those curves; without any
earlier campaign it is flat (the same share every hour) and the projection says so.

**Placed so far → final placed.** After `h` of the event's `H` hours, with `g_i` the GMV
placed in hour *i* and `s_i` the shape's share of it, the ratio estimate is
`L = Σ_{i<h} g_i / Σ_{i<h} s_i`. Hours scatter around the shape, `g_i = L s_i (1 + ε_i)`;
with σ² the variance of ε, its error has variance

    V_L = L² σ² [ Σ_{i≥h} s_i² + (1 − S)² Σ_{i<h} s_i² / S² ]        with S = Σ_{i<h} s_i,

σ² estimated from the hours seen so far and, with two or more earlier campaigns, from how
their hours scattered around the mean shape (the larger of the two).

**Conversion.** Each earlier campaign's `c_k` = final eligible GMV / GMV placed. With two
or more, the factor is their mean and its predictive variance for a new campaign is
`s_c² (1 + 1/K)` (their spread), with K − 1 degrees of freedom. With one, the factor is its
`c_1` and the variance is what chance alone gives (hours as clusters, twice: the reference's
and the new campaign's): a shift of the cancellation rate between campaigns cannot be seen
from one campaign, and the note says so. With none, the factor is 1: the projection is of
GMV placed, an upper bound of the eligible GMV, and the note says so.

**Interval (80 %).** `point = c L`, `Var = c² V_L + L² V_c + V_L V_c`. Both variances are
estimated (σ² from a few hours, V_c from a few campaigns), so the interval is
`point ± t_{0.9, ν} × sd` with ν the Welch-Satterthwaite degrees of freedom of the sum,
the normal's 1.2815515655446004 once ν is large; never below 0 (never below what was placed so far when
the factor is 1). Without an estimate of σ yet (one hour seen, fewer than two earlier
campaigns) there is a point and no interval. Deterministic floating point over integer sen.

**Backtest.** Each settled campaign is replayed hour by hour with the shapes and
conversions of the campaigns before it (what the product would have known then), from its
GMV placed per hour: a line is placed in the hour of its `order_time` whatever its status
became, so the replay sees what the live run saw (except lines whose export landed hours
late). At 25, 50 and 75 % of the event the absolute percentage error of the point against
the final eligible GMV is recorded, and whether the interval held it.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

Z80 = 1.2815515655446004  # the standard normal's 90 % quantile: a two-sided 80 % interval
CHECKPOINTS = (0.25, 0.5, 0.75)


@dataclass(frozen=True)
class Reference:
    """One campaign's GMV per event hour (sen): placed (any status) and eligible (final)."""

    campaign_id: str
    placed: Sequence[int]
    eligible: Sequence[int]

    @property
    def conversion(self) -> float | None:
        placed = sum(self.placed)
        return sum(self.eligible) / placed if placed > 0 else None


def cumulative_curve(hourly: Sequence[int]) -> list[float]:
    """Return the cumulative share at every hour boundary (H + 1 values from 0 to 1); flat when nothing sold."""
    total = sum(hourly)
    n = len(hourly)
    if total <= 0:
        return [i / n for i in range(n + 1)] if n else [0.0, 1.0]
    out = [0.0]
    running = 0
    for g in hourly:
        running += g
        out.append(running / total)
    return out


def _at(curve: Sequence[float], fraction: float) -> float:
    """Interpolate a cumulative curve (values at equal steps of the event) at a fraction of it."""
    steps = len(curve) - 1
    x = min(max(fraction, 0.0), 1.0) * steps
    i = min(int(math.floor(x)), steps - 1)
    return curve[i] + (curve[i + 1] - curve[i]) * (x - i)


def shares_for(curve: Sequence[float], hours: int) -> list[float]:
    """Return the shape's share of each of `hours` hours of the event."""
    points = [_at(curve, i / hours) for i in range(hours + 1)]
    return [max(0.0, points[i + 1] - points[i]) for i in range(hours)]


@dataclass(frozen=True)
class Shape:
    """The reference shape of GMV placed for a campaign of `hours` hours, from the earlier campaigns."""

    shares: list[float]  # the mean shape's share of each hour
    own: list[list[float]]  # each earlier campaign's shares, for the spread between them
    sources: list[str]
    sigma2_references: float | None  # how the earlier campaigns' hours scattered around the mean shape
    df_references: int = 0  # degrees of freedom of that estimate

    @property
    def flat(self) -> bool:
        return not self.sources

    @classmethod
    def of(cls, hours: int, references: Sequence[Reference]) -> Shape:
        usable = [r for r in references if len(r.placed) > 0 and sum(r.placed) > 0]
        if not usable:
            return cls([1.0 / hours] * hours, [], [], None)
        own = [shares_for(cumulative_curve(r.placed), hours) for r in usable]
        mean = [sum(s[i] for s in own) / len(own) for i in range(hours)]
        sigma2, df = None, 0
        if len(own) >= 2:
            residuals = [o / m - 1 for s in own for o, m in zip(s, mean, strict=True) if m > 0]
            df = max(1, len(residuals) - 1)
            sigma2 = sum(r * r for r in residuals) / df
        return cls(mean, own, [r.campaign_id for r in usable], sigma2, df)


@functools.cache
def t90(df: int) -> float:
    """Student's t 90 % quantile with `df` degrees of freedom (the normal's beyond 1,000)."""
    if df > 1_000:
        return Z80
    from creator_ops.core.experiments import t_quantile  # scipy's t agrees to 1e-11; importing scipy.stats costs 0.8 s

    return t_quantile(df, 0.9)


@dataclass(frozen=True)
class Conversion:
    """The factor from final GMV placed to final eligible GMV, and its predictive variance for a new campaign."""

    factor: float
    variance: float
    df: int = 10_000  # degrees of freedom of the variance's estimate
    sources: list[str] = field(default_factory=list)
    each: list[float] = field(default_factory=list)  # every earlier campaign's own conversion

    @property
    def known(self) -> bool:
        return bool(self.sources)

    @classmethod
    def of(cls, references: Sequence[Reference]) -> Conversion:
        usable = [r for r in references if r.conversion is not None]
        if not usable:
            return cls(1.0, 0.0)
        each = [r.conversion for r in usable]  # type: ignore[misc]
        names = [r.campaign_id for r in usable]
        k = len(each)
        if k == 1:
            hours = sum(1 for p in usable[0].placed if p > 0)
            return cls(each[0], 2 * _sampling_variance(usable[0]), max(1, hours - 1), names, each)
        mean = sum(each) / k
        s2 = sum((c - mean) ** 2 for c in each) / (k - 1)
        return cls(mean, s2 * (1 + 1 / k), k - 1, names, each)

    def describe(self) -> str:
        if not self.sources:
            return "no earlier campaign: GMV placed, before cancellations and returns (an upper bound)"
        if len(self.sources) == 1:
            return (
                f"{self.factor:.1%} of GMV placed ended eligible in {self.sources[0]} "
                "(one campaign: a change in cancellations between campaigns is not in the interval yet)"
            )
        return f"{self.factor:.1%} of GMV placed ended eligible on average over {', '.join(self.sources)}"


def _sampling_variance(reference: Reference) -> float:
    """Variance of one campaign's conversion from chance alone, with its hours as clusters (ratio estimator)."""
    pairs = [(p, e) for p, e in zip(reference.placed, reference.eligible, strict=True) if p > 0]
    total = sum(p for p, _ in pairs)
    n = len(pairs)
    if n < 2 or total <= 0:
        return 0.0
    c = sum(e for _, e in pairs) / total
    return n / (n - 1) * sum((e - c * p) ** 2 for p, e in pairs) / (total * total)


@dataclass(frozen=True)
class Projection:
    """A projection of the final eligible GMV after `elapsed` of `hours` hours (sen)."""

    elapsed: int
    hours: int
    observed_sen: int  # GMV placed in the hours seen so far
    point_sen: int | None
    low_sen: int | None
    high_sen: int | None
    note: str
    placed_point_sen: int | None = None  # the projected final GMV placed, before conversion
    conversion: float = 1.0

    @property
    def fraction(self) -> float:
        return self.elapsed / self.hours


def project(placed_so_far: Sequence[int], shape: Shape, conversion: Conversion | None = None) -> Projection:
    """Project the final eligible GMV from the GMV placed in the hours seen so far (one entry per elapsed hour)."""
    conversion = conversion or Conversion.of([])
    hours = len(shape.shares)
    h = min(len(placed_so_far), hours)
    observed = int(sum(placed_so_far[:h]))
    seen = shape.shares[:h]
    s = sum(seen)
    basis = "flat hourly shape (no earlier campaign of this type)" if shape.flat else (
        f"hourly shape of {', '.join(shape.sources)}"
    )
    c = conversion.factor
    what = f"ratio estimate on the {basis}; {conversion.describe()}"
    if h == 0 or s <= 0:
        return Projection(h, hours, observed, None, None, None, f"nothing to scale yet ({basis})", None, c)
    level = observed / s
    sigma2_terms = []  # (σ², degrees of freedom of its estimate)
    if shape.sigma2_references is not None:
        sigma2_terms.append((shape.sigma2_references, shape.df_references))
    ratios = [g / (level * w) - 1 for g, w in zip(placed_so_far[:h], seen, strict=True) if w > 0 and level > 0]
    if len(ratios) >= 2:
        sigma2_terms.append((sum(r * r for r in ratios) / (len(ratios) - 1), len(ratios) - 1))
    point = round(c * level)
    if not sigma2_terms:
        return Projection(h, hours, observed, point, None, None, f"{what}; no interval yet", round(level), c)
    # the larger σ² (a campaign scattering more than its predecessors widens its own interval); taking
    # the larger already errs wide, so it counts with the better-known estimate's degrees of freedom
    sigma2 = max(v for v, _ in sigma2_terms)
    df_level = max(d for _, d in sigma2_terms)
    future = sum(w * w for w in shape.shares[h:])
    past = sum(w * w for w in seen)
    v_level = level * level * sigma2 * (future + (1 - s) ** 2 * past / (s * s))
    v_c = conversion.variance
    # two estimated variances, each with its degrees of freedom: Welch-Satterthwaite's t for their sum
    parts = [(c * c * v_level + v_level * v_c, df_level), (level * level * v_c, conversion.df)]
    variance = sum(v for v, _ in parts)
    sd = math.sqrt(variance)
    if variance > 0:
        df = variance**2 / sum(v * v / d for v, d in parts if v > 0)
        sd *= t90(max(1, math.floor(df))) / Z80
    floor = 0 if conversion.known else observed
    low = max(floor, round(c * level - Z80 * sd))
    high = max(low, round(c * level + Z80 * sd))
    return Projection(h, hours, observed, point, low, high, what, round(level), c)


# --------------------------------------------------------------------------- backtest


@dataclass(frozen=True)
class BacktestPoint:
    campaign_id: str
    checkpoint: float
    elapsed: int
    final_sen: int
    point_sen: int | None
    low_sen: int | None
    high_sen: int | None

    @property
    def abs_pct_error(self) -> float | None:
        if self.point_sen is None or self.final_sen == 0:
            return None
        return abs(self.point_sen - self.final_sen) / self.final_sen

    @property
    def covered(self) -> bool | None:
        if self.low_sen is None or self.high_sen is None:
            return None
        return self.low_sen <= self.final_sen <= self.high_sen


def replay(campaign: Reference, references: Sequence[Reference]) -> list[BacktestPoint]:
    """Replay one settled campaign at 25, 50 and 75 % of its event with the given earlier campaigns."""
    hours = len(campaign.placed)
    if hours == 0:
        return []
    shape = Shape.of(hours, references)
    conversion = Conversion.of(references)
    final = int(sum(campaign.eligible))
    points = []
    for checkpoint in CHECKPOINTS:
        elapsed = max(1, round(checkpoint * hours))
        p = project(campaign.placed[:elapsed], shape, conversion)
        points.append(BacktestPoint(campaign.campaign_id, checkpoint, elapsed, final, p.point_sen, p.low_sen,
                                    p.high_sen))  # fmt: skip
    return points


def median(values: Sequence[float]) -> float | None:
    ordered = sorted(values)
    if not ordered:
        return None
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def backtest(campaigns: Sequence[Reference]) -> dict[str, object]:
    """Replay every campaign (oldest first) with the shapes and conversions of those before it; summarise."""
    points: list[BacktestPoint] = []
    for i, campaign in enumerate(campaigns):
        points += replay(campaign, campaigns[:i])
    summary: dict[str, object] = {"campaigns": [c.campaign_id for c in campaigns], "checkpoints": {}}
    for checkpoint in CHECKPOINTS:
        here = [p for p in points if p.checkpoint == checkpoint]
        errors = [e for p in here if (e := p.abs_pct_error) is not None]
        covered = [c for p in here if (c := p.covered) is not None]
        summary["checkpoints"][f"{round(checkpoint * 100)}%"] = {  # type: ignore[index]
            "replays": len(here),
            "median_abs_pct_error": median(errors),
            "with_interval": len(covered),
            "interval_coverage": (sum(covered) / len(covered)) if covered else None,
        }
    summary["points"] = points
    summary["conversions"] = {c.campaign_id: c.conversion for c in campaigns}
    return summary
