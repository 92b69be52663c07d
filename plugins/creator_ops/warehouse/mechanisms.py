"""Warehouse side of SPEC 11: matchmaking inputs and lists (frozen by BD's sign-off), traffic by hour.

Inputs are read as the core wants them (plain tuples and dataclasses); the core decides.
`traffic_overview` is the one query the Campaigns view and the campaign page read for
budget spent and expected against actual GMV of boosted creators.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, insert, select, update

from creator_ops.core.times import as_utc, as_utc_or_none, utc
from creator_ops.warehouse.files import current_file_ids
from creator_ops.warehouse.schema import (
    creators,
    enrollments,
    matchmaking_lists,
    matchmaking_pairs,
    traffic_allocations,
    traffic_hours,
)

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from creator_ops.core.matchmaking import MatchCreator, MatchResult
    from creator_ops.core.traffic import Allocation


# --------------------------------------------------------------------------- matchmaking inputs


def enrolled_candidates(engine: Engine, campaign_id: str, registration_closes: dt.datetime) -> list[MatchCreator]:
    """Return the campaign's enrolled creators (current files, registered by the close) with their pull data.

    Category, followers and 30-day GMV come from the campaign's creators pull; the account
    manager from the shortlist, else from the earliest invitation. A creator enrolled
    without a pull row has no data to value and is returned with zeros (no pair allowed).
    """
    from creator_ops.core.matchmaking import MatchCreator
    from creator_ops.warehouse.campaign_data import current_invitations

    enrolled = (
        select(enrollments.c.creator_id)
        .where(
            enrollments.c.campaign_id == campaign_id,
            enrollments.c.file_id.in_(current_file_ids(campaign_id, "enrollments")),
            enrollments.c.registered_at <= utc(registration_closes),
        )
        .distinct()
        .subquery()
    )
    query = (
        select(
            enrolled.c.creator_id,
            creators.c.category,
            creators.c.followers,
            creators.c.gmv_30d_sen,
            creators.c.account_manager,
        )
        .select_from(
            enrolled.outerjoin(
                creators, (creators.c.creator_id == enrolled.c.creator_id) & (creators.c.campaign_id == campaign_id)
            )
        )
        .order_by(enrolled.c.creator_id)
    )
    invited = current_invitations(engine, campaign_id)
    managers = dict(zip(invited["creator_id"].to_pylist(), invited["account_manager"].to_pylist(), strict=True))
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return [
        MatchCreator(
            r.creator_id,
            r.category,
            r.followers or 0,
            r.gmv_30d_sen or 0,
            r.account_manager or managers.get(r.creator_id),
        )
        for r in rows
    ]


def sample_rows(engine: Engine, exclude: str | None = None) -> list[tuple[str, str, str]]:
    """Return (campaign:sample_id, creator_id, status) of every campaign's current samples (reliability).

    `exclude` leaves a campaign out: matchmaking counts *past* samples, those of other
    campaigns, so the plan's inputs never depend on this campaign's holdout (SPEC 15: a
    holdout creator's own samples in this campaign would differ because it is held out, and
    the plan would then choose the two groups differently).
    """
    from creator_ops.warehouse.campaign_data import current_samples
    from creator_ops.warehouse.schema import samples

    with engine.connect() as conn:
        query = select(samples.c.campaign_id).distinct().order_by(samples.c.campaign_id)
        campaigns = [c for (c,) in conn.execute(query) if c != exclude]
    out: list[tuple[str, str, str]] = []
    for campaign in campaigns:
        table = current_samples(engine, campaign)
        ids, who, status = (table[c].to_pylist() for c in ("sample_id", "creator_id", "status"))
        out += [(f"{campaign}:{s}", c, st) for s, c, st in zip(ids, who, status, strict=True)]
    return out


# --------------------------------------------------------------------------- matchmaking lists


@dataclass(frozen=True)
class ListRecord:
    """One stored matchmaking list (without its pairs)."""

    list_id: int
    run_id: str
    state: str
    pairs: int
    total_value_sen: int
    summary: dict[str, Any]
    computed_at: dt.datetime
    decided_by: str | None
    decided_at: dt.datetime | None
    decision_note: str | None


def _record(row: Any) -> ListRecord:
    return ListRecord(
        list_id=row.list_id,
        run_id=row.run_id,
        state=row.state,
        pairs=row.pairs,
        total_value_sen=row.total_value_sen,
        summary=json.loads(row.summary_json),
        computed_at=as_utc(row.computed_at),
        decided_by=row.decided_by,
        decided_at=as_utc_or_none(row.decided_at),
        decision_note=row.decision_note,
    )


def lists(engine: Engine, campaign_id: str) -> list[ListRecord]:
    """Return every stored list of the campaign, oldest first."""
    query = select(matchmaking_lists).where(matchmaking_lists.c.campaign_id == campaign_id)
    with engine.connect() as conn:
        return [_record(r) for r in conn.execute(query.order_by(matchmaking_lists.c.list_id))]


def frozen_list(engine: Engine, campaign_id: str) -> ListRecord | None:
    """Return the list BD signed off, if any."""
    return next((r for r in lists(engine, campaign_id) if r.state == "frozen"), None)


def latest_list(engine: Engine, campaign_id: str, run_id: str | None = None) -> ListRecord | None:
    """Return this run's list when it has one, else the latest list computed."""
    every = lists(engine, campaign_id)
    return next((r for r in every if r.run_id == run_id), None) or (every[-1] if every else None)


def list_pairs(engine: Engine, list_id: int, *, ghosts: bool = False) -> list[tuple[str, str, int, str | None]]:
    """Return (creator_id, product_id, value_sen, account_manager) of a stored list (`ghosts`: its ghost pairs)."""
    query = select(
        matchmaking_pairs.c.creator_id,
        matchmaking_pairs.c.product_id,
        matchmaking_pairs.c.value_sen,
        matchmaking_pairs.c.account_manager,
    ).where(matchmaking_pairs.c.list_id == list_id, matchmaking_pairs.c.ghost.is_(ghosts))
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(query)]  # type: ignore[misc]


def store_list(engine: Engine, campaign_id: str, run_id: str, result: MatchResult, now: dt.datetime) -> int:
    """Store this run's list as a draft (a rerun of the run replaces its draft); return its id."""
    summary = json.dumps(result.summary(), sort_keys=True, ensure_ascii=False)
    values = {
        "state": "draft",
        "pairs": len(result.pairs),
        "total_value_sen": result.total_value_sen,
        "summary_json": summary,
        "computed_at": utc(now),
        "decided_by": None,
        "decided_at": None,
        "decision_note": None,
    }
    key = (matchmaking_lists.c.campaign_id == campaign_id) & (matchmaking_lists.c.run_id == run_id)
    with engine.begin() as conn:
        existing = conn.execute(select(matchmaking_lists.c.list_id, matchmaking_lists.c.state).where(key)).first()
        if existing is not None and existing.state == "frozen":
            return int(existing.list_id)  # never touched once signed off
        if existing is None:
            list_id = conn.execute(
                insert(matchmaking_lists).values(campaign_id=campaign_id, run_id=run_id, **values)
            ).inserted_primary_key[0]
        else:
            list_id = existing.list_id
            conn.execute(update(matchmaking_lists).where(key).values(**values))
            conn.execute(delete(matchmaking_pairs).where(matchmaking_pairs.c.list_id == list_id))
        rows = [
            {
                "list_id": list_id,
                "creator_id": p.creator_id,
                "product_id": p.product_id,
                "value_sen": p.value_sen,
                "account_manager": p.account_manager,
                "ghost": ghost,
            }
            for ghost, pairs in ((False, result.pairs), (True, result.ghost_pairs))
            for p in pairs
        ]
        if rows:
            conn.execute(insert(matchmaking_pairs), rows)
    return int(list_id)


def decide_list(
    engine: Engine, list_id: int, *, approved: bool, by: str, at: dt.datetime, note: str | None
) -> ListRecord:
    """Freeze (approved) or reject a draft list, recording who, when and why; a decided list is not changed."""
    with engine.begin() as conn:
        row = conn.execute(select(matchmaking_lists).where(matchmaking_lists.c.list_id == list_id)).one()
        if row.state != "draft":
            return _record(row)
        conn.execute(
            update(matchmaking_lists)
            .where(matchmaking_lists.c.list_id == list_id)
            .values(state="frozen" if approved else "rejected", decided_by=by, decided_at=utc(at), decision_note=note)
        )
        return _record(conn.execute(select(matchmaking_lists).where(matchmaking_lists.c.list_id == list_id)).one())


# --------------------------------------------------------------------------- traffic


def spent_before(engine: Engine, campaign_id: str, hour_start: dt.datetime) -> dict[str, int]:
    """Return what each creator got in the hours before `hour_start`, ghost spend included (SPEC 15).

    Ghost spend counts against the budget and the creator's cap as if spent, so later hours
    re-allocate the same leftover they would have without the holdout.
    """
    t = traffic_allocations
    query = (
        select(t.c.creator_id, func.sum(t.c.spend_sen + t.c.ghost_spend_sen))
        .where(t.c.campaign_id == campaign_id, t.c.hour_start < utc(hour_start))
        .group_by(t.c.creator_id)
    )
    with engine.connect() as conn:
        return {c: int(s) for c, s in conn.execute(query)}


def store_hour(
    engine: Engine,
    campaign_id: str,
    run_id: str,
    hour_start: dt.datetime,
    remaining_before_sen: int,
    allocation: Allocation,
    now: dt.datetime,
) -> None:
    """Record one hour's allocation (a rerun of the hour replaces it)."""
    hour = utc(hour_start)
    boosted = allocation.boosted
    planned = allocation.planned
    with engine.begin() as conn:
        for table in (traffic_allocations, traffic_hours):
            conn.execute(delete(table).where(table.c.campaign_id == campaign_id, table.c.hour_start == hour))
        conn.execute(
            insert(traffic_hours).values(
                campaign_id=campaign_id,
                hour_start=hour,
                run_id=run_id,
                remaining_before_sen=remaining_before_sen,
                hour_budget_sen=allocation.budget_sen,
                spent_sen=allocation.spent_sen,
                expected_gmv_sen=allocation.expected_gmv_sen,
                creators=len(allocation.rows),
                boosted=len(boosted),
                computed_at=utc(now),
                held_back_sen=allocation.held_back_sen,
            )
        )
        if planned:
            conn.execute(
                insert(traffic_allocations),
                [
                    {
                        "campaign_id": campaign_id,
                        "hour_start": hour,
                        "creator_id": r.creator_id,
                        "spend_sen": r.spend_sen,
                        "expected_gmv_sen": r.expected_gmv_sen,
                        "spent_before_sen": r.spent_before_sen,
                        "ghost_spend_sen": r.ghost_spend_sen,
                        "ghost_expected_gmv_sen": r.ghost_expected_gmv_sen,
                    }
                    for r in planned
                ],
            )


# The one name of `TrafficOverview.actual_gmv_sen`, said wherever it is shown (campaigns view,
# campaign page, traffic page, demo): what it counts, so a per-hour figure is never mistaken for it.
BOOSTED_GMV_NAME = "actual GMV of boosted creators"
BOOSTED_GMV_MEANS = "live GMV of the creators boosted, from each one's first boosted hour to the figures' moment"


@dataclass(frozen=True)
class PlanSoFar:
    """The traffic plan over every hour so far (SPEC 15): would-be-treated per group, expected GMV, held back."""

    treated: int  # creators with spend
    ghosts: int  # holdout creators with ghost spend
    expected_gmv_sen: int
    held_back_sen: int


def plan_so_far(engine: Engine, campaign_id: str) -> PlanSoFar:
    """Return the plan's would-be-treated so far and what it held back (the power statement's inputs)."""
    t = traffic_allocations
    query = (
        select(t.c.creator_id, func.sum(t.c.spend_sen), func.sum(t.c.expected_gmv_sen), func.sum(t.c.ghost_spend_sen))
        .where(t.c.campaign_id == campaign_id)
        .group_by(t.c.creator_id)
    )
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return PlanSoFar(
        treated=sum(1 for _, spend, _, _ in rows if spend > 0),
        ghosts=sum(1 for _, spend, _, ghost in rows if ghost > 0 and not spend),
        expected_gmv_sen=sum(int(e) for _, _, e, _ in rows),
        held_back_sen=sum(int(g) for _, _, _, g in rows),
    )


@dataclass(frozen=True)
class TrafficOverview:
    """Budget spent so far and expected against actual GMV of the creators boosted (sen)."""

    budget_sen: int | None
    spent_sen: int
    hours: int
    boosted_creators: int
    expected_gmv_sen: int
    actual_gmv_sen: int


def traffic_totals(engine: Engine, campaign_id: str) -> tuple[int, int, int, dict[str, dt.datetime]]:
    """Return (hours allocated, spent sen, expected GMV sen, {creator: first boosted hour}) of the campaign."""
    totals = select(
        func.count(), func.coalesce(func.sum(traffic_hours.c.spent_sen), 0),
        func.coalesce(func.sum(traffic_hours.c.expected_gmv_sen), 0),
    ).where(traffic_hours.c.campaign_id == campaign_id)  # fmt: skip
    first_boost = (
        select(traffic_allocations.c.creator_id, func.min(traffic_allocations.c.hour_start))
        .where(traffic_allocations.c.campaign_id == campaign_id, traffic_allocations.c.spend_sen > 0)
        .group_by(traffic_allocations.c.creator_id)
    )
    with engine.connect() as conn:
        hours_count, spent, expected = conn.execute(totals).one()
        first = {c: as_utc(h) for c, h in conn.execute(first_boost)}
    return int(hours_count), int(spent), int(expected), first


def boosted_hours(engine: Engine, campaign_id: str) -> list[tuple[dt.datetime, str]]:
    """Return (hour_start UTC, creator_id) of every traffic allocation row of the campaign."""
    t = traffic_allocations.c
    with engine.connect() as conn:
        rows = conn.execute(select(t.hour_start, t.creator_id).where(t.campaign_id == campaign_id)).all()
    return [(as_utc(h), c) for h, c in rows]


def hours(engine: Engine, campaign_id: str) -> Iterable[Any]:
    """Return the recorded traffic hours of a campaign, in order."""
    query = select(traffic_hours).where(traffic_hours.c.campaign_id == campaign_id).order_by(traffic_hours.c.hour_start)
    with engine.connect() as conn:
        return list(conn.execute(query))


def allocation_rows(engine: Engine, campaign_id: str) -> list[tuple[dt.datetime, str, int, int]]:
    """Return (hour_start, creator_id, spend_sen, expected_gmv_sen) of every allocation row, by hour and spend."""
    t = traffic_allocations
    query = (
        select(t.c.hour_start, t.c.creator_id, t.c.spend_sen, t.c.expected_gmv_sen)
        .where(t.c.campaign_id == campaign_id, t.c.spend_sen > 0)
        .order_by(t.c.hour_start, t.c.spend_sen.desc(), t.c.creator_id)
    )
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(query)]
