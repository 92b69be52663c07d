"""Live projection of a campaign's final eligible GMV, and its backtest (SPEC 12). See docs/projection.md.

**Shape.** Each earlier campaign of the same type gives a cumulative share curve: the
share of its final eligible GMV sold by each fraction of its event (hour boundaries,
linear in between, so events of different lengths line up). The reference shape is the
mean of those curves; without any earlier campaign it is flat (the same share every hour)
and the projection says so.

**Point.** After `h` of the event's `H` hours, with `g_i` the GMV of hour *i* and `s_i` the
shape's share of it, the final is the ratio estimate `L = Σ_{i<h} g_i / Σ_{i<h} s_i`:
what the campaign sold so far, scaled by how much of a campaign of this type is usually
sold by now.

**Interval (80 %).** Hours scatter around the shape: `g_i = L s_i (1 + ε_i)`. With σ² the
variance of ε, the error of the projection (the hours still to come against what the
estimate assumes of them) has variance

    L² σ² [ Σ_{i≥h} s_i² + (1 − S)² Σ_{i<h} s_i² / S² ]        with S = Σ_{i<h} s_i,

and σ² is estimated from the hours seen so far (`g_i / (L s_i) − 1`, hours with s_i > 0)
and, when there are two or more earlier campaigns, from how their own hours scattered
around the mean shape (the larger of the two is taken, so a campaign that scatters
more than its predecessors widens its own interval). The interval is
`point ± 1.2815515655446004 × sd`, never below what has already been sold. With fewer than
two hours seen and no earlier campaigns to estimate σ from, there is a point and no
interval. Everything is deterministic floating point over integer sen.

**Backtest.** Each settled campaign is replayed hour by hour with the shapes of the
campaigns before it (what the product would have known then); at 25, 50 and 75 % of the
event the absolute percentage error of the point is recorded, and whether the interval
held the final figure.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

Z80 = 1.2815515655446004  # the standard normal's 90 % quantile: a two-sided 80 % interval
CHECKPOINTS = (0.25, 0.5, 0.75)


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
    """The reference shape for a campaign of `hours` hours, from the earlier campaigns' hourly GMV."""

    shares: list[float]  # the mean shape's share of each hour
    own: list[list[float]]  # each earlier campaign's shares, for the spread between them
    sources: list[str]
    sigma2_references: float | None  # how the earlier campaigns' hours scattered around the mean shape

    @property
    def flat(self) -> bool:
        return not self.sources

    @classmethod
    def of(cls, hours: int, references: Sequence[tuple[str, Sequence[int]]]) -> Shape:
        usable = [(name, list(h)) for name, h in references if sum(h) > 0 and len(h) > 0]
        if not usable:
            return cls([1.0 / hours] * hours, [], [], None)
        own = [shares_for(cumulative_curve(h), hours) for _, h in usable]
        mean = [sum(s[i] for s in own) / len(own) for i in range(hours)]
        sigma2 = None
        if len(own) >= 2:
            residuals = [o / m - 1 for s in own for o, m in zip(s, mean, strict=True) if m > 0]
            sigma2 = sum(r * r for r in residuals) / max(1, len(residuals) - 1)
        return cls(mean, own, [name for name, _ in usable], sigma2)


@dataclass(frozen=True)
class Projection:
    """A projection of the final eligible GMV after `elapsed` of `hours` hours (sen)."""

    elapsed: int
    hours: int
    observed_sen: int
    point_sen: int | None
    low_sen: int | None
    high_sen: int | None
    note: str

    @property
    def fraction(self) -> float:
        return self.elapsed / self.hours


def project(hourly_so_far: Sequence[int], shape: Shape) -> Projection:
    """Project the final from the GMV of the hours seen so far (one entry per elapsed hour)."""
    hours = len(shape.shares)
    h = min(len(hourly_so_far), hours)
    observed = int(sum(hourly_so_far[:h]))
    seen = shape.shares[:h]
    s = sum(seen)
    basis = "flat hourly shape (no earlier campaign of this type)" if shape.flat else (
        f"hourly shape of {', '.join(shape.sources)}"
    )
    if h == 0 or s <= 0:
        return Projection(h, hours, observed, None, None, None, f"nothing to scale yet ({basis})")
    level = observed / s
    sigma2_terms = []
    if shape.sigma2_references is not None:
        sigma2_terms.append(shape.sigma2_references)
    ratios = [g / (level * w) - 1 for g, w in zip(hourly_so_far[:h], seen, strict=True) if w > 0 and level > 0]
    if len(ratios) >= 2:
        sigma2_terms.append(sum(r * r for r in ratios) / (len(ratios) - 1))
    point = round(level)
    if not sigma2_terms:
        return Projection(h, hours, observed, point, None, None, f"ratio estimate on the {basis}; no interval yet")
    sigma2 = max(sigma2_terms)
    future = sum(w * w for w in shape.shares[h:])
    past = sum(w * w for w in seen)
    variance = level * level * sigma2 * (future + (1 - s) ** 2 * past / (s * s))
    sd = math.sqrt(variance)
    low = max(observed, round(level - Z80 * sd))
    high = max(low, round(level + Z80 * sd))
    return Projection(h, hours, observed, point, low, high, f"ratio estimate on the {basis}")


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


def replay(
    campaign_id: str, hourly: Sequence[int], references: Sequence[tuple[str, Sequence[int]]]
) -> list[BacktestPoint]:
    """Replay one settled campaign at 25, 50 and 75 % of its event with the given earlier campaigns' shapes."""
    hours = len(hourly)
    if hours == 0:
        return []
    shape = Shape.of(hours, references)
    final = int(sum(hourly))
    points = []
    for checkpoint in CHECKPOINTS:
        elapsed = max(1, round(checkpoint * hours))
        p = project(hourly[:elapsed], shape)
        points.append(BacktestPoint(campaign_id, checkpoint, elapsed, final, p.point_sen, p.low_sen, p.high_sen))
    return points


def median(values: Sequence[float]) -> float | None:
    ordered = sorted(values)
    if not ordered:
        return None
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def backtest(campaigns: Sequence[tuple[str, Sequence[int]]]) -> dict[str, object]:
    """Replay every campaign (oldest first) with the shapes of those before it; summarise per checkpoint."""
    points: list[BacktestPoint] = []
    for i, (campaign_id, hourly) in enumerate(campaigns):
        points += replay(campaign_id, hourly, campaigns[:i])
    summary: dict[str, object] = {"campaigns": [c for c, _ in campaigns], "checkpoints": {}}
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
    return summary
