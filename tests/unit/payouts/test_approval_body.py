"""The payout approval's detail reads in order: leaderboard rank 1, 2, 3 …, tiers by threshold, RM with separators."""

from __future__ import annotations

from creator_ops.core.money import format_rm_myr
from creator_ops.steps.payouts import _earner_order


def test_top_earners_are_listed_by_leaderboard_rank_then_by_total():
    earners = [
        {"creator_id": "e", "total_myr": "900.00", "rank": None},
        {"creator_id": "r5", "total_myr": "5200.00", "rank": 5},
        {"creator_id": "r4", "total_myr": "5100.00", "rank": 4},  # paid less than rank 5, listed before it
        {"creator_id": "r1", "total_myr": "12000.00", "rank": 1},
        {"creator_id": "f", "total_myr": "1500.00", "rank": None},
    ]
    assert [e["creator_id"] for e in sorted(earners, key=_earner_order)] == ["r1", "r4", "r5", "f", "e"]


def test_amounts_have_separators():
    """The approval text formats amounts with the one money formatter (it had a copy, `_rm`)."""
    _rm = lambda myr: format_rm_myr(myr, "?")  # noqa: E731 - the call the approval text makes
    assert _rm("1234567.5") == "RM 1,234,567.50"
    assert _rm("5000.00") == "RM 5,000.00"
    assert _rm(None) == "?"

