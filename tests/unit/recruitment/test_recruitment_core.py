"""Screening, scoring, shortlisting and account-manager assignment, on hand-computed cases."""

from __future__ import annotations

import csv
from decimal import Decimal

import pytest

from creator_ops.core.money import format_myr as sen_to_text
from creator_ops.core.money import to_sen as myr_to_sen
from creator_ops.core.recruitment import (
    Candidate,
    ScoreCard,
    assign_account_managers,
    follower_points,
    recruit,
    score,
    screen,
    slug,
    write_recruitment_files,
)
from creator_ops.core.spec import Recruitment


def test_score_parts_hand_computed():
    # RM 3,456.78 → 345678 sen // 20000 = 17; 5000 views / 25000 followers = 20.00% → 2000 bp // 10 = 200
    card = score(Candidate("a", followers=25_000, gmv_30d_sen=345_678, avg_views_30d=5_000))
    assert card == ScoreCard(gmv_points=17, engagement_points=200, follower_points=100)
    assert card.total == 317


def test_score_caps_gmv_and_engagement():
    # RM 500,000 → 2500 points capped at 500; 10000/2000 = 500% → 5000 points capped at 300
    card = score(Candidate("a", followers=2_000, gmv_30d_sen=50_000_000, avg_views_30d=10_000))
    assert (card.gmv_points, card.engagement_points, card.follower_points) == (500, 300, 50)
    assert card.total == 850


def test_score_without_followers_or_numbers():
    assert score(Candidate("a", followers=0, gmv_30d_sen=19_999, avg_views_30d=900)).total == 0
    assert score(Candidate("a", followers=None, gmv_30d_sen=None, avg_views_30d=None)).total == 0


def test_engagement_truncates_to_whole_tenth_of_a_percent():
    # 1234 / 100000 = 1.234% → 123 bp → 12 points (not 12.34)
    assert score(Candidate("a", followers=100_000, avg_views_30d=1_234)).engagement_points == 12


@pytest.mark.parametrize(
    ("followers", "points"),
    [
        (0, 0),
        (999, 0),
        (1_000, 50),
        (9_999, 50),
        (10_000, 100),
        (99_999, 100),
        (100_000, 150),
        (999_999, 150),
        (1_000_000, 200),
        (50_000_000, 200),
    ],
)
def test_follower_band_boundaries(followers, points):
    assert follower_points(followers) == points


CRITERIA = Recruitment(
    categories=["beauty", "Home & Living"],
    states=["Selangor", "kuala lumpur"],
    min_followers=1_000,
    min_gmv_30d_myr=Decimal("500.50"),
    min_avg_views_30d=300,
    shortlist_size=3,
    account_managers=["aisyah", "wei_jie"],
)


def _ok(**overrides) -> Candidate:
    values = dict(
        creator_id="c",
        followers=1_000,
        category="beauty",
        state="Selangor",
        gmv_30d_sen=50_050,
        avg_views_30d=300,
    )
    values.update(overrides)
    return Candidate(**values)


@pytest.mark.parametrize(
    ("candidate", "reason"),
    [
        (_ok(), None),  # every minimum is inclusive
        (_ok(category="HOME_LIVING", state="Kuala Lumpur"), None),
        (_ok(category="  home & living "), None),
        (_ok(category="fashion"), "category_not_targeted"),
        (_ok(category=None), "category_not_targeted"),
        (_ok(state="Johor"), "state_not_targeted"),
        (_ok(followers=999), "below_min_followers"),
        (_ok(followers=None), "below_min_followers"),
        (_ok(gmv_30d_sen=50_049), "below_min_gmv_30d"),
        (_ok(avg_views_30d=299), "below_min_avg_views_30d"),
        (_ok(category="fashion", followers=1), "category_not_targeted"),  # first failing check wins
    ],
)
def test_screen(candidate, reason):
    assert screen(candidate, CRITERIA) == reason


def test_empty_lists_mean_any_category_and_state():
    assert screen(Candidate("x", category=None, state=None), Recruitment()) is None


def test_slug_and_money_helpers():
    assert slug("Home & Living") == slug("home_living") == "home_living"
    assert slug("  Pulau  Pinang ") == "pulau_pinang"
    assert myr_to_sen(Decimal("1234.5")) == 123_450
    with pytest.raises(ValueError):
        myr_to_sen(Decimal("0.001"))
    assert sen_to_text(123_450) == "1234.50"
    assert sen_to_text(5) == "0.05"
    assert sen_to_text(0) == "0.00"


def test_snake_draft_assignment():
    assert assign_account_managers(7, ["a", "b", "c"]) == ["a", "b", "c", "c", "b", "a", "a"]
    assert assign_account_managers(3, []) == [None, None, None]
    assert assign_account_managers(4, ["a", "a", "b"]) == ["a", "b", "b", "a"]


def test_recruit_ranks_breaks_ties_and_shortlists():
    criteria = Recruitment(shortlist_size=4, account_managers=["aisyah", "wei_jie"])
    pool = [
        # 99 views / 10000 followers = 0.99% → 99 bp → 9 points; band 100; GMV < RM 200 → 0: score 109
        Candidate("e", followers=10_000, gmv_30d_sen=19_999, avg_views_30d=99),
        Candidate("d", followers=10_000, gmv_30d_sen=19_999, avg_views_30d=99),
        Candidate("b", followers=10_000, gmv_30d_sen=10_000, avg_views_30d=99),
        # 50 views → 50 bp → 5 points: score 105
        Candidate("c", followers=10_000, gmv_30d_sen=19_999, avg_views_30d=50),
        # 20,000,000 sen // 20,000 = 1000 → capped 500, band 100: score 600
        Candidate("z", followers=10_000, gmv_30d_sen=20_000_000, avg_views_30d=0),
    ]
    result = recruit(pool, criteria)
    # 109 ties: d and e beat b on GMV; d and e tie on everything but creator_id
    assert [e.candidate.creator_id for e in result.shortlist] == ["z", "d", "e", "b"]
    assert [e.rank for e in result.shortlist] == [1, 2, 3, 4]
    assert [e.score.total for e in result.shortlist] == [600, 109, 109, 109]
    assert result.scores["c"].total == 105
    assert [e.account_manager for e in result.shortlist] == ["aisyah", "wei_jie", "wei_jie", "aisyah"]
    assert set(result.scores) == {"b", "c", "d", "e", "z"}
    assert result.candidates == 5
    assert {am: [e.rank for e in lst] for am, lst in result.by_account_manager().items()} == {
        "aisyah": [1, 4],
        "wei_jie": [2, 3],
    }


def test_recruit_counts_duplicates_once_and_keeps_the_last():
    criteria = Recruitment(min_followers=100)
    result = recruit([Candidate("a", followers=50), Candidate("a", followers=500)], criteria)
    assert result.candidates == 1
    assert [e.candidate.followers for e in result.shortlist] == [500]
    result = recruit([Candidate("a", followers=500), Candidate("a", followers=50)], criteria)
    assert result.shortlist == [] and result.reasons == {"below_min_followers": 1}


def _read(path):
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "Excel needs the BOM to read UTF-8"
    return list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))


def test_files_are_excel_friendly_complete_and_stable(tmp_path):
    criteria = Recruitment(categories=["beauty"], shortlist_size=3, account_managers=["aisyah", "wei jie"])
    pool = [
        Candidate(
            "siti", handle="Siti Cantik 💄", followers=12_000, category="beauty", gmv_30d_sen=1_234_550
        ),
        Candidate("mei", handle="美美小铺", followers=1_500, category="Beauty", avg_views_30d=900),
        Candidate("kavi", handle="கவிதா அழகு", followers=800, category="beauty", gmv_30d_sen=100),
        Candidate("ali", handle="Ali Gadget", followers=90_000, category="electronics"),
    ]
    result = recruit(pool, criteria)
    files = write_recruitment_files(result, tmp_path)
    assert sorted(p.name for p in files) == [
        "invites_aisyah.csv",
        "invites_wei_jie.csv",
        "screened_out.csv",
        "shortlist.csv",
    ]
    shortlist = _read(tmp_path / "shortlist.csv")
    # siti: 1234550 // 20000 = 61, engagement 0, band 100 → 161
    # mei: 0 + (900*10000//1500)//10 = 600 → 300, band 50 → 350
    # kavi: 0 + 0 + 0 → 0
    assert [(r["creator_id"], r["score"], r["account_manager"]) for r in shortlist] == [
        ("mei", "350", "aisyah"),
        ("siti", "161", "wei jie"),
        ("kavi", "0", "wei jie"),
    ]
    assert shortlist[1]["gmv_30d_myr"] == "12345.50"
    assert shortlist[0]["handle"] == "美美小铺"
    invites = _read(tmp_path / "invites_wei_jie.csv")
    assert [r["handle"] for r in invites] == ["Siti Cantik 💄", "கவிதா அழகு"]
    assert _read(tmp_path / "screened_out.csv") == [
        {
            "creator_id": "ali",
            "handle": "Ali Gadget",
            "category": "electronics",
            "state": "",
            "reason": "category_not_targeted",
        }
    ]
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    write_recruitment_files(recruit(pool, criteria), tmp_path)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_files_drop_invites_of_a_removed_account_manager(tmp_path):
    pool = [Candidate("a", followers=5)]
    write_recruitment_files(recruit(pool, Recruitment(account_managers=["x", "y"])), tmp_path)
    assert (tmp_path / "invites_y.csv").exists()
    write_recruitment_files(recruit(pool, Recruitment(account_managers=["x"])), tmp_path)
    assert not (tmp_path / "invites_y.csv").exists()
    assert len(_read(tmp_path / "invites_x.csv")) == 1
