"""One DAG per campaign spec in the campaign folder (`CAMPAIGN_SPECS_DIR` or include/campaigns/).

The dag-processor builds every campaign's DAG; a task's process (Airflow's parsing context
names the DAG it runs) builds that campaign's only.
"""

from __future__ import annotations

from airflow.sdk import get_parsing_context

from creator_ops.airflow.dag_builder import load_campaign_dags

globals().update(load_campaign_dags(only_dag_id=get_parsing_context().dag_id).dags)
