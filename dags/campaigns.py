"""One DAG per campaign spec in the campaign folder (`CAMPAIGN_SPECS_DIR` or include/campaigns/)."""

from __future__ import annotations

from creator_ops.airflow.dag_builder import load_campaign_dags

globals().update(load_campaign_dags().dags)
