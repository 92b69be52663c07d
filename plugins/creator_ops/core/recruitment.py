"""Recruitment: screen marketplace candidates, score them, shortlist and share them among account managers.

Everything here is plain Python on integers, so the same candidates always give the same
shortlist, byte for byte.

Screening (the spec's `recruitment` block; an empty list means "any"):

| check | candidate fails with reason |
| --- | --- |
| `categories` (compared as slugs: "Home & Living" == "home_living") | `category_not_targeted` |
| `states` (same comparison) | `state_not_targeted` |
| `followers >= min_followers` | `below_min_followers` |
| `gmv_30d_sen >= min_gmv_30d_myr × 100` | `below_min_gmv_30d` |
| `avg_views_30d >= min_avg_views_30d` | `below_min_avg_views_30d` |

A missing number counts as 0; a missing category or state fails a non-empty list.
The first failing check (in the order above) is the reason recorded.

Score (integer points, 0 to 1000), the sum of three parts:

- **GMV** (0–500): 1 point per full RM 200 of 30-day GMV, `min(500, gmv_30d_sen // 20_000)`;
  it tops out at RM 100,000 so one mega-seller does not drown everyone else.
- **Engagement** (0–300): average views per follower, 1 point per full 0.1 percentage point,
  `min(300, (avg_views_30d × 10_000 // followers) // 10)`; 0 without followers. Small
  creators whose videos travel far beyond their audience earn this.
- **Follower band** (0–200): reach, in steps: under 1,000 → 0; 1,000–9,999 → 50;
  10,000–99,999 → 100; 100,000–999,999 → 150; 1,000,000 and more → 200.

Ranking: score desc, then 30-day GMV desc, then average views desc, then followers desc,
then `creator_id` asc, so ties always break the same way. The top `shortlist_size` are
shortlisted.

History (SPEC section 13): each candidate's state in the creator ecosystem as of the latest
settled campaign (`new`, `returning`, `reactivated`, `churned`, `dormant`, or
`never_enrolled`) and its past eligible GMV (all campaigns) are shown on the shortlist and
invite lists. With `recruitment.prefer_returning: true`, among candidates of **equal
score**, those who sold in an earlier campaign (a payout result row in at least one, so
that if they enrol they are returning or reactivated sellers) rank before those who never
did; the other tie-breaks follow as above. The score itself never changes.

Account managers are dealt the shortlist in a snake draft: ranks 1..n go to AM 1..n, ranks
n+1..2n go back from AM n to AM 1, and so on. Every AM gets the same number of creators
(give or take one) and a like mix of strong and weaker ones.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from creator_ops.core.money import format_myr, to_sen
from creator_ops.core.safe_csv import csv_bytes, write_atomically
from creator_ops.core.spec import Recruitment

GMV_SEN_PER_POINT = 20_000
GMV_POINTS_CAP = 500
ENGAGEMENT_POINTS_CAP = 300
# (lowest follower count of the band, points); checked from the top band down
FOLLOWER_BANDS: tuple[tuple[int, int], ...] = (
    (1_000_000, 200),
    (100_000, 150),
    (10_000, 100),
    (1_000, 50),
    (0, 0),
)

INVITE_COLUMNS = (
    "rank",
    "creator_id",
    "handle",
    "category",
    "state",
    "followers",
    "gmv_30d_myr",
    "avg_views_30d",
    "score",
    "ecosystem_state",
    "past_eligible_gmv_myr",
)
# the shortlist adds how the score was made and who owns the creator
SHORTLIST_COLUMNS = (*INVITE_COLUMNS, "gmv_points", "engagement_points", "follower_points", "account_manager")
SCREENED_OUT_COLUMNS = ("creator_id", "handle", "category", "state", "reason")


@dataclass(frozen=True)
class Candidate:
    """A creator who could be recruited, in canonical columns (money in sen)."""

    creator_id: str
    handle: str | None = None
    followers: int | None = 0
    category: str | None = None
    state: str | None = None
    gmv_30d_sen: int | None = 0
    avg_views_30d: int | None = 0


@dataclass(frozen=True)
class ScoreCard:
    """A candidate's score and the parts it is made of."""

    gmv_points: int
    engagement_points: int
    follower_points: int

    @property
    def total(self) -> int:
        return self.gmv_points + self.engagement_points + self.follower_points


NEVER_ENROLLED = "never_enrolled"


@dataclass(frozen=True)
class CreatorHistory:
    """A candidate's past in the programme (SPEC section 13's scorecard): state and eligible GMV."""

    state: str = NEVER_ENROLLED
    past_eligible_gmv_sen: int = 0
    campaigns_selling: int = 0

    @property
    def past_seller(self) -> bool:
        return self.campaigns_selling > 0


NO_HISTORY = CreatorHistory()


@dataclass(frozen=True)
class ShortlistEntry:
    """One shortlisted creator: rank (1 = best), score and the account manager inviting them."""

    rank: int
    candidate: Candidate
    score: ScoreCard
    account_manager: str | None
    history: CreatorHistory = NO_HISTORY


@dataclass
class RecruitmentResult:
    """The outcome of screening and scoring one pool of candidates."""

    shortlist: list[ShortlistEntry]
    scores: dict[str, ScoreCard]  # every candidate that passed screening
    screened_out: list[tuple[Candidate, str]]
    candidates: int
    account_managers: list[str] = field(default_factory=list)

    @property
    def reasons(self) -> Counter[str]:
        return Counter(reason for _, reason in self.screened_out)

    def by_account_manager(self) -> dict[str, list[ShortlistEntry]]:
        """Return each account manager's invite list, in rank order (every AM present, maybe empty)."""
        lists: dict[str, list[ShortlistEntry]] = {am: [] for am in self.account_managers}
        for entry in self.shortlist:
            if entry.account_manager is not None:
                lists[entry.account_manager].append(entry)
        return lists


# --------------------------------------------------------------------------- screening


@lru_cache(maxsize=4096)  # categories and states repeat across thousands of candidates
def slug(text: str | None) -> str:
    """Return a comparable slug: lower case, runs of anything but letters and digits as one `_`."""
    if text is None:
        return ""
    return re.sub(r"[\W_]+", "_", text.strip().casefold()).strip("_")


def make_screen(criteria: Recruitment) -> Callable[[Candidate], str | None]:
    """Compile the spec's criteria once into a function returning why a candidate fails, or None."""
    categories = frozenset(slug(c) for c in criteria.categories)
    states = frozenset(slug(s) for s in criteria.states)
    min_followers = criteria.min_followers
    min_gmv_sen = to_sen(criteria.min_gmv_30d_myr)
    min_views = criteria.min_avg_views_30d

    def failing_check(candidate: Candidate) -> str | None:
        if categories and slug(candidate.category) not in categories:
            return "category_not_targeted"
        if states and slug(candidate.state) not in states:
            return "state_not_targeted"
        if (candidate.followers or 0) < min_followers:
            return "below_min_followers"
        if (candidate.gmv_30d_sen or 0) < min_gmv_sen:
            return "below_min_gmv_30d"
        if (candidate.avg_views_30d or 0) < min_views:
            return "below_min_avg_views_30d"
        return None

    return failing_check


def screen(candidate: Candidate, criteria: Recruitment) -> str | None:
    """Return why `candidate` fails the spec's criteria, or None when it passes."""
    return make_screen(criteria)(candidate)


# --------------------------------------------------------------------------- scoring


def follower_points(followers: int) -> int:
    """Return the follower-band points for a follower count."""
    for lowest, points in FOLLOWER_BANDS:
        if followers >= lowest:
            return points
    return 0


def score(candidate: Candidate) -> ScoreCard:
    """Score one candidate (see the module docstring for the formula)."""
    followers = max(candidate.followers or 0, 0)
    gmv_sen = max(candidate.gmv_30d_sen or 0, 0)
    views = max(candidate.avg_views_30d or 0, 0)
    gmv = min(GMV_POINTS_CAP, gmv_sen // GMV_SEN_PER_POINT)
    engagement = min(ENGAGEMENT_POINTS_CAP, (views * 10_000 // followers) // 10) if followers else 0
    return ScoreCard(gmv, engagement, follower_points(followers))


def ranking_key(candidate: Candidate, card: ScoreCard) -> tuple:
    """Return the sort key: best first, ties broken by GMV, views, followers, then creator_id."""
    return (
        -card.total,
        -(candidate.gmv_30d_sen or 0),
        -(candidate.avg_views_30d or 0),
        -(candidate.followers or 0),
        candidate.creator_id,
    )


def returning_first_key(candidate: Candidate, card: ScoreCard, history: CreatorHistory) -> tuple:
    """Return the sort key of `prefer_returning`: score desc, then past sellers first, then `ranking_key`'s ties."""
    base = ranking_key(candidate, card)
    return (base[0], 0 if history.past_seller else 1, *base[1:])


def assign_account_managers(count: int, account_managers: Sequence[str]) -> list[str | None]:
    """Deal `count` ranked creators to the account managers in a snake draft."""
    managers = list(dict.fromkeys(account_managers))  # a name listed twice still gets one share
    if not managers:
        return [None] * count
    n = len(managers)
    assigned: list[str | None] = []
    for index in range(count):
        round_no, position = divmod(index, n)
        assigned.append(managers[position] if round_no % 2 == 0 else managers[n - 1 - position])
    return assigned


def recruit(
    candidates: Iterable[Candidate], criteria: Recruitment, history: Mapping[str, CreatorHistory] | None = None
) -> RecruitmentResult:
    """Screen, score, rank and shortlist candidates; a creator listed twice counts once (last wins).

    `history` ({creator_id: CreatorHistory}, from the ecosystem) is shown beside each
    shortlisted creator and, with `criteria.prefer_returning`, breaks ties of equal score.
    """
    history = history or {}
    unique: dict[str, Candidate] = {}
    for candidate in candidates:
        unique[candidate.creator_id] = candidate
    passed: list[tuple[Candidate, ScoreCard]] = []
    screened_out: list[tuple[Candidate, str]] = []
    failing_check = make_screen(criteria)
    for candidate in unique.values():
        reason = failing_check(candidate)
        if reason is None:
            passed.append((candidate, score(candidate)))
        else:
            screened_out.append((candidate, reason))
    if criteria.prefer_returning:
        passed.sort(key=lambda pair: returning_first_key(*pair, history.get(pair[0].creator_id, NO_HISTORY)))
    else:
        passed.sort(key=lambda pair: ranking_key(*pair))
    screened_out.sort(key=lambda pair: pair[0].creator_id)
    top = passed[: criteria.shortlist_size]
    managers = list(dict.fromkeys(criteria.account_managers))
    assigned = assign_account_managers(len(top), managers)
    shortlist = [
        ShortlistEntry(rank, candidate, card, am, history.get(candidate.creator_id, NO_HISTORY))
        for rank, ((candidate, card), am) in enumerate(zip(top, assigned, strict=True), start=1)
    ]
    return RecruitmentResult(
        shortlist=shortlist,
        scores={c.creator_id: card for c, card in passed},
        screened_out=screened_out,
        candidates=len(unique),
        account_managers=managers,
    )


# --------------------------------------------------------------------------- files


def _shortlist_row(entry: ShortlistEntry) -> dict[str, object]:
    c = entry.candidate
    return {
        "rank": entry.rank,
        "creator_id": c.creator_id,
        "handle": c.handle or "",
        "category": c.category or "",
        "state": c.state or "",
        "followers": c.followers or 0,
        "gmv_30d_myr": format_myr(c.gmv_30d_sen or 0),
        "avg_views_30d": c.avg_views_30d or 0,
        "score": entry.score.total,
        "gmv_points": entry.score.gmv_points,
        "engagement_points": entry.score.engagement_points,
        "follower_points": entry.score.follower_points,
        "account_manager": entry.account_manager or "",
        "ecosystem_state": entry.history.state,
        "past_eligible_gmv_myr": format_myr(entry.history.past_eligible_gmv_sen),
    }


def file_safe(name: str) -> str:
    """Return `name` usable in a file name (letters, digits, `_`, `-`, `.`)."""
    return re.sub(r"[^\w.-]+", "_", name.strip(), flags=re.ASCII).strip("_.") or "unnamed"


def write_recruitment_files(result: RecruitmentResult, folder: Path) -> list[Path]:
    """Write `shortlist.csv`, one `invites_<am>.csv` per account manager and `screened_out.csv`.

    Invite files of account managers no longer in the spec are removed, so the folder always
    matches the result it was written from.
    """
    written: list[Path] = []
    shortlist_rows = [_shortlist_row(e) for e in result.shortlist]
    path = folder / "shortlist.csv"
    write_atomically(path, csv_bytes(SHORTLIST_COLUMNS, shortlist_rows))
    written.append(path)
    for am, entries in result.by_account_manager().items():
        path = folder / f"invites_{file_safe(am)}.csv"
        write_atomically(path, csv_bytes(INVITE_COLUMNS, (_shortlist_row(e) for e in entries)))
        written.append(path)
    screened = (
        {
            "creator_id": c.creator_id,
            "handle": c.handle or "",
            "category": c.category or "",
            "state": c.state or "",
            "reason": reason,
        }
        for c, reason in result.screened_out
    )
    path = folder / "screened_out.csv"
    write_atomically(path, csv_bytes(SCREENED_OUT_COLUMNS, screened))
    written.append(path)
    keep = {p.name for p in written}
    for stale in folder.glob("invites_*.csv"):
        if stale.name not in keep:
            stale.unlink()
    return written
