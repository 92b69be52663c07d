"""Every SPEC section 10 figure against values worked out by hand (review_builders documents the campaign)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from fractions import Fraction

import pyarrow as pa
import pytest
from review_builders import ON_TIME, campaign_inputs, local, make_spec, order_table, table

from creator_ops.core.payouts import calculate_for_spec
from creator_ops.core.review import ReviewInputs, compute_review, dumps, loads
from creator_ops.core.review.figures import median
from creator_ops.core.review.values import Money, Ratio, delta
from creator_ops.core.spec import parse_spec


def money(text: str) -> Money:
    return Money(int(Decimal(text) * 100))


def ratio(numerator: int, denominator: int) -> Ratio:
    return Ratio(Fraction(numerator, denominator))


@pytest.fixture(scope="module")
def review() -> dict:
    return compute_review(make_spec(), campaign_inputs())


def test_funnel_counts_each_step_by_hand(review):
    # invited a b d x; enrolled a b c x (e registered late); from invite a b x; sampled a (COMPLETED) and
    # b (PENDING then Shipped: the last row wins), not d (not enrolled) nor x (SHIPPED then CANCELLED);
    # posted sample a; posting a (c posted before recruitment opened, d is not enrolled); selling a b
    # (x excluded, c only cancelled, e not enrolled); sampled and selling a b.
    assert review["funnel"] == {
        "invited": 4,
        "enrolled": 4,
        "enrolled_from_invite": 3,
        "sampled": 2,
        "sampled_posted": 1,
        "posting": 1,
        "selling": 2,
        "sampled_selling": 2,
    }
    assert review["rates"] == {
        "invite_acceptance": ratio(3, 4),
        "activation": ratio(2, 4),
        "sample_post_rate": ratio(1, 2),
        "sample_sell_rate": ratio(2, 2),
    }


def test_gmv_splits_by_content_type_category_and_hour(review):
    gmv = review["gmv"]
    assert gmv["eligible_myr"] == money("7500.00")
    assert gmv["by_content_type"] == {"VIDEO": money("6000.00"), "LIVE": money("1500.00")}  # " video " trimmed, upper
    assert gmv["by_category"] == {"beauty": money("6000.00"), "fashion": money("1500.00")}
    hours = gmv["by_hour"]
    assert len(hours) == 24 and list(hours)[0] == "2027-03-10T00:00:00+08:00"
    assert hours["2027-03-10T02:00:00+08:00"] == money("1500.00")
    assert hours["2027-03-10T12:00:00+08:00"] == money("6000.00")
    assert sum(m.sen for m in hours.values()) == 750_000


def test_cost_roi_and_cost_per_selling_creator(review):
    # a: tier 300 + commission floor(6000 × 0.045) 270 + prize 5000 = 5570.00
    # b: tier 50 + commission 67.50 + prize 3000 = 3117.50      → incentives 8687.50
    # commission of eligible lines 10.00 + 5.00 (x's and c's lines are not eligible)
    # shipped samples s1 (P1 30.00), s2 (P2 45.50), s3 (d, P1 30.00); s4 cancelled → 105.50
    assert review["cost"] == {
        "incentives_myr": money("8687.50"),
        "commission_myr": money("15.00"),
        "samples_myr": money("105.50"),
        "total_myr": money("8808.00"),
    }
    assert review["roi"] == ratio(750_000, 880_800)
    assert review["cost_per_selling_creator_myr"] == money("4404.00")


def test_top10_share_and_median_hours(review):
    assert review["top10_share"] == ratio(6000, 7500)  # ⌈0.1 × 2⌉ = 1 creator: a
    # a enrolled before the event: 00:00 → 12:00 = 12 h; b: 00:00 → 02:30 = 2.5 h; even count → mean
    assert review["median_hours_to_first_sale"] == Ratio(Fraction(29, 4))


def test_cost_per_selling_creator_is_floored_to_the_sen():
    inputs = campaign_inputs()
    inputs.products = table(
        [{"product_id": "P1", "category": "beauty", "price_sen": 3001}, {"product_id": "P2", "price_sen": 4550}],
        product_id=pa.string(),
        category=pa.string(),
        price_sen=pa.int64(),
    )
    review = compute_review(make_spec(), inputs)
    assert review["cost"]["total_myr"] == money("8808.02")
    assert review["cost_per_selling_creator_myr"] == money("4404.01")
    assert review["gmv"]["by_category"] == {"beauty": money("6000.00"), "UNKNOWN": money("1500.00")}


def test_zero_sampled_gives_zero_rates_not_errors():
    inputs = campaign_inputs()
    inputs.samples = None
    inputs.invitations = None
    review = compute_review(make_spec(), inputs)
    assert review["funnel"]["sampled"] == review["funnel"]["sampled_posted"] == 0
    assert review["funnel"]["invited"] == review["funnel"]["enrolled_from_invite"] == 0
    assert review["rates"]["sample_post_rate"] == review["rates"]["sample_sell_rate"] == Ratio(Fraction(0))
    assert review["rates"]["invite_acceptance"] == Ratio(Fraction(0))
    assert review["cost"]["samples_myr"] == Money(0)
    text = dumps(review)
    assert '"sample_post_rate": 0.000000' in text


def test_one_selling_creator():
    spec = make_spec()
    inputs = ReviewInputs(
        orders=order_table({"creator_id": "a", "gmv_sen": 123_456, "order_time": local("2027-03-10 07:45:00")}),
        enrollments=campaign_inputs().enrollments,
    )
    review = compute_review(spec, inputs)
    assert review["funnel"]["selling"] == 1
    assert review["top10_share"] == Ratio(Fraction(1))
    assert review["median_hours_to_first_sale"] == Ratio(Fraction(31, 4))  # 7.75 h, odd count of one
    # incentives: tier 50 + commission floor(1234.56 × 0.045) = 55.55 + prize 5000 = 5105.55
    assert review["cost"]["incentives_myr"] == money("5105.55")
    assert review["cost_per_selling_creator_myr"] == money("5105.55")
    assert review["concentration"][-1]["gmv_share"] == Ratio(Fraction(1))


def test_no_selling_creator_leaves_undefined_figures_null():
    inputs = ReviewInputs(orders=order_table(), enrollments=campaign_inputs().enrollments)
    review = compute_review(make_spec(), inputs)
    assert review["funnel"]["selling"] == 0
    assert review["roi"] is None and review["cost_per_selling_creator_myr"] is None
    assert review["median_hours_to_first_sale"] is None
    assert review["top10_share"] == Ratio(Fraction(0))
    assert '"roi": null' in dumps(review)


def late_registration_spec():
    """An scd campaign whose registration stays open until 12:00 on the event day."""
    return parse_spec(
        {
            "id": "late_scd",
            "name": "Late SCD",
            "type": "scd",
            "timeline": {"event_start": dt.date(2027, 3, 10), "registration_closes": dt.datetime(2027, 3, 10, 12)},
            "incentives": {"budget_myr": Decimal(1000)},
        },
        "late.yaml",
    )


def test_median_hours_start_at_the_later_of_registration_and_event_start():
    spec = late_registration_spec()
    rows = [
        # enrolled before the event, first sale 03:00 → 3 h
        ("a", ON_TIME, "2027-03-10 03:00:00"),
        # enrolled 06:00 during the event, first sale 10:00 → 4 h (not 10 h)
        ("b", local("2027-03-10 06:00:00"), "2027-03-10 10:00:00"),
        # enrolled 01:30, sales at 09:00 and 02:00: the first is 02:00 → 0.5 h
        ("c", local("2027-03-10 01:30:00"), "2027-03-10 09:00:00"),
    ]
    orders = [{"creator_id": c, "gmv_sen": 100, "order_time": local(t)} for c, _, t in rows]
    orders.append({"creator_id": "c", "gmv_sen": 100, "order_time": local("2027-03-10 02:00:00"), "order_id": "x"})
    from payout_builders import enrollments

    enrolled = enrollments(*[(c, when) for c, when, _ in rows])
    odd = compute_review(spec, ReviewInputs(orders=order_table(*orders), enrollments=enrolled))
    assert odd["median_hours_to_first_sale"] == Ratio(Fraction(3))  # 0.5, 3, 4
    orders.append({"creator_id": "d", "gmv_sen": 100, "order_time": local("2027-03-10 23:00:00"), "order_id": "y"})
    enrolled = enrollments(*[(c, when) for c, when, _ in rows], ("d", ON_TIME))
    even = compute_review(spec, ReviewInputs(orders=order_table(*orders), enrollments=enrolled))
    assert even["median_hours_to_first_sale"] == Ratio(Fraction(7, 2))  # 0.5, 3, 4, 23 → (3 + 4) / 2


def test_median_of_even_and_odd_counts():
    assert median([Fraction(5), Fraction(1), Fraction(3)]) == 3
    assert median([Fraction(4), Fraction(1), Fraction(3), Fraction(10)]) == Fraction(7, 2)
    assert median([]) is None


def test_top10_share_follows_the_leaderboard_order_with_ties():
    # eleven selling creators → ⌈1.1⌉ = 2 creators in the top 10%. c01 and c02 tie on GMV (500.00) with c03;
    # c02 has two orders, c01 and c03 one each: c02 first, then c01 and c03 tie on orders, c03 sold earlier.
    rows = [
        {"creator_id": "c01", "gmv_sen": 50_000, "order_time": local("2027-03-10 05:00:00")},
        {"creator_id": "c02", "gmv_sen": 20_000, "order_id": "p1"},
        {"creator_id": "c02", "gmv_sen": 30_000, "order_id": "p2"},
        {"creator_id": "c03", "gmv_sen": 50_000, "order_time": local("2027-03-10 04:00:00")},
    ]
    rows += [{"creator_id": f"c{i:02d}", "gmv_sen": 1_000} for i in range(4, 11)]
    rows.append({"creator_id": "c11", "gmv_sen": 0})  # selling (a result row), no GMV, no rank
    from payout_builders import enrolled

    inputs = ReviewInputs(orders=order_table(*rows), enrollments=enrolled(*[f"c{i:02d}" for i in range(1, 12)]))
    spec = make_spec()
    review = compute_review(spec, inputs)
    result = calculate_for_spec(spec, inputs.orders, inputs.enrollments)
    ranks = {r.creator_id: r.leaderboard_rank for r in result.rows}
    assert (ranks["c02"], ranks["c03"], ranks["c01"], ranks["c11"]) == (1, 2, 3, None)
    assert review["funnel"]["selling"] == 11
    assert review["top10_share"] == ratio(100_000, 157_000)


def test_targets_attainment():
    spec = make_spec().model_copy(
        update={"targets": make_spec().targets.model_copy(update={"creators_enrolled": 8, "gmv_myr": Decimal(30000)})}
    )
    review = compute_review(spec, campaign_inputs())
    assert review["targets"] == {
        "creators_enrolled": {"target": 8, "actual": 4, "attainment": ratio(1, 2)},
        "gmv_myr": {"target": money("30000.00"), "actual": money("7500.00"), "attainment": ratio(1, 4)},
    }


def test_json_writes_money_as_strings_and_ratios_with_decimals(review):
    text = dumps(review)
    assert '"eligible_myr": "7500.00"' in text
    assert '"roi": 0.851499' in text  # 7500 / 8808 = 0.8514986...
    assert '"median_hours_to_first_sale": 7.250000' in text
    for number in re.findall(r'": (-?\d+\.\d+)', text):
        assert len(number.split(".")[1]) >= 4
    assert "e-" not in text and "NaN" not in text


def test_json_round_trips_and_is_deterministic(review):
    again = compute_review(make_spec(), campaign_inputs())
    assert dumps(again) == dumps(review)
    assert dumps(loads(dumps(review))) == dumps(review)


def test_baseline_delta_of_every_number(review):
    previous = loads(dumps(review))
    previous["campaign"] = {"id": "old", "name": "Old SCD", "type": "scd", "event_start": "2026-03-10T00:00:00+08:00"}
    previous["funnel"]["selling"] = 5
    previous["gmv"]["eligible_myr"] = money("10000.00")
    previous["gmv"]["by_content_type"] = {"VIDEO": money("10000.00"), "SHOWCASE": money("1.00")}
    previous["roi"] = Ratio(Fraction(1))
    previous["cost_per_selling_creator_myr"] = None
    hours = list(previous["gmv"]["by_hour"])
    previous["gmv"]["by_hour"] = {f"2026-{k[5:]}": v for k, v in previous["gmv"]["by_hour"].items()}
    current = compute_review(make_spec(), campaign_inputs(), baseline=previous, baseline_source="file")
    block = current["baseline"]
    assert block["campaign_id"] == "old" and block["source"] == "file"
    d = block["delta"]
    assert d["funnel"]["selling"] == -3
    assert d["funnel"]["invited"] == 0
    assert d["gmv"]["eligible_myr"] == money("-2500.00")
    assert d["gmv"]["by_content_type"] == {
        "VIDEO": money("-4000.00"),
        "LIVE": money("1500.00"),
        "SHOWCASE": money("-1.00"),
    }
    assert d["gmv"]["by_hour"][hours[12]] == Money(0)  # the hours line up by hour of the event
    assert d["roi"] == Ratio(Fraction(750_000, 880_800) - 1)
    assert "cost_per_selling_creator_myr" not in d  # no number on one side: no delta
    assert d["cost"]["total_myr"] == Money(0)
    assert len(block["gmv_by_hour"]) == 24
    assert "-2500.00" in dumps(current)


def test_delta_matches_named_lists_and_skips_text():
    now = [{"name": "lean", "total_myr": Money(500), "scaled": True}]
    before = [{"name": "lean", "total_myr": Money(200), "scaled": False}]
    assert delta(now, before) == [{"name": "lean", "total_myr": Money(300)}]
    assert delta({"a": "x", "b": 3}, {"b": 1}) == {"b": 2}
