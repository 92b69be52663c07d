"""Survey figures (NPS, CSAT, the first-survey rule, header matching, splits, themes) and what-if designs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pyarrow as pa
from review_builders import TS, campaign_inputs, local, make_spec, table

from creator_ops.core.payouts import calculate_for_spec
from creator_ops.core.review import compute_review, dumps
from creator_ops.core.review.surveys import csat, nps
from creator_ops.core.review.themes import themes_by_language
from creator_ops.core.review.values import Money, Ratio
from creator_ops.core.spec import parse_spec

NPS_Q = "How likely are you to recommend us? (0-10)"
CSAT_Q = "Rate the samples (1-5)"


def test_nps_counts_integers_0_to_10_after_trimming():
    value, counts = nps(["10", " 9 ", "9", "7", "3", "11", "7.5", "N/A", "", None, "-1"])
    assert counts == {"valid": 5, "promoters": 3, "passives": 1, "detractors": 1}
    assert value == Ratio(Fraction(40))  # 100 × (3 − 1) / 5
    assert nps(["6", "0"])[0] == Ratio(Fraction(-100))
    assert nps(["great"])[0] is None  # no valid answer: nothing to measure


def test_csat_counts_integers_1_to_5():
    value, counts = csat(["5", "4 ", " 3", "1", "6", "0", "4.0", "good"])
    assert counts == {"valid": 4, "satisfied": 2}
    assert value == Ratio(Fraction(50))


def survey_spec():
    """The scd campaign with two overlapping surveys; the second names its questions in other case and spacing."""
    base = make_spec().model_dump(mode="python")
    return parse_spec(
        {
            "id": "test_scd",
            "name": "Test SCD",
            "type": "scd",
            "timeline": {"event_start": dt.date(2027, 3, 10)},
            "incentives": base["incentives"],
            "targets": {"survey_responses": 10},
            "surveys": [
                {"id": "during", "title": "During", "opens": dt.date(2027, 3, 1), "closes": dt.date(2027, 3, 15),
                 "nps_question": NPS_Q},
                {"id": "after", "title": "After", "opens": dt.date(2027, 3, 10), "closes": dt.date(2027, 3, 20),
                 "nps_question": f"  {NPS_Q.upper()} ", "csat_question": CSAT_Q.lower()},
            ],
            "review": {
                "what_if": [
                    {"name": "lean", "incentives": {**base["incentives"], "budget_myr": Decimal(8100),
                                                    "leaderboard": {"prizes_myr": [Decimal(5000), Decimal(3000)]}}},
                    {"name": "no_prizes", "incentives": {**base["incentives"], "leaderboard": {"prizes_myr": []}}},
                ]
            },
        },
        "surveys.yaml",
    )  # fmt: skip


def survey_inputs():
    inputs = campaign_inputs()
    responses = [
        ("r1", "a", local("2027-03-12 10:00:00")),  # both windows hold it: the first survey in spec order
        ("r2", "b", local("2027-03-15 00:00:00")),  # exactly at "during" closes: inclusive
        ("r3", "a", local("2027-03-16 09:00:00")),  # only "after"
        ("r4", "b", local("2027-03-18 09:00:00")),
        ("r5", "c", local("2027-03-25 09:00:00")),  # outside every survey: counts only for the target
    ]
    answers = [
        ("r1", NPS_Q, "10", None), ("r1", "Comments", "Produk bagus, harga berpatutan", "ms"),
        ("r2", NPS_Q, " 3 ", None), ("r2", "Comments", "Sample late, email me at bob@example.com", "en"),
        ("r3", NPS_Q, "9", None), ("r3", CSAT_Q, "5", None), ("r3", "Comments", "样品很好，直播效果不错", "zh"),
        ("r4", NPS_Q, "8", None), ("r4", CSAT_Q, "2", None), ("r4", "Comments", "Sample arrived late again", "en"),
        ("r5", NPS_Q, "0", None),
    ]  # fmt: skip
    inputs.survey_responses = table(
        [{"response_id": r, "creator_id": c, "submitted_at": t} for r, c, t in responses],
        response_id=pa.string(),
        creator_id=pa.string(),
        submitted_at=TS,
    )
    inputs.survey_answers = table(
        [{"response_id": r, "question": q, "answer": a, "language": lang} for r, q, a, lang in answers],
        response_id=pa.string(),
        question=pa.string(),
        answer=pa.string(),
        language=pa.string(),
    )
    return inputs


def test_surveys_per_spec_survey_with_scores_and_splits():
    review = compute_review(survey_spec(), survey_inputs())
    during, after = review["surveys"]["during"], review["surveys"]["after"]
    assert list(review["surveys"]) == ["during", "after"]
    assert during["responses"] == 2 and after["responses"] == 2
    assert during["nps"] == Ratio(Fraction(0))  # 10 and 3: one promoter, one detractor
    assert "csat" not in during  # the survey names no CSAT question
    assert after["nps_answers"] == {"valid": 2, "promoters": 1, "passives": 1, "detractors": 0}
    assert after["nps"] == Ratio(Fraction(50))
    assert after["csat"] == Ratio(Fraction(50))  # 5 and 2
    assert review["targets"]["survey_responses"] == {"target": 10, "actual": 5, "attainment": Ratio(Fraction(1, 2))}
    # a's account manager is aisyah, b's wei (review_builders' invitations)
    assert after["by_account_manager"] == {
        "aisyah": {"responses": 1, "nps": Ratio(Fraction(100)), "csat": Ratio(Fraction(100))},
        "wei": {"responses": 1, "nps": Ratio(Fraction(0)), "csat": Ratio(Fraction(0))},
    }
    assert after["by_language"] == {
        "en": {"responses": 1, "nps": Ratio(Fraction(0)), "csat": Ratio(Fraction(0))},
        "zh": {"responses": 1, "nps": Ratio(Fraction(100)), "csat": Ratio(Fraction(100))},
    }
    assert set(during["themes"]) == {"ms", "en"} and set(after["themes"]) == {"en", "zh"}
    text = dumps(review)
    assert "bob@example.com" not in text and "(contact removed)" in text  # what a reader sees where it was
    for theme in during["themes"]["en"]:  # no piece of the address becomes a theme word
        assert not {"bob", "example", "com"} & set(theme["label"].split(" / ")), theme


def test_themes_group_answers_per_language_deterministically():
    answers = [
        ("The sample arrived late", "en"), ("Sample arrived very late", "en"), ("Late sample delivery again", "en"),
        ("Commission was great", "en"), ("Great commission rate this time", "en"), ("Commission payout was great", "en"),
        ("Live traffic too low", "en"), ("Traffic on my live was low", "en"), ("call me 012-345 6789 about traffic", "en"),
        ("sampel lambat sampai", "ms"), ("样品到得太晚", "zh"), ("样品太晚了", "zh"), ("மாதிரி தாமதமாக வந்தது", "ta"),
        ("12345", None), ("👍👍", None), ("haha lol", None), ("mantap gila bro", None),
    ]  # fmt: skip
    first = themes_by_language(answers)
    assert first == themes_by_language(list(answers))
    assert list(first) == ["ms", "en", "zh", "ta", "other"]
    english = first["en"]
    assert sum(t["count"] for t in english) == 9 and 2 <= len(english) <= 5
    for theme in english:
        assert theme["label"] and 1 <= len(theme["examples"]) <= 2
    labels = " ".join(t["label"] for t in english)
    assert "late" in labels and "commission" in labels
    examples = [e for t in english for e in t["examples"]]
    assert not any("345 6789" in e for e in examples)
    # "12345" and the emoji have no letter: scores or reactions, not comments; the slang has no known language
    assert first["other"] == [{"label": "haha / lol", "count": 1, "examples": ["haha lol"]}]
    assert "mantap gila bro" in first["ms"][-1]["examples"] + [x for t in first["ms"] for x in t["examples"]]
    assert "样品" in first["zh"][0]["label"]


def test_what_if_designs_run_the_section_5_engine_on_the_same_lines():
    spec = survey_spec()
    inputs = survey_inputs()
    review = compute_review(spec, inputs)
    lean, no_prizes = review["what_if"]
    # lean: budget 8100, prizes 8000 awarded → 100.00 left for 687.50 of variable bonuses: scaled by 100 / 687.50,
    # each component floored: a 300 → 43.63, 270 → 39.27; b 50 → 7.27, 67.50 → 9.81; total 8000 + 99.98
    assert lean["name"] == "lean" and lean["scaled"] is True
    assert lean["total_myr"] == Money(809_998)
    alternative = spec.model_copy(update={"incentives": spec.review.what_if[0].incentives})
    engine = calculate_for_spec(alternative, inputs.orders, inputs.enrollments, inputs.exclusions)
    assert lean["total_myr"] == Money(engine.total_sen) and lean["creators"] == engine.creators == 2
    assert engine.total_sen <= 810_000
    assert lean["creators_per_tier"] == {"0.00": 0, "1000.00": 1, "5000.00": 1, "20000.00": 0}
    assert no_prizes["total_myr"] == Money(68_750) and no_prizes["scaled"] is False
    assert review["payouts"]["total_myr"] == Money(868_750)
    assert no_prizes["total_to_gmv"] == Ratio(Fraction(68_750, 750_000))


def test_a_choice_question_is_counted_not_themed():
    from creator_ops.core.review.surveys import choice_counts, is_choice_question

    yes_no = ["Ya", "Tidak", "ya ", "Yes", "No", "Ya", "Tidak", "Yes", "Ya", "No", "Ya", "Yes"]
    assert is_choice_question(yes_no)
    assert choice_counts([(a, None) for a in yes_no]) == {"Ya": 5, "Yes": 3, "No": 2, "Tidak": 2}
    comments = ["Stok habis terlalu awal", "The live slot was too short", "直播时间太短", "More samples please"]
    assert not is_choice_question(comments * 2)  # four values, twice each: comments, not a choice


def test_a_masked_contact_reads_contact_removed():
    from creator_ops.core.review.themes import _example

    assert _example("Email me at aisyah_r@gmail.com") == "Email me at (contact removed)"
    assert "(contact removed)" in _example("WhatsApp saya 012-345 6789")


def test_a_response_of_scores_alone_takes_its_creators_language_never_other():
    """Forms exported one answer per row: a score row takes the language its creator wrote in (issue 30)."""
    from creator_ops.core.review.surveys import NO_TEXT, Response, _creator_languages, _response_language

    at = dt.datetime(2026, 12, 14, tzinfo=dt.UTC)
    rows = [
        Response(1, "aina", at, {"Overall satisfaction (1-5)": ("4", None)}),
        Response(2, "aina", at, {"What should we improve next time?": ("Tolong hantar baucar lebih awal", None)}),
        Response(3, "ben", at, {"NPS": ("9", None)}),  # ben wrote no text at all
        Response(4, "chong", at, {"What should we improve next time?": ("haha lol", None)}),  # text, no language
    ]
    scores = {"nps", "overall satisfaction (1-5)"}
    by_creator = _creator_languages(rows, scores)
    assert [_response_language(r, scores, by_creator) for r in rows] == ["ms", "ms", NO_TEXT, "other"]
