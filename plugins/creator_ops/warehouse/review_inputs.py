"""The campaign review's inputs read from the warehouse, and the campaign it is compared with.

Orders, enrollments and exclusions are exactly the payout engine's inputs
(`payout_inputs.load_warehouse_inputs`, with the section 9 columns of the lines); the
section 9 data sets are their current rows (`campaign_data`); survey responses and
answers are those of current files. The baseline is the previous campaign of the same
type in the warehouse: the latest `event_start` before this campaign's, among the
campaigns whose runs recorded their spec.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from creator_ops.core.ingest.datasets import SPECS
from creator_ops.core.review import ReviewInputs
from creator_ops.core.spec import CampaignSpec
from creator_ops.warehouse.campaign_data import current_content, current_invitations, current_products, current_samples
from creator_ops.warehouse.files import current_file_ids
from creator_ops.warehouse.payout_inputs import load_warehouse_inputs
from creator_ops.warehouse.rows import arrow_column, arrow_table, rows_table
from creator_ops.warehouse.schema import campaigns, creators, survey_answers, survey_responses

if TYPE_CHECKING:
    import pyarrow as pa
    from sqlalchemy import Engine


def load_surveys(engine: Engine, campaign_id: str) -> tuple[pa.Table, pa.Table]:
    """Return (responses, answers) of the campaign's current survey files, in ingestion order."""
    import pyarrow as pa

    current = current_file_ids(campaign_id, "surveys")
    r, a = survey_responses, survey_answers
    with engine.connect() as conn:
        responses = conn.execute(
            select(r.c.file_id, r.c.row_number, r.c.creator_id, r.c.submitted_at)
            .where(r.c.campaign_id == campaign_id, r.c.file_id.in_(current))
            .order_by(r.c.file_id, r.c.row_number)
        ).all()
        answers = conn.execute(
            select(a.c.file_id, a.c.row_number, a.c.question, a.c.answer, a.c.language)
            .where(a.c.file_id.in_(current))
            .order_by(a.c.file_id, a.c.row_number, a.c.question)
        ).all()
    submitted = SPECS["surveys"].field("submitted_at").arrow_type
    response_table = pa.table(
        {
            "response_id": pa.array([f"{x.file_id}:{x.row_number}" for x in responses], pa.string()),
            "creator_id": pa.array([x.creator_id for x in responses], pa.string()),
            "submitted_at": arrow_column([x.submitted_at for x in responses], submitted),
        }
    )
    answer_table = pa.table(
        {
            "response_id": pa.array([f"{x.file_id}:{x.row_number}" for x in answers], pa.string()),
            "question": pa.array([x.question for x in answers], pa.string()),
            "answer": pa.array([x.answer for x in answers], pa.string()),
            "language": pa.array([x.language for x in answers], pa.string()),
        }
    )
    return response_table, answer_table


def load_review_inputs(engine: Engine, campaign_id: str) -> ReviewInputs:
    """Read everything the review of `campaign_id` needs from the warehouse."""
    payout = load_warehouse_inputs(engine, campaign_id)
    responses, answers = load_surveys(engine, campaign_id)
    return ReviewInputs(
        orders=payout.orders,
        enrollments=payout.enrollments,
        exclusions=payout.exclusions,
        invitations=current_invitations(engine, campaign_id),
        samples=current_samples(engine, campaign_id),
        products=current_products(engine, campaign_id),
        content=current_content(engine, campaign_id),
        survey_responses=responses,
        survey_answers=answers,
        creators=experiment_creators(engine, campaign_id),
        traffic=traffic_rows(engine, campaign_id),
        matchmaking=matchmaking_pairs(engine, campaign_id, ghosts=False),
        matchmaking_ghosts=matchmaking_pairs(engine, campaign_id, ghosts=True),
    )


def experiment_creators(engine: Engine, campaign_id: str) -> pa.Table:
    """Return the campaign's creators pull (creator_id, gmv_30d_sen) in landing order, as `row_number`.

    The creators table keeps one row per creator (a later landing replaces it, `load="replace"`)
    with the landing it came from (`file_id`, `row_number`); handing the rows over in that order
    lets the review's one "row landed last" rule (`last_landed_sql`) pick the same row from the
    warehouse as from the command line's files. A row without a landing (written by hand) comes first.
    """
    import pyarrow as pa

    c = creators
    columns = ("creator_id", "gmv_30d_sen")
    with engine.connect() as conn:
        rows = conn.execute(
            select(*(c.c[name] for name in columns))
            .where(c.c.campaign_id == campaign_id)
            .order_by(c.c.file_id.asc().nulls_first(), c.c.row_number.asc().nulls_first(), c.c.creator_id)
        ).all()
    table = rows_table(rows, SPECS["creators"].arrow_schema(columns))
    return table.append_column("row_number", pa.array(range(1, len(rows) + 1), pa.int64()))


def traffic_rows(engine: Engine, campaign_id: str) -> pa.Table:
    """Return every traffic allocation row of the campaign, all hours (creator_id, spend_sen, expected_gmv_sen)."""
    from creator_ops.warehouse.experiments import allocation_rows

    rows = allocation_rows(engine, campaign_id)  # in the traffic data set's column order (the registry's)
    schema = SPECS["traffic"].arrow_schema()
    return arrow_table({name: [r[i] for r in rows] for i, name in enumerate(schema.names)}, schema)


def matchmaking_pairs(engine: Engine, campaign_id: str, *, ghosts: bool) -> pa.Table | None:
    """Return the pairs of the list BD signed off (else the latest list) or its ghost pairs; None without a list."""

    from creator_ops.warehouse.schema import matchmaking_lists as lists
    from creator_ops.warehouse.schema import matchmaking_pairs as pairs

    with engine.connect() as conn:  # the frozen list, else the latest (as `mechanisms.frozen_list`/`latest_list`)
        chosen = conn.execute(
            select(lists.c.list_id).where(lists.c.campaign_id == campaign_id)
            .order_by((lists.c.state == "frozen").desc(), lists.c.list_id.desc()).limit(1)
        ).scalar()
        if chosen is None:
            return None
        rows = conn.execute(
            select(pairs.c.creator_id, pairs.c.product_id).where(pairs.c.list_id == chosen, pairs.c.ghost.is_(ghosts))
        ).all()
    schema = SPECS["matchmaking"].arrow_schema(("creator_id", "product_id"))
    return arrow_table({name: [r[i] for r in rows] for i, name in enumerate(schema.names)}, schema)


def recorded_specs(engine: Engine) -> list[CampaignSpec]:
    """Return the specs the campaigns' runs recorded, by campaign id (specs of an older model left out)."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(campaigns.c.campaign_id, campaigns.c.spec_json).order_by(campaigns.c.campaign_id)
        ).all()
    specs = []
    for row in rows:
        try:
            specs.append(CampaignSpec.model_validate_json(row.spec_json))
        except ValueError:  # a spec recorded by an older version of the model: not comparable
            continue
    return specs


def previous_campaign(engine: Engine, spec: CampaignSpec) -> CampaignSpec | None:
    """Return the spec of the latest campaign of the same type that started before `spec`, or None."""
    earlier = [
        other
        for other in recorded_specs(engine)
        if other.type == spec.type and other.id != spec.id and other.timeline.event_start < spec.timeline.event_start
    ]
    return max(earlier, key=lambda s: (s.timeline.event_start, s.id), default=None)
