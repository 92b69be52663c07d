"""A campaign's funnel as of a moment, for the run's snapshot: the review's definition over the warehouse's rows.

The warehouse reads the current rows (`warehouse.campaign_data`); they are registered in one
DuckDB session the way the review registers its inputs (`register_review_tables`: the current
samples, shipped and posted as `core.samples` says), with the campaign's enrolled creators
(`figures.campaign`'s lines), and counted by the one definition (`core.funnel`); a run's
snapshot counts them in the payout session that computed its lines (`count_funnel`). The review
counts the same relations in its payout session at the end of the campaign.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from creator_ops.core.funnel import funnel_counts, outreach_counts
from creator_ops.figures.campaign import before
from creator_ops.warehouse.campaign_data import (
    current_content,
    current_invitations,
    current_samples,
    invitation_sources,
    pulled_creators,
)

if TYPE_CHECKING:
    import datetime as dt

    import duckdb
    from sqlalchemy import Engine

    from creator_ops.core.spec import CampaignSpec
    from creator_ops.figures.campaign import CampaignLines


def campaign_funnel(engine: Engine, spec: CampaignSpec, lines: CampaignLines, as_of: dt.datetime) -> dict[str, int]:
    """Return every funnel step (`core.funnel.FUNNEL`'s keys and the review's) as of `as_of`, in its own session."""
    import duckdb

    con = duckdb.connect()
    try:
        con.execute("SET threads TO 1")
        con.register("enrolled", lines.enrolled)
        return count_funnel(con, engine, spec, lines, as_of)
    finally:
        con.close()


def count_funnel(
    con: duckdb.DuckDBPyConnection, engine: Engine, spec: CampaignSpec, lines: CampaignLines, as_of: dt.datetime
) -> dict[str, int]:
    """Count the funnel as of `as_of` in `con`, whose `enrolled` is rule 2's (the payout session's own, or registered).

    The snapshot calls it inside the session that computed its lines (`campaign_lines(within=...)`).
    """
    import pyarrow.compute as pc

    from creator_ops.core.review.figures import ReviewInputs, register_review_tables

    inputs = ReviewInputs(
        orders=None,
        enrollments=None,
        invitations=current_invitations(engine, spec.id),
        samples=current_samples(engine, spec.id),
        content=current_content(engine, spec.id),
    )
    eligible = before(lines.eligible_lines, "order_time", as_of)
    selling = pc.unique(eligible["creator_id"]).to_pylist() if eligible.num_rows else []
    register_review_tables(con, inputs)
    con.register("pulled", pulled_creators(engine, spec.id))
    con.register("invitation_sources", invitation_sources(engine, spec.id))
    return outreach_counts(con) | funnel_counts(con, spec, selling, as_of)
