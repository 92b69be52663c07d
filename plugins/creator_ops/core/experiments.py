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
