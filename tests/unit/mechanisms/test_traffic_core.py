"""Traffic allocation (SPEC 11): a hand-worked allocation, and optimality against brute force and an LP."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from creator_ops.core.traffic import (
    CreatorContent,
    TrafficError,
    TrafficParams,
    allocate,
    content_totals,
)

PARAMS = TrafficParams.of(budget_myr=250, cpm_myr=10, step_myr=100, efficiency=["1.0", "0.5"])


def test_hand_worked_allocation_with_a_partial_last_step():
    # G = RM 400, V = 20,000 → 10000 × G / V = RM 200
    # gpm(A) = 1000 × (300 + 200) / (10000 + 10000) = 25; gpm(B) = 1000 × (100 + 200) / 20000 = 15
    # GMV per MYR: A step 1: 25 × 1.0 / 10 = 2.5, A step 2: 1.25; B step 1: 1.5, B step 2: 0.75
    # RM 250: A step 1 (100 → 250), B step 1 (100 → 150), A step 2 partly (50 → 62.50)
    creators = content_totals([("v1", "A", 20_000, 6_000), ("v2", "A", 10_000, 4_000), ("l1", "B", 10_000, 10_000)])
    result = allocate(creators, PARAMS)
    rows = {r.creator_id: r for r in result.rows}
    assert rows["A"].gpm == 25 and rows["B"].gpm == 15
    assert (rows["A"].spend_sen, rows["A"].expected_gmv) == (15_000, Fraction(625, 2))
    assert (rows["B"].spend_sen, rows["B"].expected_gmv) == (10_000, Fraction(150))
    assert result.summary() == {
        "creators": 2,
        "boosted_creators": 2,
        "budget_myr": "250.00",
        "spent_myr": "250.00",
        "expected_gmv_myr": "462.50",
        "cap_per_creator_myr": "200.00",
    }
    assert result.csv().decode("utf-8-sig").splitlines() == [
        "creator_id,spend_myr,expected_gmv_myr,gpm_myr,content_gmv_myr,content_views,ghost_spend_myr,"
        "ghost_expected_gmv_myr",
        "A,150.00,312.50,25.00,300.00,10000,0.00,0.00",
        "B,100.00,150.00,15.00,100.00,10000,0.00,0.00",
    ]


def test_partial_step_in_whole_sen_and_caps():
    # RM 0.01 above three full steps: the odd sen goes to the next best segment
    params = TrafficParams.of(budget_myr="300.01", cpm_myr=10, step_myr=100, efficiency=["1.0", "0.5"])
    creators = [CreatorContent("A", 30_000, 10_000), CreatorContent("B", 10_000, 10_000)]
    rows = {r.creator_id: r.spend_sen for r in allocate(creators, params).rows}
    assert rows == {"A": 20_000, "B": 10_001}
    # a budget above every cap leaves money unspent, and says so
    big = allocate(creators, TrafficParams.of(budget_myr=1000, cpm_myr=10, step_myr=100, efficiency=["1", "0.5"]))
    assert [r.spend_sen for r in big.rows] == [20_000, 20_000] and big.notes


def test_a_creator_without_content_gets_the_campaign_rate():
    # C has no content at all: gpm(C) = 1000 × (0 + 200) / 10000 = 20, between A's 25 and B's 15
    creators = [CreatorContent("A", 30_000, 10_000), CreatorContent("B", 10_000, 10_000), CreatorContent("C", 0, 0)]
    result = allocate(creators, PARAMS)
    assert [(r.creator_id, r.spend_sen) for r in result.rows] == [("A", 10_000), ("C", 10_000), ("B", 5_000)]
    assert result.expected_gmv_exact == 250 + 200 + 75


def test_zero_return_is_not_bought_and_no_views_means_no_prior():
    creators = [CreatorContent("A", 0, 500), CreatorContent("B", 0, 0)]  # nobody sold anything
    result = allocate(creators, PARAMS)
    assert result.spent_sen == 0 and result.notes
    alone = allocate([CreatorContent("A", 5_000, 0)], PARAMS)  # V = 0: gpm = 1000 × 50 / 10000 = 5
    assert alone.rows[0].gpm == 5 and alone.rows[0].spend_sen == 20_000


def test_reallocation_continues_each_creator_on_its_curve():
    creators = [CreatorContent("A", 30_000, 10_000), CreatorContent("B", 10_000, 10_000)]
    first = allocate(creators, PARAMS, budget_sen=12_000)
    assert {r.creator_id: r.spend_sen for r in first.rows} == {"A": 10_000, "B": 2_000}
    spent = {r.creator_id: r.spend_sen for r in first.rows}
    second = allocate(creators, PARAMS, budget_sen=13_000, spent_sen=spent)
    assert {r.creator_id: r.spend_sen for r in second.rows} == {"A": 5_000, "B": 8_000}
    once = allocate(creators, PARAMS)
    assert first.expected_gmv_exact + second.expected_gmv_exact == once.expected_gmv_exact
    # a creator at its cap gets nothing more
    capped = allocate(creators, PARAMS, budget_sen=50_000, spent_sen={"A": 20_000})
    assert {r.creator_id: r.spend_sen for r in capped.rows} == {"A": 0, "B": 20_000}


def test_content_rows_landed_again_replace_the_earlier_figures():
    totals = content_totals([("v1", "A", 100, 10), ("v1", "A", 900, 90), ("v2", "A", 50, 5), ("v3", "b", 1, 1)])
    assert [(c.creator_id, c.gmv_sen, c.views) for c in totals] == [("A", 950, 95), ("b", 1, 1)]


def test_parameters_are_checked():
    with pytest.raises(TrafficError, match="efficiency: must not increase"):
        TrafficParams.of(budget_myr=1, cpm_myr=1, step_myr=1, efficiency=["0.5", "1.0"])
    with pytest.raises(TrafficError, match="cpm_myr"):
        TrafficParams.of(budget_myr=1, cpm_myr=0, step_myr=1, efficiency=["1"])
    with pytest.raises(TrafficError, match="step_myr: 0.001"):
        TrafficParams.of(budget_myr=1, cpm_myr=1, step_myr="0.001", efficiency=["1"])


# --------------------------------------------------------------------------- optimality


def _returns(creator_gpm: Fraction, spend: int, params: TrafficParams) -> Fraction:
    """Expected GMV of spending `spend` sen on one creator, straight from SPEC 11's step rule."""
    total = Fraction(0)
    for j, efficiency in enumerate(params.efficiency):
        in_step = max(0, min(spend, (j + 1) * params.step_sen) - j * params.step_sen)
        total += Fraction(in_step, 100) * creator_gpm * efficiency / params.cpm
    return total


def _gpm(creators, c) -> Fraction:
    g = sum(x.gmv_sen for x in creators)
    v = sum(x.views for x in creators)
    prior = Fraction(10_000 * g, v) if v else Fraction(0)
    return Fraction(1000) * (c.gmv_sen + prior) / (c.views + 10_000) / 100


def brute_force(creators, params: TrafficParams) -> Fraction:
    """Best expected GMV over every whole-sen split of the budget (dynamic programme over creators)."""
    best = {0: Fraction(0)}  # spent so far → best expected GMV
    for c in creators:
        gpm = _gpm(creators, c)
        step = {}
        for spent, value in best.items():
            for spend in range(0, params.cap_sen + 1):
                if spent + spend > params.budget_sen:
                    break
                candidate = value + _returns(gpm, spend, params)
                if candidate > step.get(spent + spend, Fraction(-1)):
                    step[spent + spend] = candidate
        best = step
    return max(best.values())


small_creators = st.lists(
    st.builds(CreatorContent, st.sampled_from(["a", "b", "c"]), st.integers(0, 5_000), st.integers(0, 30_000)),
    min_size=1,
    max_size=3,
    unique_by=lambda c: c.creator_id,
)
small_params = st.builds(
    lambda budget, step, effs, cpm: TrafficParams(budget, Fraction(cpm, 100), step, tuple(sorted(effs, reverse=True))),
    st.integers(0, 160),
    st.integers(1, 40),
    st.lists(st.sampled_from([Fraction(0), Fraction(3, 10), Fraction(1, 2), Fraction(3, 5), Fraction(1)]), min_size=1, max_size=3),
    st.integers(1, 2_000),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(creators=small_creators, params=small_params)
def test_greedy_reaches_the_brute_force_optimum(creators, params):
    result = allocate(creators, params)
    assert result.expected_gmv_exact == brute_force(creators, params)
    assert result.spent_sen <= params.budget_sen
    assert all(0 <= r.spend_sen <= params.cap_sen for r in result.rows)
    for r in result.rows:  # each row's expected GMV is its spend valued by the step rule
        assert r.expected_gmv == _returns(_gpm(creators, next(c for c in creators if c.creator_id == r.creator_id)), r.spend_sen, params)


@settings(max_examples=25, deadline=None)
@given(
    creators=st.lists(
        st.builds(CreatorContent, st.text("abcdefghij", min_size=3, max_size=3), st.integers(0, 10**7), st.integers(0, 10**6)),
        min_size=1,
        max_size=40,
        unique_by=lambda c: c.creator_id,
    ),
    budget=st.integers(0, 5_000_000),
)
def test_greedy_matches_the_linear_programme(creators, budget):
    """On larger instances, HiGHS's LP relaxation (continuous spend) has the same optimum."""
    import numpy as np
    from scipy.optimize import linprog

    params = TrafficParams.of(budget_myr="0", cpm_myr="12.5", step_myr="250", efficiency=["1", "0.6", "0.3"])
    params = TrafficParams(budget, params.cpm, params.step_sen, params.efficiency)
    rates = [float(_gpm(creators, c) * e / params.cpm / 100) for c in creators for e in params.efficiency]
    lp = linprog(
        -np.array(rates),
        A_ub=np.ones((1, len(rates))),
        b_ub=[budget],
        bounds=[(0, params.step_sen)] * len(rates),
        method="highs",
    )
    assert lp.status == 0
    exact = allocate(creators, params).expected_gmv_exact
    assert float(exact) == pytest.approx(-lp.fun, rel=1e-9, abs=1e-6)


def test_ghosts_get_exactly_what_the_plan_without_a_holdout_gives_and_count_against_budget_and_caps():
    """SPEC 15: the plan is computed over every candidate; a holdout creator's share is recorded, never bought."""
    from creator_ops.core.traffic import CreatorContent, TrafficParams, allocate

    creators = [CreatorContent(f"c{i}", 10_000 * (i + 1), 1_000 * (i + 2)) for i in range(12)]
    params = TrafficParams.of(budget_myr="900", cpm_myr="10", step_myr="100", efficiency=["1", "0.5"])
    holdout = {"c3", "c7", "c11"}
    plain = {r.creator_id: r for r in allocate(creators, params, budget_sen=40_000).rows}
    hour1 = allocate(creators, params, budget_sen=40_000, holdout=holdout)
    for row in hour1.rows:
        if row.creator_id in holdout:  # a ghost: nothing bought, what it would have got beside
            assert row.spend_sen == 0 and row.expected_gmv == 0
            assert row.ghost_spend_sen == plain[row.creator_id].spend_sen > 0
            assert row.ghost_expected_gmv == plain[row.creator_id].expected_gmv
        else:
            assert row.spend_sen == plain[row.creator_id].spend_sen and row.ghost_spend_sen == 0
    assert hour1.spent_sen + hour1.held_back_sen == 40_000 and hour1.held_back_sen > 0
    # the next hour continues from spend + ghost spend: the same leftover as without the holdout
    before_plain = {c: r.spend_sen for c, r in plain.items()}
    before = {r.creator_id: r.spend_sen + r.ghost_spend_sen for r in hour1.rows}
    assert before == {c: s for c, s in before_plain.items() if s or c in before}
    hour2_plain = allocate(creators, params, budget_sen=50_000, spent_sen=before_plain)
    hour2 = allocate(creators, params, budget_sen=50_000, spent_sen=before, holdout=holdout)
    assert {r.creator_id: r.spend_sen + r.ghost_spend_sen for r in hour2.rows if r.spend_sen or r.ghost_spend_sen} == {
        r.creator_id: r.spend_sen for r in hour2_plain.rows if r.spend_sen
    }
    assert all(before.get(r.creator_id, 0) + r.ghost_spend_sen <= params.cap_sen for r in hour2.ghosts)
