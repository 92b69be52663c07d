"""The creator ecosystem across campaigns (SPEC section 13), rebuilt whenever a campaign's payouts change.

Scheduled on the asset every campaign DAG's payout tasks update (data-aware scheduling,
no clock): a new campaign's DAG joins without any change here.
"""

from __future__ import annotations

import datetime as dt

from airflow.sdk import DAG

from creator_ops.airflow.ecosystem import ECOSYSTEM_DAG_ID, PAYOUT_RESULTS, BuildEcosystemOperator

with DAG(
    dag_id=ECOSYSTEM_DAG_ID,
    dag_display_name="Creator ecosystem",
    description="Growth accounting, cohorts and the creator scorecard across every settled campaign",
    schedule=[PAYOUT_RESULTS],
    start_date=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    catchup=False,
    max_active_runs=1,
    tags=["ecosystem", "market:MY"],
    doc_md=(
        "# Creator ecosystem\n\n"
        "Rebuilt whenever a campaign's settlement or payout run records its payouts (the asset "
        "`creator_ops_payout_results`). Every campaign with a settlement or payout run goes through the payout "
        "engine; the figures (growth accounting of enrolled and selling creators, cohort retention, states, "
        "the creator scorecard) are written to `output/ecosystem/` and shown on the **Creator ecosystem** page "
        "next to Campaigns."
    ),
    default_args={
        "owner": "creator-ops",
        "retries": 2,
        "retry_delay": dt.timedelta(minutes=2),
        "retry_exponential_backoff": True,
    },
):
    BuildEcosystemOperator(
        task_id="build_ecosystem",
        doc_md="Builds ecosystem.json, creators.csv and ecosystem.html under output/ecosystem/ from the warehouse.",
    )
