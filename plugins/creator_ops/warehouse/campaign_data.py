"""The current rows of SPEC section 9's data sets, as the review, matchmaking and traffic read them.

"Current" has one meaning everywhere: rows of current files only (view `current_files`: a
file re-landed under the same path supersedes the earlier one), and where a key repeats
across landings the row landed last wins (`file_id`, then `row_number`): a sample's latest
status, a product's latest price and quota, a video's latest views. Invitations are the
union of landed invitation files and the recruitment stage's own invite lists, one row per
creator with the earliest invitation. Each reader returns an Arrow table (timestamps UTC),
which DuckDB, pandas (`.to_pandas()`) and plain Python (`.to_pylist()`) all take.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy import Table, func, literal, select, union_all

from creator_ops.core.ingest.datasets import SPECS, DatasetSpec
from creator_ops.core.samples import POSTED_STATUSES, SHIPPED_STATUSES, is_cancelled, normalize_status
from creator_ops.warehouse.files import current_file_ids
from creator_ops.warehouse.rows import rows_table
from creator_ops.warehouse.schema import content, invitations, products, recruitment_invitations, samples

if TYPE_CHECKING:
    import pyarrow as pa
    from sqlalchemy import Engine, Select

# Each reader returns the data set's stored fields (the registry's columns and types); invitations
# are the fields the recruitment stage's own lists share, then where the invitation came from.
PRODUCT_COLUMNS = SPECS["products"].stored_fields
SAMPLE_COLUMNS = SPECS["samples"].stored_fields
CONTENT_COLUMNS = SPECS["content"].stored_fields
INVITATION_FIELDS = tuple(c for c in SPECS["invitations"].stored_fields if c in recruitment_invitations.c)
INVITATION_COLUMNS = (*INVITATION_FIELDS, "source")


def landing_rank(table: Table, key: str) -> Any:
    """Return the window numbering each `key`'s rows from the one landed last (1), `DatasetSpec.last_landed`."""
    return func.row_number().over(
        partition_by=table.c[key], order_by=tuple(table.c[c].desc() for c in DatasetSpec.last_landed)
    )


def last_landed(table: Table, campaign_id: str, key: str, columns: tuple[str, ...]) -> Select:
    """Return the SELECT of one row per `key`: the one landed last among the current files.

    The one reading of "the row landed last" (`DatasetSpec.last_landed`: landing order, then
    row order); every reader of current rows per key (samples, products, content, the snapshot's
    funnel) goes through it.
    """
    ranked = (
        select(*(table.c[c] for c in columns), landing_rank(table, key).label("landing_rank"))
        .where(table.c.campaign_id == campaign_id, table.c.file_id.in_(current_file_ids(campaign_id, table.name)))
        .subquery()
    )
    return select(*(ranked.c[c] for c in columns)).where(ranked.c.landing_rank == 1).order_by(ranked.c[key])


def current_products(engine: Engine, campaign_id: str) -> pa.Table:
    """Return the campaign's product selection: one row per product_id, the latest landing's values."""
    query = last_landed(products, campaign_id, "product_id", PRODUCT_COLUMNS)
    with engine.connect() as conn:
        return rows_table(conn.execute(query).all(), SPECS["products"].arrow_schema())


def current_samples(engine: Engine, campaign_id: str) -> pa.Table:
    """Return one row per sample_id with its last-landed status, and whether it is shipped, posted, cancelled."""
    import pyarrow as pa

    query = last_landed(samples, campaign_id, "sample_id", SAMPLE_COLUMNS)
    with engine.connect() as conn:
        table = rows_table(conn.execute(query).all(), SPECS["samples"].arrow_schema())
    statuses = [normalize_status(s) for s in table.column("status").to_pylist()]
    table = table.append_column("shipped", pa.array([s in SHIPPED_STATUSES for s in statuses], pa.bool_()))
    table = table.append_column("posted", pa.array([s in POSTED_STATUSES for s in statuses], pa.bool_()))
    return table.append_column("cancelled", pa.array([is_cancelled(s) for s in statuses], pa.bool_()))


def current_content(engine: Engine, campaign_id: str) -> pa.Table:
    """Return one row per content_id (video or LIVE session) with its latest views and GMV."""
    query = last_landed(content, campaign_id, "content_id", CONTENT_COLUMNS)
    with engine.connect() as conn:
        return rows_table(conn.execute(query).all(), SPECS["content"].arrow_schema())


def current_invitations(engine: Engine, campaign_id: str) -> pa.Table:
    """Return one row per invited creator: the earliest invitation, landed or from recruitment's lists.

    `source` is `file` or `recruitment`; on a tie in time the landed file's row wins.
    """
    import pyarrow as pa

    landed = select(
        *(invitations.c[c] for c in INVITATION_FIELDS),
        literal("file").label("source"),
        literal(0).label("source_order"),
        invitations.c.file_id.label("file_id"),
        invitations.c.row_number.label("row_number"),
    ).where(
        invitations.c.campaign_id == campaign_id,
        invitations.c.file_id.in_(current_file_ids(campaign_id, "invitations")),
    )
    recruited = select(
        *(recruitment_invitations.c[c] for c in INVITATION_FIELDS),
        literal("recruitment").label("source"),
        literal(1).label("source_order"),
        literal(0).label("file_id"),
        literal(0).label("row_number"),
    ).where(recruitment_invitations.c.campaign_id == campaign_id)
    both = union_all(landed, recruited).subquery()
    ranked = select(
        *(both.c[c] for c in INVITATION_COLUMNS),
        func.row_number()
        .over(
            partition_by=both.c.creator_id,
            order_by=(both.c.invited_at, both.c.source_order, both.c.file_id, both.c.row_number),
        )
        .label("pick"),
    ).subquery()
    query = select(*(ranked.c[c] for c in INVITATION_COLUMNS)).where(ranked.c.pick == 1).order_by(ranked.c.creator_id)
    schema = SPECS["invitations"].arrow_schema(INVITATION_FIELDS).append(pa.field("source", pa.string()))
    with engine.connect() as conn:
        return rows_table(conn.execute(query).all(), schema)


def record_recruitment_invitations(
    engine: Engine, campaign_id: str, invited: list[tuple[str, str | None]], invited_at: dt.datetime, run_id: str
) -> int:
    """Record the creators of recruitment's invite lists (creator_id, account manager); the first invitation stays."""
    from creator_ops.warehouse.upsert import upsert

    rows = [
        {
            "campaign_id": campaign_id,
            "creator_id": creator_id,
            "invited_at": invited_at.astimezone(dt.UTC),
            "account_manager": account_manager,
            "run_id": run_id,
        }
        for creator_id, account_manager in invited
    ]
    with engine.begin() as conn:
        upsert(conn, recruitment_invitations, rows, ["campaign_id", "creator_id"], update=False)
    return len(rows)


def pulled_creators(engine: Engine, campaign_id: str) -> pa.Table:
    """Return the campaign's pulled candidates (one row per creator) and whether each is shortlisted."""
    import pyarrow as pa

    from creator_ops.warehouse.schema import creators

    query = (
        select(creators.c.creator_id, creators.c.shortlisted)
        .where(creators.c.campaign_id == campaign_id)
        .order_by(creators.c.creator_id)
    )
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    # shortlisted is recruitment's mark on the stored row (`DatasetSpec.insert_only`), not a field of the file
    return rows_table(rows, SPECS["creators"].arrow_schema(("creator_id",)).append(pa.field("shortlisted", pa.bool_())))


def invitation_sources(engine: Engine, campaign_id: str) -> pa.Table:
    """Return every (creator, source) invited: `file` for landed invitation files, `recruitment` for its lists."""
    import pyarrow as pa

    landed = select(invitations.c.creator_id, literal("file").label("source")).where(
        invitations.c.campaign_id == campaign_id,
        invitations.c.file_id.in_(current_file_ids(campaign_id, "invitations")),
    )
    recruited = select(recruitment_invitations.c.creator_id, literal("recruitment").label("source")).where(
        recruitment_invitations.c.campaign_id == campaign_id
    )
    with engine.connect() as conn:
        rows = conn.execute(union_all(landed, recruited)).all()
    return rows_table(rows, SPECS["invitations"].arrow_schema(("creator_id",)).append(pa.field("source", pa.string())))
