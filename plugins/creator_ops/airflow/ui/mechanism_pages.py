"""What the matchmaking and traffic pages show (SPEC 11), read from the warehouse and the run's snapshot.

Plain Python (no Airflow import), like `campaign_page.py`. The matchmaking page is the list
BD froze (else the latest draft) with each product's name and category, one tab per account
manager, the sign-off state and who decided; the traffic page is each live hour's budget,
spend and expected extra GMV, beside the live GMV the creators boosted in that hour then
made (from the latest run's snapshot, `warehouse/snapshots.py`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from creator_ops.core.spec import CampaignSpec
from creator_ops.core.times import as_utc, as_utc_or_none

HOUR = 3600
UNASSIGNED = "(no account manager)"
VALUE_EXPLAINED = (
    "Value is a ranking score, not a forecast of GMV (SPEC 12): the creator's GMV of the "
    "last 30 days × affinity (the share of that GMV in the product's category, or 1 when the creator's "
    "own category matches and there is no history) × reliability ((posted samples + 1) / (shipped "
    "samples + 2)) × the product's priority: a unitless number (it can exceed the campaign's GMV), shown "
    "rounded to a whole number. The list is the assignment with the largest "
    "total value within each product's sample quota and each creator's limit (a min-cost flow, "
    "docs/mechanisms.md)."
)


@dataclass(frozen=True)
class Pair:
    creator_id: str
    product_id: str
    product_name: str
    category: str
    value_sen: int
    account_manager: str


@dataclass
class MatchmakingPage:
    spec: CampaignSpec
    record: Any = None  # warehouse.mechanisms.ListRecord: the frozen list, else the latest draft
    pairs: list[Pair] = field(default_factory=list)
    by_account_manager: dict[str, list[Pair]] = field(default_factory=dict)
    products: list[dict[str, Any]] = field(default_factory=list)  # per product: name, category, quota, assigned
    data_as_of: dt.datetime | None = None  # the end of the interval of the run that computed the list

    @property
    def state_text(self) -> str:
        r = self.record
        if r is None:
            return "no list yet"
        if r.state == "frozen":
            return "frozen: signed off by BD"
        if r.state == "rejected":
            return "rejected by BD: matchmaking runs again"
        return "draft: waiting for BD's sign-off"


def product_names(engine: Engine, campaign_id: str) -> dict[str, tuple[str, str, int]]:
    """Return {product_id: (name, category, sample quota)} from the campaign's current product selection."""
    from creator_ops.warehouse.campaign_data import current_products

    table = current_products(engine, campaign_id)
    return {
        pid: (name or pid, category or "—", int(quota or 0))
        for pid, name, category, quota in zip(
            table["product_id"].to_pylist(), table["name"].to_pylist(), table["category"].to_pylist(),
            table["sample_quota"].to_pylist(), strict=True,
        )
    }  # fmt: skip


def matchmaking_page(spec: CampaignSpec, engine: Engine) -> MatchmakingPage:
    """Read the campaign's matchmaking list (frozen, else the latest), its pairs with product names."""
    from creator_ops.warehouse import mechanisms

    every = mechanisms.lists(engine, spec.id)
    record = next((r for r in every if r.state == "frozen"), every[-1] if every else None)
    page = MatchmakingPage(spec=spec, record=record)
    if record is None:
        return page
    from creator_ops.warehouse.campaign_reads import run_moments

    with engine.connect() as conn:
        page.data_as_of = as_utc_or_none(run_moments(conn, spec.id).get(record.run_id))
    names = product_names(engine, spec.id)
    pairs = [
        Pair(creator, product, *names.get(product, (product, "—", 0))[:2], int(value), am or UNASSIGNED)
        for creator, product, value, am in mechanisms.list_pairs(engine, record.list_id)
    ]
    pairs.sort(key=lambda p: (p.product_name.casefold(), p.product_id, -p.value_sen, p.creator_id))
    page.pairs = pairs
    grouped: dict[str, list[Pair]] = defaultdict(list)
    for pair in pairs:
        grouped[pair.account_manager].append(pair)
    page.by_account_manager = dict(sorted(grouped.items()))
    assigned: dict[str, int] = defaultdict(int)
    for pair in pairs:
        assigned[pair.product_id] += 1
    ghosts: dict[str, int] = defaultdict(int)  # SPEC 15: ghost pairs used quota too (held back, never shipped)
    for _, product, _, _ in mechanisms.list_pairs(engine, record.list_id, ghosts=True):
        ghosts[product] += 1
    page.products = sorted(
        ({"product_id": pid, "name": name, "category": category, "quota": quota, "assigned": assigned.get(pid, 0),
          "ghosts": ghosts.get(pid, 0), "used": assigned.get(pid, 0) + ghosts.get(pid, 0)}
         for pid, (name, category, quota) in names.items()),
        key=lambda p: (p["used"] >= p["quota"], p["name"].casefold()),
    )  # fmt: skip
    return page


def matchmaking_rows(page: MatchmakingPage) -> list[list[Any]]:
    """The list as CSV rows people open: product name and category beside the ids, the unitless ranking score."""
    from creator_ops.core.matchmaking import score_text

    return [
        [p.account_manager, p.creator_id, p.product_id, p.product_name, p.category,
         score_text(p.value_sen).replace(",", "")]
        for p in page.pairs
    ]


MATCHMAKING_HEADER = ["account_manager", "creator_id", "product_id", "product_name", "category", "ranking_score"]


@dataclass(frozen=True)
class TrafficHour:
    start: dt.datetime
    budget_sen: int
    spent_sen: int
    expected_gmv_sen: int
    actual_gmv_sen: int | None  # live GMV of the creators boosted in the hour, in that hour (None: no snapshot yet)
    boosted: int
    creators: int
    held_back_sen: int = 0  # SPEC 15: the plan's spend on holdout creators (ghosts), counted, not bought


@dataclass
class TrafficPage:
    spec: CampaignSpec
    snapshot: Any = None
    hours: list[TrafficHour] = field(default_factory=list)
    power: dict[str, Any] | None = None  # SPEC 15: the latest hour's MDE statement, as the traffic step made it

    @property
    def held_back_text(self) -> str | None:
        """"RM 2,950.00 of boost held back with the holdout" (None without a traffic holdout)."""
        from creator_ops.core.experiments import held_back_text

        if self.spec.experiments is None or self.spec.experiments.traffic is None:
            return None
        return held_back_text(boost_sen=sum(h.held_back_sen for h in self.hours))

    @property
    def totals(self) -> dict[str, int]:
        actual = [h.actual_gmv_sen for h in self.hours if h.actual_gmv_sen is not None]
        return {
            "spent_sen": sum(h.spent_sen for h in self.hours),
            "budget_sen": sum(h.budget_sen for h in self.hours),
            "expected_gmv_sen": sum(h.expected_gmv_sen for h in self.hours),
            "actual_gmv_sen": sum(actual),
        }


def traffic_page(spec: CampaignSpec, engine: Engine, now: dt.datetime | None = None) -> TrafficPage:
    """Read each allocated live hour and, from the page's snapshot, what the boosted creators made in it.

    Seen at `now` (a pinned "now" on a demo's event day), the page shows the hours allocated
    before it and the snapshot `snapshots_at` picks for it, as the day was.
    """
    from creator_ops.figures.snapshot import snapshots_at
    from creator_ops.warehouse.experiments import stored_predictions
    from creator_ops.warehouse.mechanisms import hours

    now = now or dt.datetime.now(dt.UTC)
    snapshot = snapshots_at(engine, [spec], now).get(spec.id)
    actual = snapshot.boosted_gmv_by_hour if snapshot is not None else {}
    page = TrafficPage(spec=spec, snapshot=snapshot)
    for row in hours(engine, spec.id):
        start = as_utc(row.hour_start)
        if start > now:
            break  # allocated after the moment the page is seen at
        epoch = int(start.timestamp()) // HOUR
        counted = snapshot is not None and start < snapshot.as_of
        page.hours.append(TrafficHour(
            start=start, budget_sen=int(row.hour_budget_sen), spent_sen=int(row.spent_sen),
            expected_gmv_sen=int(row.expected_gmv_sen), actual_gmv_sen=actual.get(epoch, 0) if counted else None,
            boosted=int(row.boosted), creators=int(row.creators), held_back_sen=int(row.held_back_sen),
        ))  # fmt: skip
    made = stored_predictions(engine, spec.id, "traffic_power")
    page.power = made[-1].detail if made else None
    return page
