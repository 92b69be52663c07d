"""Hand-computed scenarios for every payout rule of SPEC section 5 (expected values worked out by hand)."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
from decimal import Decimal

import pandas as pd
import pyarrow as pa
import pytest
from payout_builders import IN_EVENT, ON_TIME, enrolled, enrollments, exclusions, local, make_spec, orders

from creator_ops.core.money import floor_to_sen, format_myr
from creator_ops.core.payouts import PayoutInputError, PayoutRules, calculate_for_spec, to_sen


def by_creator(result) -> dict:
    return {r.creator_id: r for r in result.rows}


# --------------------------------------------------------------------------- exact money


def test_floor_to_sen_float_trap():
    # 1018.00 * 0.045 = 45.81 exactly; in binary floats it is 45.809999..., which floors to 45.80
    assert 1018.00 * 0.045 < 45.81
    assert floor_to_sen(Decimal("1018.00") * Decimal("0.045")) == Decimal("45.81")
    assert to_sen(Decimal("1018.00")) == 101800
    assert format_myr(4581) == "45.81" and format_myr(5000) == "50.00" and format_myr(0) == "0.00"
    with pytest.raises(PayoutInputError):
        to_sen(Decimal("0.001"))


def test_commission_float_trap_through_the_engine():
    result = calculate_for_spec(make_spec(), orders({"creator_id": "a", "gmv_sen": 101800}), enrolled("a"))
    row = by_creator(result)["a"]
    assert row.commission_bonus_sen == 4581  # 45.81, not 45.80
    assert row.tier_bonus_sen == 5000
    assert row.as_csv_row()["commission_bonus_myr"] == "45.81"


@pytest.mark.parametrize(
    ("rate", "gmv_sen", "expected"),
    [
        ("0.045", 101800, 4581),
        ("0.07", 29000, 2030),  # 290 * 0.07 = 20.3 (float: 20.300000000000004)
        ("0.0333", 100, 3),  # 1.00 * 0.0333 = 0.0333 -> 0.03
        ("0.1", 33333, 3333),  # 333.33 * 0.1 = 33.333 -> 33.33
        ("0.015", 11000, 165),  # 110 * 0.015 = 1.65 (float: 1.6499999999999997)
    ],
)
def test_commission_is_floor_of_exact_product(rate, gmv_sen, expected):
    spec = make_spec(commission_bonus={"rate": Decimal(rate), "cap_myr": None}, tiers=[])
    row = by_creator(calculate_for_spec(spec, orders({"creator_id": "a", "gmv_sen": gmv_sen}), enrolled("a")))["a"]
    assert row.commission_bonus_sen == expected


# --------------------------------------------------------------------------- rule 4: tiers


@pytest.mark.parametrize(
    ("gmv_sen", "tier_sen"),
    [(99999, 0), (100000, 5000), (499999, 5000), (500000, 30000), (1999999, 30000), (2000000, 150000), (9999999, 150000)],
)
def test_tier_is_highest_with_inclusive_minimum(gmv_sen, tier_sen):
    row = by_creator(calculate_for_spec(make_spec(), orders({"creator_id": "a", "gmv_sen": gmv_sen}), enrolled("a")))["a"]
    assert row.tier_bonus_sen == tier_sen


def test_commission_cap():
    # 20000.00 * 0.045 = 900.00, capped at 500.00; 11111.11 * 0.045 = 499.99995 -> 499.99 (under the cap)
    result = calculate_for_spec(
        make_spec(),
        orders({"creator_id": "a", "gmv_sen": 2000000}, {"creator_id": "b", "gmv_sen": 1111111}),
        enrolled("a", "b"),
    )
    rows = by_creator(result)
    assert rows["a"].commission_bonus_sen == 50000
    assert rows["b"].commission_bonus_sen == 49999


# --------------------------------------------------------------------------- rule 2: window, status


@pytest.mark.parametrize(
    ("order_time", "eligible"),
    [
        (local("2027-03-10 00:00:00"), True),  # first second, local
        (dt.datetime(2027, 3, 9, 16, 0, 0, tzinfo=dt.UTC), True),  # the same instant in UTC
        (local("2027-03-10 23:59:59"), True),  # last second
        (dt.datetime(2027, 3, 10, 15, 59, 59, 999999, tzinfo=dt.UTC), True),  # last microsecond, UTC
        (local("2027-03-11 00:00:00"), False),  # event_end is exclusive
        (dt.datetime(2027, 3, 10, 16, 0, tzinfo=dt.UTC), False),
        (local("2027-03-09 23:59:59"), False),  # one second early
        (dt.datetime(2027, 3, 9, 15, 59, 59, tzinfo=dt.UTC), False),
    ],
)
def test_event_window_is_half_open_in_campaign_time(order_time, eligible):
    result = calculate_for_spec(
        make_spec(), orders({"creator_id": "a", "gmv_sen": 100000, "order_time": order_time}), enrolled("a")
    )
    assert ("a" in by_creator(result)) is eligible


def test_window_from_pandas_local_times():
    frame = pd.DataFrame(
        {
            "order_id": ["o1", "o2", "o3"],
            "line_id": ["1", "1", "1"],
            "creator_id": ["a", "a", "a"],
            "order_time": pd.to_datetime(
                ["2027-03-10 00:00:00", "2027-03-10 23:59:59", "2027-03-11 00:00:00"]
            ).tz_localize("Asia/Kuala_Lumpur"),
            "status": ["completed"] * 3,
            "gmv_sen": [100, 200, 400],
        }
    )
    row = by_creator(calculate_for_spec(make_spec(), frame, enrolled("a")))["a"]
    assert (row.eligible_gmv_sen, row.eligible_orders) == (300, 2)


def test_statuses_trimmed_case_insensitive():
    statuses = ["completed", " Completed ", "DELIVERED", "settled\t", "cancelled", "processing", "returned", "FROZEN"]
    lines = [{"creator_id": "a", "gmv_sen": 10 ** i, "status": s} for i, s in enumerate(statuses)]
    row = by_creator(calculate_for_spec(make_spec(), orders(*lines), enrolled("a")))["a"]
    assert row.eligible_gmv_sen == 1 + 10 + 100 + 1000
    assert row.eligible_orders == 4


# --------------------------------------------------------------------------- rule 1: duplicates


def test_duplicates_all_with_updated_at_greatest_wins():
    lines = orders(
        {"order_id": "o1", "creator_id": "a", "gmv_sen": 300000, "updated_at": local("2027-03-12 10:00")},
        {"order_id": "o1", "creator_id": "a", "gmv_sen": 100000, "updated_at": local("2027-03-11 10:00")},
    )
    row = by_creator(calculate_for_spec(make_spec(), lines, enrolled("a")))["a"]
    assert row.eligible_gmv_sen == 300000  # the earlier row has the greater updated_at


def test_duplicates_tie_on_updated_at_later_row_wins():
    same = local("2027-03-12 10:00")
    lines = orders(
        {"order_id": "o1", "creator_id": "a", "gmv_sen": 300000, "updated_at": same},
        {"order_id": "o1", "creator_id": "a", "gmv_sen": 100000, "updated_at": same},
    )
    assert by_creator(calculate_for_spec(make_spec(), lines, enrolled("a")))["a"].eligible_gmv_sen == 100000


def test_duplicates_any_without_updated_at_last_in_input_wins():
    lines = orders(
        {"order_id": "o1", "creator_id": "a", "gmv_sen": 300000, "updated_at": local("2027-03-20 10:00")},
        {"order_id": "o1", "creator_id": "a", "gmv_sen": 100000},
        {"order_id": "o1", "creator_id": "a", "gmv_sen": 200000, "updated_at": local("2027-03-11 10:00")},
    )
    assert by_creator(calculate_for_spec(make_spec(), lines, enrolled("a")))["a"].eligible_gmv_sen == 200000


def test_later_duplicate_can_make_a_line_ineligible():
    lines = orders(
        {"order_id": "o1", "creator_id": "a", "gmv_sen": 300000},
        {"order_id": "o2", "creator_id": "a", "gmv_sen": 100000},
        {"order_id": "o1", "creator_id": "a", "gmv_sen": 300000, "status": "returned"},
    )
    row = by_creator(calculate_for_spec(make_spec(), lines, enrolled("a")))["a"]
    assert (row.eligible_gmv_sen, row.eligible_orders) == (100000, 1)


def test_lines_of_one_order_count_as_one_order():
    lines = orders(
        {"order_id": "o1", "line_id": "1", "creator_id": "a", "gmv_sen": 100},
        {"order_id": "o1", "line_id": "2", "creator_id": "a", "gmv_sen": 200},
        {"order_id": "o2", "line_id": "1", "creator_id": "a", "gmv_sen": 400},
    )
    row = by_creator(calculate_for_spec(make_spec(), lines, enrolled("a")))["a"]
    assert (row.eligible_gmv_sen, row.eligible_orders) == (700, 2)


def test_row_number_gives_input_order_and_must_be_unique():
    lines = orders(
        {"order_id": "o1", "creator_id": "a", "gmv_sen": 100},
        {"order_id": "o1", "creator_id": "a", "gmv_sen": 200},
    )
    # row_number says the first physical row came later in the input
    reordered = lines.append_column("row_number", pa.array([2, 1], pa.int64()))
    assert by_creator(calculate_for_spec(make_spec(), reordered, enrolled("a")))["a"].eligible_gmv_sen == 100
    clashing = lines.append_column("row_number", pa.array([1, 1], pa.int64()))
    with pytest.raises(PayoutInputError, match="not unique"):
        calculate_for_spec(make_spec(), clashing, enrolled("a"))


def test_missing_column_is_named():
    with pytest.raises(PayoutInputError, match="gmv_sen"):
        calculate_for_spec(make_spec(), orders({"creator_id": "a", "gmv_sen": 1}).drop(["gmv_sen"]), enrolled("a"))


# --------------------------------------------------------------------------- rule 2: enrollment, exclusions


def test_enrollment_deadline_is_inclusive():
    closes = local("2027-03-09 23:59:59")
    lines = orders({"creator_id": "on_time", "gmv_sen": 100000}, {"creator_id": "late", "gmv_sen": 100000})
    people = enrollments(("on_time", closes), ("late", closes + dt.timedelta(seconds=1)))
    assert set(by_creator(calculate_for_spec(make_spec(), lines, people))) == {"on_time"}


def test_not_enrolled_creator_is_not_paid():
    lines = orders({"creator_id": "a", "gmv_sen": 100000}, {"creator_id": "stranger", "gmv_sen": 100000})
    assert set(by_creator(calculate_for_spec(make_spec(), lines, enrolled("a")))) == {"a"}


def test_earliest_enrollment_counts_with_its_new_creator_flag():
    lines = orders(
        {"creator_id": "a", "gmv_sen": 100000},
        {"creator_id": "b", "gmv_sen": 100000},
        {"creator_id": "c", "gmv_sen": 100000},
    )
    people = enrollments(
        ("a", local("2027-03-05 10:00"), True),
        ("a", local("2027-03-01 10:00"), False),  # earliest: not new -> no bonus
        ("b", local("2027-03-01 10:00"), True),  # earliest: new -> bonus
        ("b", local("2027-03-12 10:00"), False),  # a late duplicate does not matter
        ("c", local("2027-03-02 10:00"), False),  # tie on registered_at: first in input wins
        ("c", local("2027-03-02 10:00"), True),
    )
    rows = by_creator(calculate_for_spec(make_spec(), lines, people))
    assert rows["a"].new_creator_bonus_sen == 0
    assert rows["b"].new_creator_bonus_sen == 2000
    assert rows["c"].new_creator_bonus_sen == 0


def test_new_creator_bonus_needs_an_eligible_order():
    lines = orders(
        {"creator_id": "a", "gmv_sen": 500},
        {"creator_id": "b", "gmv_sen": 500, "status": "cancelled"},
    )
    rows = by_creator(calculate_for_spec(make_spec(), lines, enrolled("a", "b", new=True)))
    assert rows["a"].new_creator_bonus_sen == 2000
    assert "b" not in rows  # no eligible line: no row, no bonus


def test_excluded_creator_is_not_paid():
    lines = orders({"creator_id": "a", "gmv_sen": 100000}, {"creator_id": "b", "gmv_sen": 900000})
    result = calculate_for_spec(make_spec(), lines, enrolled("a", "b"), exclusions("b"))
    rows = by_creator(result)
    assert set(rows) == {"a"}
    assert rows["a"].leaderboard_prize_sen == 500000  # b is not on the leaderboard either


# --------------------------------------------------------------------------- rule 7: leaderboard


def test_leaderboard_tie_breaks():
    lines = orders(
        # gmv ties between a, b, c, d at 1000.00; e has more gmv
        {"order_id": "e1", "creator_id": "e", "gmv_sen": 200000},
        {"order_id": "a1", "creator_id": "a", "gmv_sen": 50000, "order_time": local("2027-03-10 09:00")},
        {"order_id": "a2", "creator_id": "a", "gmv_sen": 50000, "order_time": local("2027-03-10 10:00")},
        {"order_id": "b1", "creator_id": "b", "gmv_sen": 100000, "order_time": local("2027-03-10 08:00")},
        {"order_id": "c1", "creator_id": "c", "gmv_sen": 100000, "order_time": local("2027-03-10 07:00")},
        {"order_id": "d1", "creator_id": "d", "gmv_sen": 100000, "order_time": local("2027-03-10 07:00")},
    )
    spec = make_spec(leaderboard={"prizes_myr": [Decimal(500), Decimal(400), Decimal(300), Decimal(200), Decimal(100)]})
    rows = by_creator(calculate_for_spec(spec, lines, enrolled(*"abcde")))
    ranks = {c: r.leaderboard_rank for c, r in rows.items()}
    # e (most gmv); a (more orders); c and d tie on first order time -> creator_id; b is latest
    assert ranks == {"e": 1, "a": 2, "c": 3, "d": 4, "b": 5}
    assert [rows[c].leaderboard_prize_sen for c in "eacdb"] == [50000, 40000, 30000, 20000, 10000]


def test_zero_gmv_creator_has_a_row_but_no_rank():
    lines = orders({"creator_id": "a", "gmv_sen": 0}, {"creator_id": "b", "gmv_sen": 1})
    rows = by_creator(calculate_for_spec(make_spec(), lines, enrolled("a", "b", new=True)))
    assert rows["a"].leaderboard_rank is None and rows["a"].leaderboard_prize_sen == 0
    assert rows["a"].new_creator_bonus_sen == 2000  # one eligible order, even at RM 0
    assert rows["b"].leaderboard_rank == 1 and rows["b"].leaderboard_prize_sen == 500000


# --------------------------------------------------------------------------- rule 8: budget


def test_budget_scaling_rounds_each_component_down():
    # prizes 10,000 of a 10,100 budget: 100.00 (10,000 sen) left for variable components.
    # variable: tiers 3 x 50.00 + commissions 45.00/49.50/54.00 + one new-creator 20.00 = 318.50
    # each component -> floor(component * 10000 / 31850) sen
    spec = make_spec(budget_myr=Decimal("10100"))
    lines = orders(
        {"creator_id": "a", "gmv_sen": 100000},
        {"creator_id": "b", "gmv_sen": 110000},
        {"creator_id": "c", "gmv_sen": 120000},
    )
    people = enrollments(("a", ON_TIME, True), ("b", ON_TIME, False), ("c", ON_TIME, False))
    result = calculate_for_spec(spec, lines, people)
    rows = by_creator(result)
    assert result.scaled and result.variable_total_sen == 31850 and result.available_sen == 10000
    assert (rows["a"].tier_bonus_sen, rows["a"].commission_bonus_sen, rows["a"].new_creator_bonus_sen) == (1569, 1412, 627)
    assert (rows["b"].tier_bonus_sen, rows["b"].commission_bonus_sen) == (1569, 1554)
    assert (rows["c"].tier_bonus_sen, rows["c"].commission_bonus_sen) == (1569, 1695)
    assert [rows[c].leaderboard_prize_sen for c in "cba"] == [500000, 300000, 200000]  # prizes are fixed
    assert [rows[c].total_sen for c in "abc"] == [203608, 303123, 503264]
    assert result.total_sen == 1009995 <= 1010000


def test_scaling_starts_one_sen_past_the_budget():
    # one creator: prize 5000.00 awarded; variable = tier 50 + commission 45 + new 5 = 100.00
    one_prize = {"prizes_myr": [Decimal("5000")]}
    lines = orders({"creator_id": "a", "gmv_sen": 100000})
    fits = calculate_for_spec(
        make_spec(budget_myr=Decimal("5100"), new_creator_bonus_myr=Decimal("5"), leaderboard=one_prize), lines, enrolled("a", new=True)
    )
    assert not fits.scaled and fits.available_sen == fits.variable_total_sen == 10000
    assert fits.total_sen == 510000
    over = calculate_for_spec(
        make_spec(budget_myr=Decimal("5099.99"), new_creator_bonus_myr=Decimal("5"), leaderboard=one_prize), lines, enrolled("a", new=True)
    )
    row = by_creator(over)["a"]
    # factor 9999/10000: 4999.5 -> 4999, 4499.55 -> 4499, 499.95 -> 499
    assert over.scaled
    assert (row.tier_bonus_sen, row.commission_bonus_sen, row.new_creator_bonus_sen) == (4999, 4499, 499)
    assert row.total_sen == 509997 <= 509999


def test_unawarded_prizes_do_not_reserve_budget():
    # prizes 5000/3000/2000 configured (10000.00); the budget barely covers them
    spec = make_spec(budget_myr=Decimal("10000.50"), new_creator_bonus_myr=Decimal("0"))
    lines = orders({"creator_id": "a", "gmv_sen": 100000})
    result = calculate_for_spec(spec, lines, enrolled("a"))
    # one creator: only the first prize (5000.00) is awarded, leaving 5000.50 for 95.00 variable
    assert not result.scaled
    assert by_creator(result)["a"].total_sen == 500000 + 5000 + 4500


# --------------------------------------------------------------------------- rule 9: result


def test_result_csv_has_two_decimals_and_the_spec_columns(tmp_path):
    result = calculate_for_spec(make_spec(), orders({"creator_id": "a", "gmv_sen": 101800}), enrolled("a", new=True))
    path = result.write_csv(tmp_path / "out.csv")
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert rows == [
        {
            "creator_id": "a",
            "eligible_gmv_myr": "1018.00",
            "eligible_orders": "1",
            "tier_bonus_myr": "50.00",
            "commission_bonus_myr": "45.81",
            "new_creator_bonus_myr": "20.00",
            "leaderboard_prize_myr": "5000.00",
            "total_myr": "5115.81",
        }
    ]


def test_parquet_and_arrow_inputs_agree(tmp_path):
    import pyarrow.parquet as pq

    lines = orders(
        {"order_id": "o1", "creator_id": "a", "gmv_sen": 300000},
        {"order_id": "o1", "creator_id": "a", "gmv_sen": 100000},
        {"order_id": "o2", "creator_id": "b", "gmv_sen": 700000},
    )
    pq.write_table(lines, tmp_path / "orders.parquet")
    pq.write_table(enrolled("a", "b"), tmp_path / "enrollments.parquet")
    from_files = calculate_for_spec(make_spec(), str(tmp_path / "orders.parquet"), str(tmp_path / "enrollments.parquet"))
    in_memory = calculate_for_spec(make_spec(), lines, enrolled("a", "b"))
    assert from_files.rows == in_memory.rows
    assert by_creator(from_files)["a"].eligible_gmv_sen == 100000


def test_empty_inputs_give_an_empty_result():
    result = calculate_for_spec(make_spec(), orders(), enrolled())
    assert result.rows == [] and result.total_sen == 0 and not result.scaled


def test_rules_from_spec_are_exact():
    rules = PayoutRules.from_spec(make_spec())
    assert rules.rate_fraction() == (9, 200)
    assert rules.event_start == dt.datetime(2027, 3, 9, 16, tzinfo=dt.UTC)
    assert rules.registration_closes == dt.datetime(2027, 3, 9, 15, 59, 59, tzinfo=dt.UTC)
    assert rules.commission_sen(101800) == 4581
    assert IN_EVENT.utcoffset() == dt.timedelta(hours=8)


def test_session_applies_several_designs_to_the_same_eligible_lines():
    """A PayoutSession gives the one-shot engine's result for every design, over one set of eligible lines."""
    from creator_ops.core.payouts import PayoutInputError, PayoutRules, PayoutSession

    spec = make_spec()
    lean = make_spec(budget_myr=Decimal("5000"), leaderboard={"prizes_myr": [Decimal("4000")]})
    # other tiers, commission and new-creator bonus: rules 4-9 over the rule 3 rows the first design made
    other = make_spec(tiers=[{"min_gmv_myr": Decimal("1500"), "bonus_myr": Decimal("75")}],
                      commission_bonus={"rate": Decimal("0.1")}, new_creator_bonus_myr=Decimal("0"))  # fmt: skip
    o = orders(
        {"creator_id": "a", "gmv_sen": 600_000},
        {"creator_id": "b", "gmv_sen": 150_000},
        {"creator_id": "x", "gmv_sen": 990_000},  # excluded
        {"creator_id": "z", "gmv_sen": 10_000},  # not enrolled
    )
    e = enrolled("a", "b", "x", new=True)
    ex = exclusions("x")
    with PayoutSession(PayoutRules.from_spec(spec), o, e, ex) as session:
        for design in (spec, lean, other):
            got = session.calculate(PayoutRules.from_spec(design))
            want = calculate_for_spec(design, o, e, ex)
            assert got.rows == want.rows and got.scaled == want.scaled
        lines = session.con.execute("SELECT creator_id, gmv_sen FROM eligible_lines ORDER BY creator_id").fetchall()
        assert lines == [("a", 600_000), ("b", 150_000)]
        assert session.con.execute("SELECT count(*) FROM enrolled").fetchall() == [(3,)]
        moved = dataclasses.replace(PayoutRules.from_spec(spec), event_end=IN_EVENT)
        with pytest.raises(PayoutInputError):
            session.calculate(moved)
