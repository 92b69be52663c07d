"""Product matchmaking (SPEC section 11): who gets a free sample of which product.

Values are exact (integers and fractions of integers, never floats). For creator *c* and
product *p*:

- `affinity` = c's history GMV in p's category / c's total history GMV when c has history
  GMV > 0; otherwise 1 if c's category equals p's category, else 0;
- `reliability` = (posted samples of c + 1) / (shipped samples of c + 2);
- `value_sen` = floor(gmv_30d_sen(c) × affinity × reliability × priority(p)).

A pair is allowed when `value_sen > 0` and `followers(c) >= min_followers(p)`.
Categories compare as slugs ("Home & Living" is "home_living"), as in recruitment.

The assignment is a maximum-weight b-matching: every product gets at most its
`sample_quota` creators, every creator at most `max_products_per_creator` products, and
the sum of `value_sen` is the maximum possible. It is solved exactly as a min-cost flow
(OR-Tools `SimpleMinCostFlow`, integer costs): source → creator (capacity
`max_products_per_creator`), creator → product (capacity 1, cost −value), product → sink
(capacity `sample_quota`), plus a source → sink bypass at cost 0 so that the flow may
leave quota unused rather than take a worse pair. Min-cost flow has integral optima, so
the flow is a matching, and with every pair arc costing −value its minimum cost is the
negated maximum total value. A greedy pass (best pair first) is not enough: with values
A–X 10, A–Y 9, B–X 9 and one slot each, greedy takes A–X (10) where A–Y + B–X is 18.

Scoring does not loop over all creator × product pairs in Python: a pair's value depends
on the product only through its (category, priority), so it is computed exactly once per
creator and (category, priority), and the products of that group that the creator has
enough followers for are taken as a slice (numpy) of the group sorted by min_followers.
"""

from __future__ import annotations

import bisect
import json
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence, Set
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from creator_ops.core.errors import CreatorOpsError
from creator_ops.core.money import format_myr
from creator_ops.core.recruitment import file_safe, slug
from creator_ops.core.safe_csv import csv_bytes, write_atomically
from creator_ops.core.samples import is_posted, is_shipped

PAIR_COLUMNS = ("creator_id", "product_id", "value_myr", "account_manager")
PRODUCT_COLUMNS = ("product_id", "name", "category", "priority", "sample_quota", "assigned", "short", "ghosts")
UNASSIGNED = "unassigned"  # the list of creators no account manager owns
SIGNOFF_STEP_ID = "bd_matchmaking_signoff"  # the runbook step whose approval freezes the list
# what `value` is, said wherever it is shown (SPEC 12): a score to rank pairs by, not money to expect
VALUE_MEANING = (
    "value is a ranking score (30-day GMV × category fit × sample reliability × product priority), "
    "a unitless number to rank pairs by, not money and not a forecast of GMV"
)


def score_text(value_sen: int | str) -> str:
    """Return a ranking score as people read it: a unitless whole number ("3,971,723"), never "RM …".

    `value_sen` is the score in the integer unit SPEC 11 computes it in (or the `value_myr`
    text of the list's CSV and summary, which SPEC names so): shown rounded to a whole number,
    half up, with no currency, since a score is not money (it can exceed the campaign's GMV).
    """
    if isinstance(value_sen, str):
        from creator_ops.core.money import to_sen

        value_sen = to_sen(value_sen)
    whole, rest = divmod(int(value_sen), 100)
    return f"{whole + (1 if rest >= 50 else 0):,}"


class MatchmakingError(CreatorOpsError, ValueError):
    """Matchmaking inputs are unusable (a negative quota, a solver that did not reach an optimum)."""


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class MatchCreator:
    """A candidate for samples: an enrolled creator (money in sen)."""

    creator_id: str
    category: str | None = None
    followers: int | None = 0
    gmv_30d_sen: int | None = 0
    account_manager: str | None = None


@dataclass(frozen=True)
class Product:
    """A product of the campaign's selection (SPEC section 9 `products`)."""

    product_id: str
    category: str | None = None
    sample_quota: int = 0
    priority: int = 1
    min_followers: int = 0
    name: str | None = None
    price_sen: int | None = None


@dataclass(frozen=True)
class SampleHistory:
    """A creator's samples so far: how many were shipped and how many of those were posted about."""

    shipped: int = 0
    posted: int = 0


def sample_histories(samples: Iterable[tuple[str, str, str | None]]) -> dict[str, SampleHistory]:
    """Count shipped and posted samples per creator from (sample_id, creator_id, status) rows.

    Shipped and posted are SPEC 9's (`creator_ops.core.samples`). Statuses change: for the
    same sample_id the row given last wins (give rows in the order they landed).
    """
    latest: dict[str, tuple[str, str | None]] = {}
    for sample_id, creator_id, status in samples:
        latest.pop(sample_id, None)  # keep dict order = order of the winning rows
        latest[sample_id] = (creator_id, status)
    shipped: dict[str, int] = defaultdict(int)
    posted: dict[str, int] = defaultdict(int)
    for creator_id, status in latest.values():
        if is_shipped(status):
            shipped[creator_id] += 1
        if is_posted(status):
            posted[creator_id] += 1
    return {c: SampleHistory(shipped[c], posted[c]) for c in shipped}


def history_by_category(rows: Iterable[tuple[str, str | None, int]]) -> dict[str, dict[str, int]]:
    """Sum history GMV (sen) per creator and category slug from (creator_id, category, gmv_sen) rows."""
    history: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for creator_id, category, gmv_sen in rows:
        history[creator_id][slug(category)] += int(gmv_sen or 0)
    return {c: dict(cats) for c, cats in history.items()}


# --------------------------------------------------------------------------- values


def affinity(creator: MatchCreator, category: str | None, history: dict[str, int] | None) -> Fraction:
    """Return the share of c's history GMV in `category`, or 1/0 by category match without history."""
    total = sum(history.values()) if history else 0
    if total > 0:
        return Fraction(history.get(slug(category), 0), total)  # type: ignore[union-attr]
    return Fraction(1 if slug(creator.category) == slug(category) and slug(category) else 0)


def reliability(samples: SampleHistory | None) -> Fraction:
    """Return (posted + 1) / (shipped + 2): 1/2 for a creator never sampled."""
    samples = samples or SampleHistory()
    return Fraction(samples.posted + 1, samples.shipped + 2)


def pair_value_sen(
    creator: MatchCreator,
    product: Product,
    history: dict[str, int] | None = None,
    samples: SampleHistory | None = None,
) -> int:
    """Return value_sen of one pair, exactly as SPEC 11 defines it (the reference the bulk path must match)."""
    exact = (creator.gmv_30d_sen or 0) * affinity(creator, product.category, history) * reliability(samples)
    return math.floor(exact * product.priority)


def is_allowed(creator: MatchCreator, product: Product, value_sen: int) -> bool:
    """A pair is allowed when its value is positive and the creator has enough followers."""
    return value_sen > 0 and (creator.followers or 0) >= product.min_followers


# --------------------------------------------------------------------------- bulk scoring


@dataclass
class ScoredPairs:
    """Every allowed pair as parallel arrays: creator index, product index, value in sen."""

    creators: list[MatchCreator]
    products: list[Product]
    creator_index: Any  # numpy int64 arrays
    product_index: Any
    value_sen: Any

    def __len__(self) -> int:
        return int(self.value_sen.shape[0])

    def values(self) -> dict[tuple[str, str], int]:
        """Return {(creator_id, product_id): value_sen} of every allowed pair (for reading, not for bulk)."""
        columns = (self.creator_index.tolist(), self.product_index.tolist(), self.value_sen.tolist())
        return {
            (self.creators[c].creator_id, self.products[p].product_id): v for c, p, v in zip(*columns, strict=True)
        }


def _unique(items: Iterable[Any], key: str) -> list[Any]:
    """Keep the first item of every id (the readers already quarantine later duplicates)."""
    seen: dict[str, Any] = {}
    for item in items:
        seen.setdefault(getattr(item, key), item)
    return list(seen.values())


def _check_products(products: Sequence[Product]) -> None:
    for product in products:
        if product.sample_quota < 0:
            raise MatchmakingError(f"product {product.product_id}: sample_quota {product.sample_quota} is negative")
        if product.priority not in (1, 2, 3):
            raise MatchmakingError(f"product {product.product_id}: priority {product.priority} is not 1, 2 or 3")
        if product.min_followers < 0:
            raise MatchmakingError(f"product {product.product_id}: min_followers {product.min_followers} is negative")


def _product_groups(products: Sequence[Product]) -> dict[tuple[str, int], tuple[list[int], Any]]:
    """Group products with a quota by (category slug, priority); each group sorted by min_followers."""
    import numpy as np

    groups: dict[tuple[str, int], list[int]] = defaultdict(list)
    for index, product in enumerate(products):
        if product.sample_quota > 0:
            groups[(slug(product.category), product.priority)].append(index)
    out = {}
    for key, members in groups.items():
        members.sort(key=lambda i: (products[i].min_followers, i))
        out[key] = ([products[i].min_followers for i in members], np.array(members, dtype=np.int64))
    return out


def score_pairs(
    creators: Iterable[MatchCreator],
    products: Iterable[Product],
    history: dict[str, dict[str, int]] | None = None,
    samples: dict[str, SampleHistory] | None = None,
) -> ScoredPairs:
    """Value every allowed pair (products without quota take no one)."""
    import numpy as np

    creator_list = _unique(creators, "creator_id")
    product_list = _unique(products, "product_id")
    _check_products(product_list)
    history = history or {}
    samples = samples or {}
    groups = _product_groups(product_list)
    by_category: dict[str, list[tuple[int, list[int], Any]]] = defaultdict(list)
    for (category, priority), (thresholds, members) in groups.items():
        by_category[category].append((priority, thresholds, members))
    c_parts, p_parts, v_parts = [], [], []
    for c_index, creator in enumerate(creator_list):
        gmv = creator.gmv_30d_sen or 0
        if gmv <= 0:
            continue
        followers = creator.followers or 0
        seen = samples.get(creator.creator_id) or SampleHistory()
        past = history.get(creator.creator_id) or {}
        total = sum(past.values())
        if total > 0:
            weights = {cat: gmv_sen for cat, gmv_sen in past.items() if cat in by_category}
            denominator = total * (seen.shipped + 2)
        else:
            own = slug(creator.category)
            weights = {own: 1} if own and own in by_category else {}
            denominator = seen.shipped + 2
        for category, weight in weights.items():
            base = gmv * weight * (seen.posted + 1)
            for priority, thresholds, members in by_category[category]:
                value = base * priority // denominator
                if value <= 0:
                    continue
                reach = bisect.bisect_right(thresholds, followers)
                if reach:
                    chosen = members[:reach]
                    p_parts.append(chosen)
                    c_parts.append(np.full(reach, c_index, dtype=np.int64))
                    v_parts.append(np.full(reach, value, dtype=np.int64))
    empty = np.zeros(0, dtype=np.int64)
    return ScoredPairs(
        creators=creator_list,
        products=product_list,
        creator_index=np.concatenate(c_parts) if c_parts else empty,
        product_index=np.concatenate(p_parts) if p_parts else empty,
        value_sen=np.concatenate(v_parts) if v_parts else empty,
    )


# --------------------------------------------------------------------------- assignment


def solve_assignment(pairs: ScoredPairs, max_products_per_creator: int) -> Any:
    """Return a boolean mask over `pairs`: a maximum-value assignment (min-cost flow, OR-Tools)."""
    import numpy as np
    from ortools.graph.python import min_cost_flow

    if max_products_per_creator < 0:
        raise MatchmakingError(f"max_products_per_creator {max_products_per_creator} is negative")
    n = len(pairs)
    if n == 0 or max_products_per_creator == 0:
        return np.zeros(n, dtype=bool)
    n_creators, n_products = len(pairs.creators), len(pairs.products)
    source, sink = 0, 1 + n_creators + n_products
    creators_used = np.unique(pairs.creator_index)
    products_used = np.unique(pairs.product_index)
    quotas = np.array([pairs.products[i].sample_quota for i in products_used], dtype=np.int64)
    supply = int(min(len(creators_used) * max_products_per_creator, int(quotas.sum())))
    flow = min_cost_flow.SimpleMinCostFlow()
    pair_arcs = flow.add_arcs_with_capacity_and_unit_cost(
        1 + pairs.creator_index, 1 + n_creators + pairs.product_index, np.ones(n, dtype=np.int64), -pairs.value_sen
    )
    flow.add_arcs_with_capacity_and_unit_cost(
        np.zeros(len(creators_used), dtype=np.int64),
        1 + creators_used,
        np.full(len(creators_used), max_products_per_creator, dtype=np.int64),
        np.zeros(len(creators_used), dtype=np.int64),
    )
    flow.add_arcs_with_capacity_and_unit_cost(
        1 + n_creators + products_used,
        np.full(len(products_used), sink, dtype=np.int64),
        quotas,
        np.zeros(len(products_used), dtype=np.int64),
    )
    flow.add_arc_with_capacity_and_unit_cost(source, sink, supply, 0)  # quota may stay unused
    flow.set_node_supply(source, supply)
    flow.set_node_supply(sink, -supply)
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise MatchmakingError(f"the min-cost flow solver stopped with status {status}, not an optimum")
    return flow.flows(pair_arcs) > 0


# --------------------------------------------------------------------------- result


@dataclass(frozen=True)
class MatchPair:
    """One assigned pair: who gets a sample of what, its value and the creator's account manager."""

    creator_id: str
    product_id: str
    value_sen: int
    account_manager: str | None = None

    def as_row(self) -> dict[str, object]:
        return {
            "creator_id": self.creator_id,
            "product_id": self.product_id,
            "value_myr": format_myr(self.value_sen),
            "account_manager": self.account_manager or "",
        }


@dataclass(frozen=True)
class ProductFill:
    """How far one product's sample quota is filled: pairs assigned, and ghost pairs that used quota (SPEC 15)."""

    product: Product
    assigned: int
    ghosts: int = 0

    @property
    def short(self) -> int:
        return max(0, self.product.sample_quota - self.assigned - self.ghosts)

    def as_row(self) -> dict[str, object]:
        p = self.product
        return {
            "product_id": p.product_id,
            "name": p.name or "",
            "category": p.category or "",
            "priority": p.priority,
            "sample_quota": p.sample_quota,
            "assigned": self.assigned,
            "short": self.short,
            "ghosts": self.ghosts,
        }


@dataclass
class MatchResult:
    """The matchmaking list: assigned pairs (by product, then value descending) and how products filled."""

    pairs: list[MatchPair]
    fills: list[ProductFill]
    candidates: int
    allowed_pairs: int
    max_products_per_creator: int
    account_managers: list[str] = field(default_factory=list)
    held_out: int = 0  # enrolled creators held out of samples (SPEC 12): in no pair
    measured: dict[str, Any] | None = None  # the last settled samples holdout's measured lift per sample
    # SPEC 15: pairs the plan gave holdout creators (they use quota; nothing is shipped)
    ghost_pairs: list[MatchPair] = field(default_factory=list)
    prices: dict[str, int] = field(default_factory=dict)  # product_id → price in sen (what a ghost holds back)
    power: dict[str, Any] | None = None  # SPEC 15's MDE statement, set by the caller that knows the past

    @property
    def held_back_sen(self) -> int:
        """The prices of the ghost pairs' products."""
        return sum(self.prices.get(p.product_id, 0) for p in self.ghost_pairs)

    @property
    def total_value_sen(self) -> int:
        return sum(p.value_sen for p in self.pairs)

    @property
    def products_filled(self) -> int:
        """Products whose sample quota is used up; a product with quota 0 is neither filled nor short."""
        return sum(1 for f in self.fills if f.short == 0 and f.product.sample_quota > 0)

    @property
    def products_without_quota(self) -> int:
        return sum(1 for f in self.fills if f.product.sample_quota == 0)

    @property
    def products_short(self) -> list[ProductFill]:
        return [f for f in self.fills if f.short > 0]

    def by_account_manager(self) -> dict[str, list[MatchPair]]:
        """Return each account manager's list (spec's managers first, every one present; `unassigned` last)."""
        lists: dict[str, list[MatchPair]] = {am: [] for am in self.account_managers}
        for pair in self.pairs:
            lists.setdefault(pair.account_manager or UNASSIGNED, []).append(pair)
        named = sorted(k for k in lists if k not in self.account_managers and k != UNASSIGNED)
        order = [*self.account_managers, *named, *([UNASSIGNED] if UNASSIGNED in lists else [])]
        return {am: lists[am] for am in order}

    def summary(self) -> dict[str, Any]:
        """Return the summary ops and the sign-off read: pairs, total value, products filled and short."""
        extra: dict[str, Any] = {}
        if self.held_out:
            from creator_ops.core.experiments import held_back_text

            extra["held_out_creators"] = self.held_out
            extra["ghost_pairs"] = len(self.ghost_pairs)
            extra["ghosts"] = len({p.creator_id for p in self.ghost_pairs})
            extra["held_back_samples"] = len(self.ghost_pairs)
            extra["held_back_myr"] = format_myr(self.held_back_sen)
            extra["held_back"] = held_back_text(samples=len(self.ghost_pairs))
        if self.power is not None:
            extra["power"] = self.power
        if self.measured is not None:
            extra["measured_last_campaign"] = self.measured
        return {
            "pairs": len(self.pairs),
            "total_value_myr": format_myr(self.total_value_sen),
            "value_meaning": VALUE_MEANING,
            **extra,
            "candidates": self.candidates,
            "creators_matched": len({p.creator_id for p in self.pairs}),
            "allowed_pairs": self.allowed_pairs,
            "max_products_per_creator": self.max_products_per_creator,
            "products": len(self.fills),
            "products_filled": self.products_filled,
            "products_without_quota": self.products_without_quota,
            "products_short": len(self.products_short),
            "samples_short": sum(f.short for f in self.fills),
            "short": [
                {"product_id": f.product.product_id, "sample_quota": f.product.sample_quota, "assigned": f.assigned}
                for f in self.products_short
            ],
            "per_account_manager": {
                am: {"pairs": len(rows), "value_myr": format_myr(sum(p.value_sen for p in rows))}
                for am, rows in self.by_account_manager().items()
            },
        }


def pair_sort_key(pair: MatchPair) -> tuple:
    """By product, then value descending, then creator_id: the same list sorts the same way every time."""
    return (pair.product_id, -pair.value_sen, pair.creator_id)


def match(
    creators: Iterable[MatchCreator],
    products: Iterable[Product],
    *,
    history: dict[str, dict[str, int]] | None = None,
    samples: dict[str, SampleHistory] | None = None,
    max_products_per_creator: int = 1,
    account_managers: Sequence[str] = (),
    holdout: Set[str] = frozenset(),
) -> MatchResult:
    """Score every allowed pair and return a maximum-value assignment (SPEC section 11).

    The optimum is over every candidate, `holdout` (SPEC 12's samples holdout) included
    (SPEC 15): a pair it gives a holdout creator is a ghost pair, which uses its product's
    quota but is not in the list (nothing is shipped), so everyone else gets exactly what
    the plan without a holdout would give.
    """
    creators = list(creators)
    held_out = sum(1 for c in creators if c.creator_id in holdout)
    scored = score_pairs(creators, products, history, samples)
    chosen = solve_assignment(scored, max_products_per_creator)
    pairs = [
        MatchPair(
            scored.creators[c].creator_id,
            scored.products[p].product_id,
            int(v),
            scored.creators[c].account_manager,
        )
        for c, p, v in zip(
            scored.creator_index[chosen].tolist(),
            scored.product_index[chosen].tolist(),
            scored.value_sen[chosen].tolist(),
            strict=True,
        )
    ]
    pairs.sort(key=pair_sort_key)
    ghost_pairs = [p for p in pairs if p.creator_id in holdout]
    pairs = [p for p in pairs if p.creator_id not in holdout]
    assigned: dict[str, int] = defaultdict(int)
    ghosts: dict[str, int] = defaultdict(int)
    for pair in pairs:
        assigned[pair.product_id] += 1
    for pair in ghost_pairs:
        ghosts[pair.product_id] += 1
    fills = [
        ProductFill(p, assigned[p.product_id], ghosts[p.product_id])
        for p in sorted(scored.products, key=lambda p: p.product_id)
    ]
    return MatchResult(
        ghost_pairs=ghost_pairs,
        prices={p.product_id: p.price_sen or 0 for p in scored.products},
        pairs=pairs,
        fills=fills,
        candidates=len(scored.creators),
        allowed_pairs=len(scored),
        max_products_per_creator=max_products_per_creator,
        account_managers=list(dict.fromkeys(account_managers)),
        held_out=held_out,
    )


# --------------------------------------------------------------------------- files


def pairs_csv(pairs: Iterable[MatchPair], *, for_excel: bool = True) -> bytes:
    """Render pairs as the list's CSV (creator_id, product_id, value_myr, account_manager).

    For Excel (the DAG's files): a BOM and CRLF; otherwise (the command line's `--out`, read by
    programs, like `campaignctl payouts`): plain UTF-8 and LF. Formula-safe either way.
    """
    rows = (p.as_row() for p in pairs)
    if for_excel:
        return csv_bytes(PAIR_COLUMNS, rows)
    return csv_bytes(PAIR_COLUMNS, rows, bom=False, lineterminator="\n")


def ghosts_path(pairs_file: str | Path) -> Path:
    """Return `<name>_ghosts.csv` beside a pairs file `<name>.csv` (SPEC 15)."""
    path = Path(pairs_file)
    return path.with_name(f"{path.stem}_ghosts{path.suffix or '.csv'}")


def write_matchmaking_files(result: MatchResult, folder: Path) -> list[Path]:
    """Write `pairs.csv`, `pairs_ghosts.csv`, `products.csv`, one `list_<am>.csv` per account manager, `summary.json`.

    Lists of account managers no longer in the result are removed, so the folder always
    matches the result it was written from.
    """
    written = []
    for name, data in (
        ("pairs.csv", pairs_csv(result.pairs)),
        ("pairs_ghosts.csv", pairs_csv(result.ghost_pairs)),
        ("products.csv", csv_bytes(PRODUCT_COLUMNS, (f.as_row() for f in result.fills))),
    ):
        write_atomically(folder / name, data)
        written.append(folder / name)
    for am, rows in result.by_account_manager().items():
        path = folder / f"list_{file_safe(am)}.csv"
        write_atomically(path, pairs_csv(rows))
        written.append(path)
    path = folder / "summary.json"
    write_atomically(path, (json.dumps(result.summary(), indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
    written.append(path)
    keep = {p.name for p in written}
    for stale in folder.glob("list_*.csv"):
        if stale.name not in keep:
            stale.unlink()
    return written
