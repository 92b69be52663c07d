"""Recruitment stage: pull candidates from the open API, ingest landed creator files, shortlist;
ingest landed invitation lists and the campaign's product selection.

The three candidate tasks run in the recruitment phase only and skip, saying why, in every other
run; invitations and products are ingested in the recruitment and pre-event phases. Pulling
from the API needs the Airflow connection `creator_marketplace_api`; without it that task
skips and candidates come from landed files alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from creator_ops.core.calendar import Phase

if TYPE_CHECKING:
    from creator_ops.airflow.stages import StageBuilder
    from creator_ops.core.steps import StepContext

RECRUITMENT_PHASES = [Phase.RECRUITMENT]


def pull_api_candidates(ctx: StepContext) -> dict[str, Any]:
    """Pull candidates through `OpenApiHook` and land them for ingestion (the step stays Airflow-free)."""
    from creator_ops.airflow.open_api_hook import OpenApiHook
    from creator_ops.core.steps import StepSkipped
    from creator_ops.steps.recruitment import land_api_candidates

    conn_id = OpenApiHook.default_conn_name
    if not OpenApiHook.connection_exists(conn_id):
        raise StepSkipped(
            f"no Airflow connection {conn_id!r}: candidates come from landed creators files only"
        )
    client = OpenApiHook(conn_id).get_conn()
    summary = land_api_candidates(ctx, client.search_creators)
    stats = client.stats
    summary.update(
        requests=stats.requests, retries=stats.retries, throttled_seconds=round(stats.throttled_wait, 3)
    )
    return summary


def build(stage: StageBuilder) -> None:
    """Add pull → ingest → shortlist, chained."""
    pull = stage.step(
        "pull_api_candidates",
        "creator_ops.airflow.stages.recruitment:pull_api_candidates",
        phases=RECRUITMENT_PHASES,
        doc_md="Searches the creator marketplace (open API, connection `creator_marketplace_api`) "
        "and lands the candidates as a creators CSV. Skips when the connection is not defined.",
    )
    ingest = stage.ingest("creators")
    shortlist = stage.step(
        "shortlist_creators",
        "creator_ops.steps.recruitment:shortlist_candidates",
        phases=RECRUITMENT_PHASES,
        doc_md="Screens and scores candidates against the spec's `recruitment` criteria, marks the "
        "shortlist in the warehouse, records the shortlisted creators as invitations and writes "
        "`shortlist.csv` and one `invites_<am>.csv` per account manager under "
        "`output/<campaign>/recruitment/<run date>/`.",
    )
    pull >> ingest >> shortlist
    stage.ingest_landed(skip=["creators"])  # invitations and products
