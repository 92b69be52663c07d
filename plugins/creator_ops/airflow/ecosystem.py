"""The ecosystem in Airflow: the asset the campaigns' payouts update, and the operator that builds it.

Every campaign DAG's `payouts.calculate` (settlement and payout runs) and
`payouts.export_for_finance` (payout run) name `PAYOUT_RESULTS` as an outlet, so each
success updates the asset; the ecosystem DAG (`dags/ecosystem.py`) is scheduled on it
(data-aware scheduling, no clock). The asset is one for all campaigns: a campaign added
tomorrow updates it with no change to the ecosystem DAG. The asset's data is the payout
results `payouts.calculate` stores (`warehouse.payout_results`); the operator reads them and
never runs the payout engine.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from airflow.sdk import Asset, BaseOperator
from airflow.sdk.exceptions import AirflowSkipException

from creator_ops.core.settings import WAREHOUSE_CONN_ID

ECOSYSTEM_DAG_ID = "creator_ecosystem"
PAYOUT_RESULTS = Asset(
    name="creator_ops_payout_results",
    uri="creator-ops://warehouse/payout-results",
    group="creator_ops",
    extra={"what": "a campaign's payout calculation (settlement, payout) or finance export was recorded"},
)


class BuildEcosystemOperator(BaseOperator):
    """Build the ecosystem (SPEC section 13) from the warehouse into `<output>/ecosystem/`."""

    template_fields: Sequence[str] = ()
    ui_color = "#e8eefa"

    def __init__(self, *, warehouse_conn_id: str = WAREHOUSE_CONN_ID, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.warehouse_conn_id = warehouse_conn_id

    def execute(self, context: Any) -> dict[str, Any]:
        from creator_ops.airflow.hooks import WarehouseHook
        from creator_ops.core.steps import StepSkipped
        from creator_ops.steps.ecosystem import build_ecosystem

        events = context.get("triggering_asset_events") or {}
        for asset, asset_events in dict(events).items():
            for event in asset_events:
                source = getattr(event, "source_dag_id", None)
                self.log.info("Triggered by %s: %s run %s", asset, source, getattr(event, "source_run_id", None))
        try:
            return build_ecosystem(WarehouseHook(self.warehouse_conn_id).engine, log=self.log,
                                   built_at=dt.datetime.now(dt.UTC))
        except StepSkipped as exc:
            raise AirflowSkipException(str(exc)) from None
