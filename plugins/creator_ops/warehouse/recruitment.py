"""Recruitment's reads and writes of the warehouse: the campaign's candidates and their shortlist marks."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, select, update

from creator_ops.core.recruitment import Candidate
from creator_ops.warehouse.schema import creators

if TYPE_CHECKING:
    from sqlalchemy import Engine

CANDIDATE_COLUMNS = ("creator_id", "handle", "followers", "category", "state", "gmv_30d_sen", "avg_views_30d")


def candidates(engine: Engine, campaign_id: str) -> list[Candidate]:
    """Return the campaign's candidates (its creators pulls), in creator_id order."""
    query = (
        select(*(creators.c[name] for name in CANDIDATE_COLUMNS))
        .where(creators.c.campaign_id == campaign_id)
        .order_by(creators.c.creator_id)
    )
    with engine.connect() as conn:
        return [Candidate(**row._mapping) for row in conn.execute(query)]


def store_shortlist(
    engine: Engine, campaign_id: str, marks: Iterable[tuple[str, int | None, bool, str | None]]
) -> None:
    """Store (creator_id, score, shortlisted, account manager) of each candidate, in one transaction."""
    rows = [
        {"key_campaign": campaign_id, "key_creator": creator_id, "score": score, "shortlisted": shortlisted,
         "account_manager": account_manager}
        for creator_id, score, shortlisted, account_manager in marks
    ]  # fmt: skip
    statement = (
        update(creators)
        .where(creators.c.campaign_id == bindparam("key_campaign"))
        .where(creators.c.creator_id == bindparam("key_creator"))
        .values(
            score=bindparam("score"),
            shortlisted=bindparam("shortlisted"),
            account_manager=bindparam("account_manager"),
        )
    )
    with engine.begin() as conn:
        if rows:
            conn.execute(statement.execution_options(synchronize_session=False), rows)
