"""Gating in a real Airflow run: a failed orders suite stops the payout steps, naming the expectation."""

from __future__ import annotations

import json
import shutil

import pytest
from repo_paths import CAMPAIGNS, ROOT
from sqlalchemy import func, select

CAMPAIGN = "my_scd_raya_2027"

ORDERS = """order_id,line_id,creator_id,order_time,status,gmv_myr
9001,1,@Siti_Beauty,2027-03-03 10:00:00,completed,120.50
9002,1,siti_beauty,2027-03-03 11:00:00,completed,"500,000.00"
9003,1,ahmad.gadget,2027-03-03 12:30:00,delivered,88.00
"""
ENROLLMENTS = """creator_id,registered_at,is_new_creator
siti_beauty,2027-02-25 09:00,yes
ahmad.gadget,2027-02-26 21:15,no
"""


@pytest.mark.integration
@pytest.mark.timeout(300)
def test_failed_orders_suite_blocks_payouts(airflow_db, tmp_path, monkeypatch):
    from airflow.dag_processing.dagbag import DagBag

    from creator_ops.core.calendar import CampaignCalendar, Phase
    from creator_ops.core.spec import load_spec
    from creator_ops.warehouse.db import make_engine
    from creator_ops.warehouse.schema import alert_outbox, payout_calculations, quality_results

    warehouse = tmp_path / "warehouse.db"
    landing = tmp_path / "landing"
    monkeypatch.setenv("AIRFLOW_CONN_CREATOR_OPS_WAREHOUSE", json.dumps({"conn_type": "sqlite", "host": str(warehouse)}))
    monkeypatch.setenv("CREATOR_OPS_LANDING_ROOT", str(landing))
    monkeypatch.setenv("CREATOR_OPS_OUTPUT_ROOT", str(tmp_path / "output"))
    for dataset, text in (("orders", ORDERS), ("enrollments", ENROLLMENTS)):
        folder = landing / CAMPAIGN / dataset
        folder.mkdir(parents=True)
        (folder / f"{dataset}.csv").write_text(text, encoding="utf-8")

    spec = load_spec(CAMPAIGNS / f"{CAMPAIGN}.yaml")
    settlement = next(r for r in CampaignCalendar(spec.timeline).runs if r.phase == Phase.SETTLEMENT)
    dag = DagBag(dag_folder=str(ROOT / "dags")).dags[spec.dag_id]
    # enrollments are ingested in recruitment runs; orders in the settlement run
    dag.test(logical_date=CampaignCalendar(spec.timeline).runs[1].start)
    dag_run = dag.test(logical_date=settlement.start)

    states = {ti.task_id: ti.state for ti in dag_run.get_task_instances()}
    assert states["orders.ingest_orders"] == "success"
    assert states["payouts.calculate"] == "failed"
    assert dag_run.state == "failed"

    engine = make_engine(f"sqlite:///{warehouse}")
    with engine.connect() as conn:
        verdict = conn.execute(
            select(quality_results.c.success, quality_results.c.failed_expectations_json).where(
                quality_results.c.dataset == "orders"
            )
        ).one()
        assert verdict.success is False or verdict.success == 0
        assert "gmv_plausible" in verdict.failed_expectations_json
        assert conn.execute(select(func.count()).select_from(payout_calculations)).scalar_one() == 0
        kinds = set(conn.execute(select(alert_outbox.c.kind)).scalars())
    assert any("quality" in kind for kind in kinds), kinds
    shutil.rmtree(landing, ignore_errors=True)
