"""Traffic allocation (SPEC section 11): where the paid-boost budget goes, in whole sen.

A creator's GMV per 1,000 views is shrunk toward the campaign's, so one lucky video does
not take the budget:

    gpm(c) = 1000 × (G_c + 10000 × G / V) / (V_c + 10000)

with `G_c`, `V_c` the creator's content GMV (MYR) and views and `G`, `V` those of all
candidates (every creator in the content data). With no views at all (`V = 0`) the
campaign term is 0. The j-th `step_myr` of spend on c returns `gpm(c) × efficiency[j] /
cpm_myr` GMV per MYR; nobody gets more than `len(efficiency) × step_myr`.

Maximising expected extra GMV under the budget is a fractional knapsack over concave
piecewise-linear returns (efficiency must not increase from one step to the next, which
the spec checks): every (creator, step) segment has a constant return per MYR, and any
optimum spends on segments in order of return, so taking segments best first, the last
one partly, is optimal. Every breakpoint is a whole number of sen (budget and steps are
whole sen), so this optimum is also the whole-sen optimum. Segments returning nothing
are not bought: spending on them adds no GMV.

Ordering is exact: the returns are rational, and the sort key is their numerator over
the common factors, times the square of the largest denominator, floored — distinct
returns differ by at least 1 / that square, so the integer keys order them exactly
(and equal returns get equal keys). Ties break by creator_id, then step.

During the event, each hourly run re-allocates what is left: `allocate` takes what was
already spent on each creator (`spent_sen`), so a creator continues on its own curve
(its next step, never above its cap), and the hour's budget is what remains.

Expected GMV is exact (a `Fraction` of MYR); each creator's row is floored to the sen,
and the total written is the sum of the rows (at most one sen per creator under the
exact total, which `Allocation.expected_gmv_exact` keeps).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from creator_ops.core.errors import CreatorOpsError
from creator_ops.core.experiments import held_back_text
from creator_ops.core.money import NotWholeSen, format_myr, to_sen
from creator_ops.core.safe_csv import csv_bytes

SHRINK_VIEWS = 10_000  # the prior's weight, in views (SPEC 11)
ALLOCATION_COLUMNS = (
    "creator_id",
    "spend_myr",
    "expected_gmv_myr",
    "gpm_myr",
    "content_gmv_myr",
    "content_views",
    "ghost_spend_myr",
    "ghost_expected_gmv_myr",
)


class TrafficError(CreatorOpsError, ValueError):
    """Traffic parameters are unusable; the message names the spec field."""


@dataclass(frozen=True)
class TrafficParams:
    """The spec's `traffic` block in exact units: sen for money, fractions for rates."""

    budget_sen: int
    cpm: Fraction  # MYR per 1,000 views
    step_sen: int
    efficiency: tuple[Fraction, ...]

    def __post_init__(self) -> None:
        if self.budget_sen < 0:
            raise TrafficError(f"traffic.budget_myr: {format_myr(self.budget_sen)} is negative")
        if self.cpm <= 0:
            raise TrafficError(f"traffic.cpm_myr: {self.cpm} must be more than 0")
        if self.step_sen <= 0:
            raise TrafficError(f"traffic.step_myr: {format_myr(self.step_sen)} must be more than 0")
        if not self.efficiency:
            raise TrafficError("traffic.efficiency: needs at least one step")
        if any(e < 0 for e in self.efficiency):
            raise TrafficError("traffic.efficiency: a step's efficiency is negative")
        if any(b > a for a, b in zip(self.efficiency, self.efficiency[1:], strict=False)):
            raise TrafficError("traffic.efficiency: must not increase from one step to the next (diminishing returns)")

    @classmethod
    def of(
        cls,
        *,
        budget_myr: Decimal | int | str,
        cpm_myr: Decimal | int | str,
        step_myr: Decimal | int | str,
        efficiency: Sequence[Decimal | int | str],
    ) -> TrafficParams:
        """Build from MYR amounts and decimal efficiencies (as the spec holds them)."""
        return cls(
            budget_sen=_sen(budget_myr, "traffic.budget_myr"),
            cpm=Fraction(Decimal(cpm_myr)),
            step_sen=_sen(step_myr, "traffic.step_myr"),
            efficiency=tuple(Fraction(Decimal(e)) for e in efficiency),
        )

    @classmethod
    def from_spec(cls, traffic: Any) -> TrafficParams:
        """Build from the spec's validated `traffic` block."""
        return cls.of(
            budget_myr=traffic.budget_myr,
            cpm_myr=traffic.cpm_myr,
            step_myr=traffic.step_myr,
            efficiency=list(traffic.efficiency),
        )

    @property
    def cap_sen(self) -> int:
        """The most any one creator can get: len(efficiency) × step."""
        return len(self.efficiency) * self.step_sen


def _sen(myr: Decimal | int | str, field_name: str) -> int:
    try:
        return to_sen(myr)
    except NotWholeSen as exc:
        raise TrafficError(f"{field_name}: {exc}", field=field_name) from None


@dataclass(frozen=True)
class CreatorContent:
    """A creator's content totals: GMV in sen and views, over the content landed so far."""

    creator_id: str
    gmv_sen: int
    views: int


def content_totals(rows: Iterable[tuple[str, str, int | None, int | None]]) -> list[CreatorContent]:
    """Sum (content_id, creator_id, gmv_sen, views) rows per creator; a content_id given again replaces it.

    Content metrics grow as a video keeps selling, so the row given last for a content_id
    (give rows in the order they landed) is its current figure.
    """
    latest: dict[str, tuple[str, int, int]] = {}
    for content_id, creator_id, gmv_sen, views in rows:
        latest[content_id] = (creator_id, max(int(gmv_sen or 0), 0), max(int(views or 0), 0))
    gmv: dict[str, int] = {}
    seen: dict[str, int] = {}
    for creator_id, gmv_sen, views in latest.values():
        gmv[creator_id] = gmv.get(creator_id, 0) + gmv_sen
        seen[creator_id] = seen.get(creator_id, 0) + views
    return [CreatorContent(c, gmv[c], seen[c]) for c in sorted(gmv)]


@dataclass(frozen=True)
class Shrinkage:
    """The campaign's totals, which every creator's GPM is shrunk toward."""

    gmv_sen: int
    views: int

    @classmethod
    def of(cls, creators: Sequence[CreatorContent]) -> Shrinkage:
        return cls(sum(c.gmv_sen for c in creators), sum(c.views for c in creators))

    def numerator(self, creator: CreatorContent) -> int:
        """Return G_c × V + 10000 × G in sen·views (V taken as 1 and G as 0 when nobody has views)."""
        if self.views == 0:
            return creator.gmv_sen
        return creator.gmv_sen * self.views + SHRINK_VIEWS * self.gmv_sen

    def gpm(self, creator: CreatorContent) -> Fraction:
        """Return gpm(c) in MYR per 1,000 views, exactly."""
        views = self.views or 1
        return Fraction(1000 * self.numerator(creator), 100 * views * (creator.views + SHRINK_VIEWS))


@dataclass(frozen=True)
class CreatorAllocation:
    """One creator's boost: spend this time (sen), its expected extra GMV (exact MYR), and the inputs.

    A holdout creator the plan chose is a *ghost* (SPEC 15): its spend and expected GMV are 0
    and what it would have got is in `ghost_spend_sen` and `ghost_expected_gmv`.
    """

    creator_id: str
    spend_sen: int
    expected_gmv: Fraction
    gpm: Fraction
    content_gmv_sen: int
    content_views: int
    spent_before_sen: int = 0
    ghost_spend_sen: int = 0
    ghost_expected_gmv: Fraction = Fraction(0)

    @property
    def expected_gmv_sen(self) -> int:
        """Expected extra GMV floored to the sen."""
        return math.floor(self.expected_gmv * 100)

    @property
    def ghost_expected_gmv_sen(self) -> int:
        return math.floor(self.ghost_expected_gmv * 100)

    @property
    def is_ghost(self) -> bool:
        return self.ghost_spend_sen > 0

    def as_row(self) -> dict[str, object]:
        return {
            "creator_id": self.creator_id,
            "spend_myr": format_myr(self.spend_sen),
            "expected_gmv_myr": format_myr(self.expected_gmv_sen),
            "gpm_myr": format_myr(math.floor(self.gpm * 100)),
            "content_gmv_myr": format_myr(self.content_gmv_sen),
            "content_views": self.content_views,
            "ghost_spend_myr": format_myr(self.ghost_spend_sen),
            "ghost_expected_gmv_myr": format_myr(self.ghost_expected_gmv_sen),
        }


@dataclass
class Allocation:
    """The allocation: one row per candidate creator (by spend descending, then creator_id) and totals."""

    rows: list[CreatorAllocation]
    budget_sen: int
    params: TrafficParams
    notes: list[str] = field(default_factory=list)
    held_out: int = 0  # candidates held out of traffic (SPEC 12): never boosted; a row only when a ghost
    calibration: Fraction = Fraction(1)  # the factor every gpm was multiplied by (SPEC 12's loop)

    @property
    def spent_sen(self) -> int:
        return sum(r.spend_sen for r in self.rows)

    @property
    def expected_gmv_sen(self) -> int:
        """The total written: the sum of the rows' floored expected GMV."""
        return sum(r.expected_gmv_sen for r in self.rows)

    @property
    def expected_gmv_exact(self) -> Fraction:
        return sum((r.expected_gmv for r in self.rows), Fraction(0))

    @property
    def boosted(self) -> list[CreatorAllocation]:
        return [r for r in self.rows if r.spend_sen > 0]

    @property
    def ghosts(self) -> list[CreatorAllocation]:
        """Holdout creators the plan gave spend this time (SPEC 15): recorded, never bought."""
        return [r for r in self.rows if r.is_ghost]

    @property
    def held_back_sen(self) -> int:
        """Ghost spend: counted against the budget and caps as if spent, not bought."""
        return sum(r.ghost_spend_sen for r in self.rows)

    @property
    def planned(self) -> list[CreatorAllocation]:
        """Rows with spend or ghost spend: what the warehouse records for the hour."""
        return [r for r in self.rows if r.spend_sen > 0 or r.ghost_spend_sen > 0]

    def summary(self) -> dict[str, Any]:
        """Return totals; the holdout's size and the calibration factor appear when they apply."""
        extra: dict[str, Any] = {}
        if self.held_out:
            extra["held_out_creators"] = self.held_out
            extra["ghosts"] = len(self.ghosts)
            extra["held_back_myr"] = format_myr(self.held_back_sen)
            extra["ghost_expected_gmv_myr"] = format_myr(sum(r.ghost_expected_gmv_sen for r in self.rows))
        if self.calibration != 1:
            extra["calibration"] = f"{float(self.calibration):.6f}"
        return {
            "creators": len(self.rows),
            "boosted_creators": len(self.boosted),
            "budget_myr": format_myr(self.budget_sen),
            "spent_myr": format_myr(self.spent_sen),
            "expected_gmv_myr": format_myr(self.expected_gmv_sen),
            "cap_per_creator_myr": format_myr(self.params.cap_sen),
            **extra,
        }

    def csv(self, *, for_excel: bool = True) -> bytes:
        """Render the rows as formula-safe CSV: with a BOM and CRLF for Excel, else plain UTF-8 and LF."""
        rows = (r.as_row() for r in self.rows)
        if for_excel:
            return csv_bytes(ALLOCATION_COLUMNS, rows)
        return csv_bytes(ALLOCATION_COLUMNS, rows, bom=False, lineterminator="\n")


def _segments(params: TrafficParams, spent_before: int) -> list[tuple[int, int]]:
    """Return (step index, sen still buyable in it) for a creator who already got `spent_before`."""
    out = []
    for j in range(len(params.efficiency)):
        low, high = j * params.step_sen, (j + 1) * params.step_sen
        room = high - max(low, spent_before)
        if room > 0:
            out.append((j, room))
    return out


def _plan_rows(
    creators: Sequence[CreatorContent],
    spend: Mapping[str, int],
    gmv: Mapping[str, Fraction],
    gpms: Mapping[str, Fraction],
    spent_sen: Mapping[str, int],
    holdout: Set[str],
) -> list[CreatorAllocation]:
    """One row per treated candidate, and one per holdout creator the plan gave spend (a ghost, SPEC 15)."""
    rows = []
    for c in creators:
        ghost = c.creator_id in holdout
        if ghost and not spend.get(c.creator_id):
            continue
        planned, expected = spend.get(c.creator_id, 0), gmv.get(c.creator_id, Fraction(0))
        rows.append(
            CreatorAllocation(
                creator_id=c.creator_id,
                spend_sen=0 if ghost else planned,
                expected_gmv=Fraction(0) if ghost else expected,
                gpm=gpms[c.creator_id],
                content_gmv_sen=c.gmv_sen,
                content_views=c.views,
                spent_before_sen=spent_sen.get(c.creator_id, 0),
                ghost_spend_sen=planned if ghost else 0,
                ghost_expected_gmv=expected if ghost else Fraction(0),
            )
        )
    return rows


def allocate(
    creators: Sequence[CreatorContent],
    params: TrafficParams,
    *,
    budget_sen: int | None = None,
    spent_sen: Mapping[str, int] | None = None,
    holdout: Set[str] = frozenset(),
    calibration: Fraction = Fraction(1),
) -> Allocation:
    """Spread `budget_sen` (default the spec's budget) over creators to maximise expected extra GMV.

    `spent_sen` is what each creator already got earlier in the event: it counts toward
    the cap and moves the creator along its steps (give ghost spend there too: SPEC 15 counts
    it against the cap). The plan is computed over every candidate, `holdout` (SPEC 12)
    included; a holdout creator the plan gives spend is a ghost (SPEC 15): its row records
    `ghost_spend_sen` and `ghost_expected_gmv` and its spend is 0, so the ghost's share
    counts against the budget but is never bought, and every other creator gets exactly
    what the plan without a holdout would give. A holdout creator the plan passes over has
    no row. `calibration` (at least 0) multiplies every creator's GPM:
    the same factor for all, so it changes expected GMV and never the order of segments
    (with 0, nothing returns anything and nothing is bought). Returns the spend of this
    allocation.
    """
    if calibration < 0:
        raise TrafficError(f"calibration factor {calibration} is negative")
    budget = params.budget_sen if budget_sen is None else budget_sen
    if budget < 0:
        raise TrafficError(f"budget to allocate is negative ({format_myr(budget)})")
    spent_sen = spent_sen or {}
    shrink = Shrinkage.of(creators)
    # efficiency over one common denominator: e_j = weights[j] / common
    common = math.lcm(*(e.denominator for e in params.efficiency))
    weights = [int(e * common) for e in params.efficiency]
    largest_den = max((c.views + SHRINK_VIEWS for c in creators), default=1)
    scale = largest_den * largest_den
    segments: list[tuple[int, str, int, int]] = []  # (-key, creator_id, step, room)
    for creator in creators:
        numerator = shrink.numerator(creator)
        if numerator <= 0 or calibration == 0:
            continue
        denominator = creator.views + SHRINK_VIEWS
        for j, room in _segments(params, spent_sen.get(creator.creator_id, 0)):
            if weights[j] > 0:
                segments.append((-(numerator * weights[j] * scale // denominator), creator.creator_id, j, room))
    segments.sort()
    left = budget
    spend: dict[str, int] = {}
    gmv: dict[str, Fraction] = {}
    gpms = {c.creator_id: shrink.gpm(c) * calibration for c in creators}
    for _, creator_id, j, room in segments:
        if left == 0:
            break
        take = min(room, left)
        left -= take
        spend[creator_id] = spend.get(creator_id, 0) + take
        rate = gpms[creator_id] * params.efficiency[j] / params.cpm  # GMV MYR per MYR spent
        gmv[creator_id] = gmv.get(creator_id, Fraction(0)) + Fraction(take, 100) * rate
    rows = _plan_rows(creators, spend, gmv, gpms, spent_sen, holdout)
    rows.sort(key=lambda r: (-r.spend_sen, -r.ghost_spend_sen, r.creator_id))
    notes = []
    if left and budget:
        notes.append(
            f"{format_myr(left)} MYR of {format_myr(budget)} left unspent: every creator is at its cap "
            "or returns nothing"
        )
    held_out = sum(1 for c in creators if c.creator_id in holdout)
    if held_out:
        ghost_sen = sum(r.ghost_spend_sen for r in rows)
        notes.append(
            f"{held_out} creators held out of traffic (SPEC 12 holdout): never boosted, so that the boost's "
            f"effect can be measured against them; {held_back_text(boost_sen=ghost_sen)} (the plan's spend on "
            f"{sum(1 for r in rows if r.is_ghost)} holdout creators, counted against the budget, not bought)"
        )
    return Allocation(rows=rows, budget_sen=budget, params=params, notes=notes, held_out=held_out,
                      calibration=calibration)  # fmt: skip
