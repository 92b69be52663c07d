"""The campaign funnel (SPEC 9-10): one definition, counted over the DuckDB relations the review registers.

Both consumers count it here: the review (`core.review.figures`, at the end of the campaign,
in its payout session) and the run's snapshot (`figures.funnel`, as of the end of a run's
interval, in a session fed with the warehouse's current rows). The relations are those of
`core.review.figures.register_review_tables` plus the payout engine's `enrolled`:

- `enrolled` (creator_id, registered_at): rule 2's enrolled creators;
- `invitations` (creator_id): the invited creators, landed files and recruitment's lists;
- `shipped` (creator_id, posted): the current samples (the row landed last per sample_id) that
  are shipped, with whether they are posted, as `core.samples` says (its one vocabulary);
- `content` (creator_id, posted_at): the videos and LIVE sessions.

As of a moment, enrolled counts creators registered by it (inclusive, as `figures.campaign`)
and posting counts content posted in [recruitment opens, min(event end, the moment));
without a moment (the review) every enrolled creator and content up to the event's end.
Sampled, posting and the other enrolled-with steps count enrolled creators only. The steps
before enrollment (`outreach_counts`, the snapshot's) count `pulled` (creator_id, shortlisted:
the marketplace pulls) and `invitation_sources` (creator_id, source: `file` or `recruitment`).

This lives in core, not in the figures layer: core/review computes the review and may not
import the figures layer (which reads the warehouse; tests/unit/layers), so the figures layer
calls this definition rather than the other way round.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable

    import duckdb

    from creator_ops.core.spec import CampaignSpec

FUNNEL = (
    # (key, label, what it counts): the funnel steps a campaign page shows (SPEC 9-10), in order
    ("pulled", "Candidates pulled", "creators from marketplace pulls"),
    ("shortlisted", "Shortlisted", "candidates on the shortlist and invite lists"),
    ("invited_recruitment", "Invited from the shortlist",
     "shortlisted candidates the recruitment stage's lists invited"),
    ("invited_landed", "Invited by account managers",
     "creators in the landed invitation files (account managers' own outreach, shortlisted or not)"),
    ("invited", "Invited, either way", "creators invited by either source, each counted once"),
    ("enrolled", "Enrolled", "registered by registration close"),
    ("sampled", "Sampled", "enrolled, with a sample shipped"),
    ("posting", "Posting", "enrolled, with a video or LIVE posted since recruitment opened"),
    ("selling", "Selling", "enrolled creators with at least one eligible sale"),
)  # fmt: skip


def funnel_counts(
    con: duckdb.DuckDBPyConnection, spec: CampaignSpec, selling_ids: Iterable[str], as_of: dt.datetime | None = None
) -> dict[str, int]:
    """Count the funnel over `con`'s relations as of `as_of` (None: the campaign's end).

    Returns invited, enrolled, enrolled_from_invite, sampled, sampled_posted, posting, selling
    and sampled_selling; `selling_ids` are the creators with an eligible sale by then (the
    payout engine's result rows, or the eligible lines ordered before `as_of`).
    """
    t = spec.timeline
    end = t.event_end if as_of is None else min(t.event_end, as_of)
    enrolled = "SELECT creator_id FROM enrolled" + ("" if as_of is None else " WHERE registered_at <= $as_of")
    params: dict[str, Any] = {} if as_of is None else {"as_of": as_of.astimezone(dt.UTC)}
    (row,) = con.execute(
        f"""
        WITH e AS ({enrolled}),
        invited AS (SELECT DISTINCT creator_id FROM invitations),
        sampled AS (SELECT DISTINCT creator_id FROM shipped WHERE creator_id IN (SELECT creator_id FROM e)),
        posted AS (SELECT DISTINCT creator_id FROM shipped WHERE posted),
        posting AS (
            SELECT DISTINCT creator_id FROM content WHERE posted_at >= $opens AND posted_at < $end
        )
        SELECT
            (SELECT count(*) FROM invited),
            (SELECT count(*) FROM e),
            (SELECT count(*) FROM e WHERE creator_id IN (SELECT creator_id FROM invited)),
            (SELECT count(*) FROM sampled),
            (SELECT count(*) FROM e WHERE creator_id IN (SELECT creator_id FROM posted)),
            (SELECT count(*) FROM e WHERE creator_id IN (SELECT creator_id FROM posting)),
            (SELECT list(creator_id) FROM sampled)
        """,
        {**params, "opens": t.recruitment_opens.astimezone(dt.UTC), "end": end.astimezone(dt.UTC)},
    ).fetchall()
    invited, enrolled_count, from_invite, sampled, sampled_posted, posting, sampled_ids = row
    selling = set(selling_ids)
    return {
        "invited": int(invited),
        "enrolled": int(enrolled_count),
        "enrolled_from_invite": int(from_invite),
        "sampled": int(sampled),
        "sampled_posted": int(sampled_posted),
        "posting": int(posting),
        "selling": len(selling),
        "sampled_selling": len(selling.intersection(sampled_ids or ())),
    }


def outreach_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Count the steps before enrollment: pulled, shortlisted, and the invited per source (SPEC 9)."""
    (row,) = con.execute(
        """
        SELECT
            (SELECT count(DISTINCT creator_id) FROM pulled),
            (SELECT count(DISTINCT creator_id) FROM pulled WHERE shortlisted),
            (SELECT count(DISTINCT creator_id) FROM invitation_sources WHERE source = 'recruitment'),
            (SELECT count(DISTINCT creator_id) FROM invitation_sources WHERE source = 'file')
        """
    ).fetchall()
    return dict(zip(("pulled", "shortlisted", "invited_recruitment", "invited_landed"), map(int, row), strict=True))
