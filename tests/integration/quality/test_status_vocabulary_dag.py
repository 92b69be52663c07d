"""The order-status vocabulary (SPEC 3) in a real Airflow run: a mid-campaign export stays trusted.

The platform's own statuses (`AWAITING_SHIPMENT`, `In Transit`, `SHIPPED`) are open: the orders
suite passes, the payouts pay on the eligible lines only and the live figures count the others
as placed. A status outside the vocabulary fails the suite naming the status.
"""

from __future__ import annotations

import csv
import json

import pytest
from repo_paths import CAMPAIGNS, ROOT
from sqlalchemy import select

CAMPAIGN = "my_scd_raya_2027"

ORDERS = """Order ID,SKU ID,Creator Username,Time Created,Order Status,Payment Amount
9001,1,@Siti_Beauty,03/03/2027 10:00:00,COMPLETED,120.50
9002,1,siti_beauty,03/03/2027 11:00:00,AWAITING_SHIPMENT,300.00
9003,1,ahmad.gadget,03/03/2027 12:30:00,In Transit,50.00
9004,1,ahmad.gadget,03/03/2027 13:30:00,SHIPPED,40.00
9005,1,ahmad.gadget,03/03/2027 14:30:00,delivered,88.00
9006,1,ahmad.gadget,03/03/2027 15:30:00,Cancelled,77.00
"""
ENROLLMENTS = """creator_id,registered_at,is_new_creator
siti_beauty,2027-02-25 09:00,yes
ahmad.gadget,2027-02-26 21:15,no
"""


def _run(airflow_db, tmp_path, monkeypatch, orders: str):
    from airflow.dag_processing.dagbag import DagBag

    from creator_ops.core.calendar import CampaignCalendar, Phase
    from creator_ops.core.spec import load_spec
    from creator_ops.warehouse.db import make_engine

    warehouse = tmp_path / "warehouse.db"
    landing = tmp_path / "landing"
    monkeypatch.setenv("AIRFLOW_CONN_CREATOR_OPS_WAREHOUSE", json.dumps({"conn_type": "sqlite", "host": str(warehouse)}))
    monkeypatch.setenv("CREATOR_OPS_LANDING_ROOT", str(landing))
    monkeypatch.setenv("CREATOR_OPS_OUTPUT_ROOT", str(tmp_path / "output"))
    for dataset, text in (("orders", orders), ("enrollments", ENROLLMENTS)):
        folder = landing / CAMPAIGN / dataset
        folder.mkdir(parents=True)
        (folder / f"{dataset}.csv").write_text(text, encoding="utf-8")

    spec = load_spec(CAMPAIGNS / f"{CAMPAIGN}.yaml")
    calendar = CampaignCalendar(spec.timeline)
    settlement = next(r for r in calendar.runs if r.phase == Phase.SETTLEMENT)
    dag = DagBag(dag_folder=str(ROOT / "dags")).dags[spec.dag_id]
    dag.test(logical_date=calendar.runs[1].start)  # enrollments land in recruitment
    dag_run = dag.test(logical_date=settlement.start)
    states = {ti.task_id: ti.state for ti in dag_run.get_task_instances()}
    return spec, make_engine(f"sqlite:///{warehouse}"), states


@pytest.mark.integration
@pytest.mark.timeout(300)
def test_a_mid_campaign_export_stays_trusted_and_pays_on_eligible_lines(airflow_db, tmp_path, monkeypatch):
    from creator_ops.figures.campaign import campaign_figures, campaign_lines
    from creator_ops.warehouse.metrics import untrusted_datasets
    from creator_ops.warehouse.schema import order_lines

    spec, engine, states = _run(airflow_db, tmp_path, monkeypatch, ORDERS)
    assert states["orders.ingest_orders"] == "success"
    assert states["payouts.calculate"] == "success", states
    assert untrusted_datasets(engine, spec.id) == {}
    with engine.connect() as conn:
        stored = sorted(conn.execute(select(order_lines.c.order_id, order_lines.c.status)).all())
    assert stored == [("9001", "completed"), ("9002", "awaiting_shipment"), ("9003", "in_transit"),
                      ("9004", "shipped"), ("9005", "delivered"), ("9006", "cancelled")]

    [calculation] = list((tmp_path / "output").rglob("calculation_*.csv"))
    with calculation.open(encoding="utf-8-sig", newline="") as handle:
        paid = {row["creator_id"]: row["eligible_gmv_myr"] for row in csv.DictReader(handle)}
    assert paid == {"siti_beauty": "120.50", "ahmad.gadget": "88.00"}

    lines = campaign_lines(engine, spec)
    assert sorted(lines.placed_lines["order_id"].to_pylist()) == ["9001", "9002", "9003", "9004", "9005", "9006"]
    assert sorted(lines.live_lines["order_id"].to_pylist()) == ["9001", "9002", "9003", "9004", "9005"]
    figures = campaign_figures(engine, spec)
    assert (figures.eligible_gmv_sen, figures.live_gmv_sen) == (12_050 + 8_800, 12_050 + 30_000 + 5_000 + 4_000 + 8_800)


@pytest.mark.integration
@pytest.mark.timeout(300)
def test_an_unknown_status_fails_the_suite_naming_it(airflow_db, tmp_path, monkeypatch):
    from creator_ops.figures.campaign import campaign_lines
    from creator_ops.warehouse.metrics import untrusted_datasets
    from creator_ops.warehouse.schema import quality_results

    orders = ORDERS.replace("SHIPPED", "Lost Parcel")
    spec, engine, states = _run(airflow_db, tmp_path, monkeypatch, orders)
    assert states["orders.ingest_orders"] == "success"
    assert states["payouts.calculate"] == "failed"
    assert untrusted_datasets(engine, spec.id) == {"orders": ["status_known"]}
    with engine.connect() as conn:
        failed = json.loads(
            conn.execute(select(quality_results.c.failed_expectations_json).where(quality_results.c.dataset == "orders"))
            .scalar_one()
        )
    [known] = [f for f in failed if f["name"] == "status_known"]
    assert known["unexpected_values"] == ["lost_parcel"] and known["unexpected_count"] == 1
    # the line is kept in the store but counted in no figure
    assert "9004" not in lines_ids(campaign_lines(engine, spec).placed_lines)


def lines_ids(table) -> list[str]:
    return table["order_id"].to_pylist()
