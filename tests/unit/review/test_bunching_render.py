"""SPEC 16 for people: the sentence, the plain statements, the inline histogram and the tiers' ranking."""

from __future__ import annotations

import re
from fractions import Fraction

from creator_ops.core.review.bunching import Fitted
from creator_ops.core.review.bunching_render import (
    histogram_svg,
    incentive_html,
    incentive_markdown,
    least_gmv_per_bonus,
    plain_statements,
    tier_sentence,
)
from creator_ops.core.review.values import Money, Ratio


def r(x: float) -> Ratio:
    return Ratio(Fraction(x))


def entry(**changes) -> dict:
    """SPEC 16's example tier: about 37 creators past RM 5,000.00 for a RM 300.00 bonus."""
    base = {
        "threshold_myr": Money(500_000),
        "bonus_myr": Money(30_000),
        "bin_myr": Money(10_000),
        "counts": [30 - i // 2 for i in range(50)],
        "fitted": [Fitted(Fraction(30 - i / 2)) for i in range(50)],
        "excess": r(37.25),
        "missing": r(35.5),
        "excess_ci95": [r(21.4), r(52.3)],
        "pushed_gmv_myr": Money(1_029_012),
        "pushed_gmv_ci95_myr": [Money(470_120), Money(1_610_400)],
        "tier_cost_myr": Money(1_290_000),
        "gmv_per_bonus_myr": Ratio(Fraction(8, 10)),
        "placebo": {"3500.00": r(-4.0), "7000.00": r(6.5)},
        "reason": None,
    }
    return base | changes


def test_the_sentence_is_the_one_of_spec_16():
    assert tier_sentence(entry()) == (
        "About 37 creators (between 21 and 52) pushed past RM 5,000.00 to reach the RM 300.00 bonus; that push "
        "brought RM 10,290 of GMV (between RM 4,700 and RM 16,100), RM 0.80 of GMV per bonus ringgit; the tier "
        "costs RM 12,900."
    )
    # a tier above another: its whole bonus, and what it adds over the tier below
    assert "to reach the RM 350.00 bonus (RM 300.00 more than the tier below)" in tier_sentence(entry(), 35_000)
    less = tier_sentence(entry(bonus_myr=Money(-5_000)), 10_000)
    assert "to reach the RM 100.00 bonus (RM 50.00 less than the tier below)" in less
    assert "no bonus ringgit paid" in tier_sentence(entry(gmv_per_bonus_myr=None, tier_cost_myr=Money(0)))


def test_too_few_says_why_in_words():
    few = entry(**dict.fromkeys(("counts", "fitted", "excess", "missing", "excess_ci95", "pushed_gmv_myr",
                                 "pushed_gmv_ci95_myr", "tier_cost_myr", "gmv_per_bonus_myr", "placebo")),
                reason="too_few")  # fmt: skip
    assert "fewer than 200 selling creators" in tier_sentence(few)
    assert "under RM 50.00" in tier_sentence(few | {"threshold_myr": Money(4_000)})
    assert plain_statements(few) == []
    assert "<svg" not in incentive_html({"incentive_response": [few]})


def test_plain_statements_say_noise_and_disagreement():
    assert plain_statements(entry())[0].startswith("The threshold stands out of its placebos")
    noise = plain_statements(entry(placebo={"3500.00": r(-40.0), "7000.00": r(6.5)}))
    assert (
        noise[0].startswith("The threshold does not stand out of its placebos") and "-40.0 at RM 3,500.00" in noise[0]
    )
    straddles = plain_statements(entry(excess_ci95=[r(-2.0), r(52.3)]))
    assert "does not stand out" in straddles[0]
    alone = plain_statements(entry(placebo={"3500.00": None}))
    assert alone[0].startswith("No placebo threshold could be measured")
    disagree = plain_statements(entry(missing=r(3.0)))
    assert len(disagree) == 2 and "disagree: the window does not fit this threshold" in disagree[1]


def test_the_histogram_is_inline_svg_with_50_bars_and_the_fit():
    svg = histogram_svg(entry(), "around RM 5,000.00")
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert len(re.findall(r"<rect [^>]*><title>\d+ creators</title></rect>", svg)) == 50
    assert len(re.search(r'<polyline points="([^"]+)"', svg).group(1).split()) == 50
    assert "<script" not in svg and "href" not in svg
    assert re.findall(r"https?://[^\"]+", svg) == ["http://www.w3.org/2000/svg"]  # the namespace, nothing fetched
    assert ">RM 5,000<" in svg and ">RM 2,500<" in svg and ">RM 7,500<" in svg


def test_the_what_if_says_which_tiers_bring_least_gmv_per_bonus_ringgit():
    low = entry(threshold_myr=Money(100_000), gmv_per_bonus_myr=Ratio(Fraction(8, 100)), placebo={"700.00": r(50.0)})
    high = entry()
    few = entry(threshold_myr=Money(2_000_000), gmv_per_bonus_myr=None, reason="too_few")
    text = least_gmv_per_bonus({"incentive_response": [high, low, few]})
    assert text.startswith(
        "Of the current design's tiers, the tier at RM 1,000.00 (RM 0.08, within noise) brings the least GMV per "
        "bonus ringgit, then the tier at RM 5,000.00 (RM 0.80)"
    )
    assert "the tier at RM 20,000.00 has no estimate" in text
    assert least_gmv_per_bonus({"incentive_response": []}) is None


def test_markdown_carries_the_same_words():
    review = {"incentive_response": [entry(), entry(threshold_myr=Money(2_000_000), reason="too_few")]}
    text = "\n".join(incentive_markdown(review))
    assert tier_sentence(entry()) in text and "### Tier at RM 20,000.00" in text
    assert "**The threshold stands out of its placebos" in text
