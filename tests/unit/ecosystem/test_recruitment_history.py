"""Recruitment shows each candidate's ecosystem state and past GMV; `prefer_returning` breaks equal scores."""

from __future__ import annotations

import csv
import itertools

from ecosystem_fixture import write_campaigns

from creator_ops.cli import main
from creator_ops.core.ecosystem import HISTORY_FILE, read_history
from creator_ops.core.recruitment import (
    Candidate,
    CreatorHistory,
    ranking_key,
    recruit,
    score,
    write_recruitment_files,
)
from creator_ops.core.spec import Recruitment

# three candidates with the same score and the same numbers: only creator_id would break the tie
SAME = {"followers": 10_000, "gmv_30d_sen": 1_000_000, "avg_views_30d": 500}
POOL = [Candidate("amy", **SAME), Candidate("ben", **SAME), Candidate("cat", **SAME), Candidate("dan", followers=10)]
HISTORY = {
    "ben": CreatorHistory("churned", 123_456, 1),  # sold before: would be reactivated
    "cat": CreatorHistory("returning", 0, 0),  # enrolled, never sold
    "dan": CreatorHistory("returning", 999_999_00, 3),  # sold most, but a lower score: stays behind
}


def _order(criteria: Recruitment, history=HISTORY) -> list[str]:
    return [e.candidate.creator_id for e in recruit(POOL, criteria, history).shortlist]


def test_without_the_switch_history_changes_nothing():
    assert _order(Recruitment(shortlist_size=10)) == _order(Recruitment(shortlist_size=10), {}) == [
        "amy", "ben", "cat", "dan"
    ]  # fmt: skip


def test_prefer_returning_puts_past_sellers_first_at_equal_score_only():
    assert _order(Recruitment(shortlist_size=10, prefer_returning=True)) == ["ben", "amy", "cat", "dan"]


def test_prefer_returning_matches_a_brute_force_over_every_input_order():
    """The rule as stated, checked on every permutation: no order of the input changes the ranking."""
    criteria = Recruitment(shortlist_size=10, prefer_returning=True)

    def rule(c: Candidate) -> tuple:
        key = ranking_key(c, score(c))
        return (key[0], 0 if HISTORY.get(c.creator_id, CreatorHistory()).past_seller else 1, *key[1:])

    expected = [c.creator_id for c in sorted(POOL, key=rule)]
    for permutation in itertools.permutations(POOL):
        assert [e.candidate.creator_id for e in recruit(permutation, criteria, HISTORY).shortlist] == expected


def test_shortlist_and_invite_lists_show_state_and_past_gmv(tmp_path):
    criteria = Recruitment(shortlist_size=10, account_managers=["aisyah"], prefer_returning=True)
    write_recruitment_files(recruit(POOL, criteria, HISTORY), tmp_path)
    for name in ("shortlist.csv", "invites_aisyah.csv"):
        with open(tmp_path / name, encoding="utf-8-sig", newline="") as handle:
            rows = {r["creator_id"]: r for r in csv.DictReader(handle)}
        assert (rows["ben"]["ecosystem_state"], rows["ben"]["past_eligible_gmv_myr"]) == ("churned", "1234.56")
        assert (rows["amy"]["ecosystem_state"], rows["amy"]["past_eligible_gmv_myr"]) == ("never_enrolled", "0.00")


def test_history_file_is_the_scorecard(tmp_path):
    root = write_campaigns(tmp_path / "campaigns")
    assert main(["ecosystem", "--campaigns", str(root), "--out", str(tmp_path / "out")]) == 0
    history = read_history(tmp_path / "out" / HISTORY_FILE)
    assert history["a"] == CreatorHistory("reactivated", 110_000, 2)
    assert history["f"] == CreatorHistory("new", 0, 0)
    assert set(history) == {"a", "b", "c", "d", "e", "f"}
    assert read_history(tmp_path / "nowhere" / HISTORY_FILE) == {}
