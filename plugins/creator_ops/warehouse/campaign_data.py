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

from creator_ops.core.ingest.datasets import DatasetSpec
from creator_ops.core.samples import POSTED_STATUSES, SHIPPED_STATUSES, is_cancelled, normalize_status
from creator_ops.warehouse.files import current_file_ids
from creator_ops.warehouse.schema import content, invitations, products, recruitment_invitations, samples

if TYPE_CHECKING:
    import pyarrow as pa
    from sqlalchemy import Engine, Select

PRODUCT_COLUMNS = ("product_id", "name", "category", "price_sen", "sample_quota", "priority", "min_followers")
SAMPLE_COLUMNS = ("sample_id", "creator_id", "product_id", "requested_at", "status", "shipped_at")
CONTENT_COLUMNS = ("content_id", "creator_id", "content_type", "posted_at", "views", "gmv_sen")
INVITATION_COLUMNS = ("creator_id", "invited_at", "account_manager", "source")


def last_landed(table: Table, campaign_id: str, key: str, columns: tuple[str, ...]) -> Select:
    """Return the SELECT of one row per `key`: the one landed last among the current files.

    The one reading of "the row landed last" (`DatasetSpec.last_landed`: landing order, then
    row order); every reader of current rows per key (samples, products, content, the snapshot's
    funnel) goes through it.
    """
    order = tuple(table.c[c].desc() for c in DatasetSpec.last_landed)
    ranked = (
        select(
            *(table.c[c] for c in columns),
            func.row_number().over(partition_by=table.c[key], order_by=order).label("landing_rank"),
        )
        .where(table.c.campaign_id == campaign_id, table.c.file_id.in_(current_file_ids(campaign_id, table.name)))
        .subquery()
    )
    return select(*(ranked.c[c] for c in columns)).where(ranked.c.landing_rank == 1).order_by(ranked.c[key])


def _utc(value: Any) -> Any:
    if isinstance(value, dt.datetime):  # SQLite hands back naive datetimes; the warehouse stores UTC
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
    return value


def _arrow(rows: list[Any], schema: pa.Schema) -> pa.Table:
    import pyarrow as pa

    data = {name: [_utc(row._mapping[name]) for row in rows] for name in schema.names}
    return pa.table({name: pa.array(values, schema.field(name).type) for name, values in data.items()}, schema=schema)


def _schema(**types: str) -> pa.Schema:
    import pyarrow as pa

    kinds = {"str": pa.string(), "int": pa.int64(), "ts": pa.timestamp("us", "UTC"), "bool": pa.bool_()}
    return pa.schema([(name, kinds[kind]) for name, kind in types.items()])


def current_products(engine: Engine, campaign_id: str) -> pa.Table:
    """Return the campaign's product selection: one row per product_id, the latest landing's values."""
    query = last_landed(products, campaign_id, "product_id", PRODUCT_COLUMNS)
    schema = _schema(
        product_id="str", name="str", category="str", price_sen="int", sample_quota="int", priority="int",
        min_followers="int",
    )  # fmt: skip
    with engine.connect() as conn:
        return _arrow(conn.execute(query).all(), schema)


def current_samples(engine: Engine, campaign_id: str) -> pa.Table:
    """Return one row per sample_id with its last-landed status, and whether it is shipped, posted, cancelled."""
    import pyarrow as pa

    query = last_landed(samples, campaign_id, "sample_id", SAMPLE_COLUMNS)
    schema = _schema(
        sample_id="str", creator_id="str", product_id="str", requested_at="ts", status="str", shipped_at="ts"
    )
    with engine.connect() as conn:
        table = _arrow(conn.execute(query).all(), schema)
    statuses = [normalize_status(s) for s in table.column("status").to_pylist()]
    table = table.append_column("shipped", pa.array([s in SHIPPED_STATUSES for s in statuses], pa.bool_()))
    table = table.append_column("posted", pa.array([s in POSTED_STATUSES for s in statuses], pa.bool_()))
    return table.append_column("cancelled", pa.array([is_cancelled(s) for s in statuses], pa.bool_()))


def current_content(engine: Engine, campaign_id: str) -> pa.Table:
    """Return one row per content_id (video or LIVE session) with its latest views and GMV."""
    query = last_landed(content, campaign_id, "content_id", CONTENT_COLUMNS)
    schema = _schema(content_id="str", creator_id="str", content_type="str", posted_at="ts", views="int", gmv_sen="int")
    with engine.connect() as conn:
        return _arrow(conn.execute(query).all(), schema)


def current_invitations(engine: Engine, campaign_id: str) -> pa.Table:
    """Return one row per invited creator: the earliest invitation, landed or from recruitment's lists.

    `source` is `file` or `recruitment`; on a tie in time the landed file's row wins.
    """
    landed = select(
        invitations.c.creator_id,
        invitations.c.invited_at,
        invitations.c.account_manager,
        literal("file").label("source"),
        literal(0).label("source_order"),
        invitations.c.file_id.label("file_id"),
        invitations.c.row_number.label("row_number"),
    ).where(
        invitations.c.campaign_id == campaign_id,
        invitations.c.file_id.in_(current_file_ids(campaign_id, "invitations")),
    )
    recruited = select(
        recruitment_invitations.c.creator_id,
        recruitment_invitations.c.invited_at,
        recruitment_invitations.c.account_manager,
        literal("recruitment").label("source"),
        literal(1).label("source_order"),
        literal(0).label("file_id"),
        literal(0).label("row_number"),
    ).where(recruitment_invitations.c.campaign_id == campaign_id)
    both = union_all(landed, recruited).subquery()
    ranked = select(
        both.c.creator_id,
        both.c.invited_at,
        both.c.account_manager,
        both.c.source,
        func.row_number()
        .over(
            partition_by=both.c.creator_id,
            order_by=(both.c.invited_at, both.c.source_order, both.c.file_id, both.c.row_number),
        )
        .label("pick"),
    ).subquery()
    query = select(*(ranked.c[c] for c in INVITATION_COLUMNS)).where(ranked.c.pick == 1).order_by(ranked.c.creator_id)
    schema = _schema(creator_id="str", invited_at="ts", account_manager="str", source="str")
    with engine.connect() as conn:
        return _arrow(conn.execute(query).all(), schema)


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
    from creator_ops.warehouse.schema import creators

    query = (
        select(creators.c.creator_id, creators.c.shortlisted)
        .where(creators.c.campaign_id == campaign_id)
        .order_by(creators.c.creator_id)
    )
    with engine.connect() as conn:
        return _arrow(conn.execute(query).all(), _schema(creator_id="str", shortlisted="bool"))


def invitation_sources(engine: Engine, campaign_id: str) -> pa.Table:
    """Return every (creator, source) invited: `file` for landed invitation files, `recruitment` for its lists."""
    landed = select(invitations.c.creator_id, literal("file").label("source")).where(
        invitations.c.campaign_id == campaign_id,
        invitations.c.file_id.in_(current_file_ids(campaign_id, "invitations")),
    )
    recruited = select(recruitment_invitations.c.creator_id, literal("recruitment").label("source")).where(
        recruitment_invitations.c.campaign_id == campaign_id
    )
    with engine.connect() as conn:
        return _arrow(conn.execute(union_all(landed, recruited)).all(), _schema(creator_id="str", source="str"))
