"""Property tests: the engine agrees with a naive oracle, stays within budget, is monotone and idempotent.

The oracle below restates SPEC section 5 line by line in plain Python with `Decimal` and
`Fraction` (no SQL, no integer tricks), so a disagreement points at the engine.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from payout_builders import TS, local

from creator_ops.core.money import floor_to_sen
from creator_ops.core.payouts import PayoutRules, calculate_payouts

START = local("2027-03-10 00:00:00")
END = local("2027-03-11 00:00:00")
CLOSES = local("2027-03-09 23:59:59")
SECOND = dt.timedelta(seconds=1)
TIMES = [START - SECOND, START, START + dt.timedelta(hours=5), END - SECOND, END]
UPDATES = [None, local("2027-03-12 00:00"), local("2027-03-12 00:00"), local("2027-03-13 00:00")]
ENROLL_TIMES = [CLOSES - dt.timedelta(days=2), CLOSES - dt.timedelta(days=1), CLOSES, CLOSES + SECOND]
CREATORS = ["a", "b", "c", "d", "e"]
STATUSES = ["completed", " Delivered", "SETTLED ", "cancelled", "processing", "returned"]

order_rows = st.lists(
    st.fixed_dictionaries(
        {
            "order_id": st.sampled_from(["o1", "o2", "o3", "o4", "o5", "o6"]),
            "line_id": st.sampled_from(["1", "2"]),
            "creator_id": st.sampled_from(CREATORS),
            "order_time": st.sampled_from(TIMES),
            "status": st.sampled_from(STATUSES),
            "gmv_sen": st.integers(0, 3_000_000),
            "updated_at": st.sampled_from(UPDATES),
        }
    ),
    max_size=25,
)
enrollment_rows = st.lists(
    st.tuples(st.sampled_from(CREATORS), st.sampled_from(ENROLL_TIMES), st.booleans()), max_size=8
)
money = st.integers(0, 2_000_000)


@st.composite
def payout_rules(draw, huge_budget: bool = False) -> PayoutRules:
    prizes = tuple(sorted(draw(st.lists(st.integers(0, 500_000), max_size=4)), reverse=True))
    minimums = sorted(set(draw(st.lists(st.integers(0, 3_000_000), max_size=4))))
    # real tier tables pay more for more GMV; a decreasing table would break monotonicity by design
    bonuses = sorted(draw(st.lists(money, min_size=len(minimums), max_size=len(minimums))))
    tiers = tuple(zip(minimums, bonuses, strict=True))
    rate = Decimal(draw(st.integers(0, 2000))) / Decimal(10000)
    budget = 10**12 if huge_budget else sum(prizes) + draw(st.integers(0, 3_000_000))
    return PayoutRules(
        event_start=START.astimezone(dt.UTC),
        event_end=END.astimezone(dt.UTC),
        registration_closes=CLOSES.astimezone(dt.UTC),
        budget_sen=budget,
        tiers=tiers,
        commission_rate=rate,
        commission_cap_sen=draw(st.none() | money),
        new_creator_bonus_sen=draw(money),
        prizes_sen=prizes,
    )


def as_tables(orders: list[dict], enrollments: list[tuple], excluded: list[str]):
    order_table = pa.Table.from_pylist(
        [
            {**r, "order_time": r["order_time"].astimezone(dt.UTC),
             "updated_at": r["updated_at"].astimezone(dt.UTC) if r["updated_at"] else None}
            for r in orders
        ],
        schema=pa.schema(
            [("order_id", pa.string()), ("line_id", pa.string()), ("creator_id", pa.string()),
             ("order_time", TS), ("status", pa.string()), ("gmv_sen", pa.int64()), ("updated_at", TS)]
        ),
    )
    enrollment_table = pa.Table.from_pylist(
        [{"creator_id": c, "registered_at": t.astimezone(dt.UTC), "is_new_creator": n} for c, t, n in enrollments],
        schema=pa.schema([("creator_id", pa.string()), ("registered_at", TS), ("is_new_creator", pa.bool_())]),
    )
    return order_table, enrollment_table, pa.table({"creator_id": pa.array(excluded, pa.string())})


def oracle(rules: PayoutRules, orders: list[dict], enrollments: list[tuple], excluded: list[str]) -> dict:  # noqa: C901 - the SPEC rules, one after another
    """SPEC 5, literally: {creator_id: (gmv, orders, tier, commission, new, prize, total)} in sen."""
    copies: dict[tuple, list[tuple[int, dict]]] = {}
    for index, row in enumerate(orders):
        copies.setdefault((row["order_id"], row["line_id"]), []).append((index, row))
    winners = []
    for versions in copies.values():
        if all(r["updated_at"] is not None for _, r in versions):
            winners.append(max(versions, key=lambda v: (v[1]["updated_at"], v[0]))[1])
        else:
            winners.append(versions[-1][1])
    first: dict[str, tuple] = {}
    for index, (creator, registered, is_new) in enumerate(enrollments):
        if creator not in first or (registered, index) < first[creator][:2]:
            first[creator] = (registered, index, is_new)
    enrolled = {c: v[2] for c, v in first.items() if v[0] <= rules.registration_closes}
    per: dict[str, dict] = {}
    for row in winners:
        if row["status"].strip().lower() not in ("completed", "delivered", "settled"):
            continue
        if not rules.event_start <= row["order_time"] < rules.event_end:
            continue
        if row["creator_id"] not in enrolled or row["creator_id"] in excluded:
            continue
        entry = per.setdefault(row["creator_id"], {"gmv": 0, "orders": set(), "first": row["order_time"]})
        entry["gmv"] += row["gmv_sen"]
        entry["orders"].add(row["order_id"])
        entry["first"] = min(entry["first"], row["order_time"])
    ranked = sorted(
        (c for c in per if per[c]["gmv"] > 0),
        key=lambda c: (-per[c]["gmv"], -len(per[c]["orders"]), per[c]["first"], c),
    )
    prize = {c: rules.prizes_sen[i] for i, c in enumerate(ranked) if i < len(rules.prizes_sen)}
    variable = {}
    for creator, entry in per.items():
        gmv = entry["gmv"]
        tier = next((b for m, b in reversed(rules.tiers) if gmv >= m), 0)
        commission = int(floor_to_sen(Decimal(gmv) / 100 * rules.commission_rate) * 100)
        if rules.commission_cap_sen is not None:
            commission = min(commission, rules.commission_cap_sen)
        new = rules.new_creator_bonus_sen if enrolled[creator] and entry["orders"] else 0
        variable[creator] = [tier, commission, new]
    total_variable = sum(sum(v) for v in variable.values())
    available = rules.budget_sen - sum(prize.values())
    if total_variable > available:
        factor = Fraction(available, total_variable)
        variable = {c: [int(x * factor) for x in v] for c, v in variable.items()}  # int() floors (x >= 0)
    return {
        c: (per[c]["gmv"], len(per[c]["orders"]), *v, prize.get(c, 0), sum(v) + prize.get(c, 0))
        for c, v in variable.items()
    }


def engine(rules, orders, enrollments, excluded) -> dict:
    result = calculate_payouts(rules, *as_tables(orders, enrollments, excluded))
    return {
        r.creator_id: (
            r.eligible_gmv_sen, r.eligible_orders, r.tier_bonus_sen, r.commission_bonus_sen,
            r.new_creator_bonus_sen, r.leaderboard_prize_sen, r.total_sen,
        )
        for r in result.rows
    }


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
QUICK = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(payout_rules(), order_rows, enrollment_rows, st.lists(st.sampled_from(CREATORS), max_size=2))
def test_engine_matches_oracle_and_budget(rules, orders, enrollments, excluded):
    got = engine(rules, orders, enrollments, excluded)
    assert got == oracle(rules, orders, enrollments, excluded)
    assert sum(v[-1] for v in got.values()) <= rules.budget_sen


@QUICK
@given(payout_rules(), order_rows, enrollment_rows)
def test_idempotent(rules, orders, enrollments):
    tables = as_tables(orders, enrollments, [])
    first = calculate_payouts(rules, *tables)
    second = calculate_payouts(rules, *tables)
    assert first.table.equals(second.table)


@QUICK
@given(payout_rules(huge_budget=True), order_rows, enrollment_rows, st.sampled_from(CREATORS), st.integers(1, 10**6))
def test_more_gmv_never_pays_a_creator_less(rules, orders, enrollments, creator, extra_gmv):
    enrollments = [(creator, CLOSES - dt.timedelta(days=3), False), *enrollments]
    orders = [
        {"order_id": "base_order", "line_id": "1", "creator_id": creator, "order_time": START,
         "status": "completed", "gmv_sen": 1, "updated_at": None},
        *orders,
    ]
    before = engine(rules, orders, enrollments, [])
    more = orders + [
        {"order_id": "new_order", "line_id": "1", "creator_id": creator, "order_time": START,
         "status": "completed", "gmv_sen": extra_gmv, "updated_at": None}
    ]
    after = engine(rules, more, enrollments, [])
    assert after[creator][0] == before[creator][0] + extra_gmv
    assert after[creator][-1] >= before[creator][-1]
