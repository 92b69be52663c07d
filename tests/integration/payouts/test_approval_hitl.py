"""Payout approval through Airflow's real human-in-the-loop mechanism, answered over the REST API.

The campaign DAG runs its payout run under `dag.test()` (every task outside the payouts
stage is marked successful, so only calculate → approve → export run). A background
thread waits for `payouts.approve` to park in AWAITING_INPUT, reads the request the
approver would see, and answers with PATCH …/hitlDetails on the API app's test client.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from pathlib import Path

import pytest
from repo_paths import ROOT

pytestmark = [pytest.mark.integration, pytest.mark.timeout(420, method="thread")]

SPEC = """id: {id}
name: HITL {id}
type: scd
timeline: {{event_start: 2027-03-10}}
incentives:
  budget_myr: 20000
  tiers:
    - {{min_gmv_myr: 1000, bonus_myr: 50}}
  commission_bonus: {{rate: 0.045, cap_myr: 500}}
  new_creator_bonus_myr: 20
  leaderboard: {{prizes_myr: [5000, 3000]}}
{extra}"""
CAMPAIGNS = {
    "hitl_approve": "",
    "hitl_reject": "",
    "hitl_named": "owners: [aisyah.rahman]\npayout_approvers: [nurul.huda]\n",
}
PAYOUT_DATE = dt.datetime(2027, 3, 30, 16, tzinfo=dt.UTC)  # 2027-03-31 00:00 in Kuala Lumpur
T = dt.datetime(2027, 3, 10, 4, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def hitl_env(airflow_db, hitl_api, tmp_path_factory):
    """Three campaigns, a seeded warehouse, and the API app's test client."""
    folder = tmp_path_factory.mktemp("hitl")
    specs = folder / "specs"
    specs.mkdir()
    for campaign, extra in CAMPAIGNS.items():
        (specs / f"{campaign}.yaml").write_text(SPEC.format(id=campaign, extra=extra), encoding="utf-8")
    warehouse, output = folder / "warehouse.db", folder / "output"
    engine = _seed(warehouse)
    with hitl_api(specs, warehouse, output) as client:
        yield {"client": client, "engine": engine, "output": output}
    engine.dispose()


def _seed(path: Path):
    from creator_ops.warehouse.db import make_engine, upgrade
    from creator_ops.warehouse.schema import enrollments, ingested_files, order_lines, quality_results

    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.begin() as conn:
        for n, campaign in enumerate(CAMPAIGNS):
            for k, dataset in enumerate(("orders", "enrollments")):
                conn.execute(
                    ingested_files.insert().values(
                        file_id=10 * n + k + 1, campaign_id=campaign, dataset=dataset, source_uri=f"/landing/{dataset}",
                        sha256=f"{campaign}-{dataset}".ljust(64, "0"), size_bytes=1, status="accepted",
                        rows_in=2, rows_accepted=2, rows_quarantined=0, ingested_at=T,
                    )
                )
                conn.execute(
                    quality_results.insert().values(
                        campaign_id=campaign, dataset=dataset, file_id=10 * n + k + 1, run_id="ingest_run",
                        suite=dataset, success=True, evaluated=6, failed=0, validated_at=T,
                    )
                )
            conn.execute(
                order_lines.insert(),
                [
                    {"file_id": 10 * n + 1, "row_number": 1, "campaign_id": campaign, "order_id": "o1",
                     "line_id": "1", "creator_id": "alice", "order_time": T, "status": "completed", "gmv_sen": 101800},
                    {"file_id": 10 * n + 1, "row_number": 2, "campaign_id": campaign, "order_id": "o2",
                     "line_id": "1", "creator_id": "bob", "order_time": T, "status": "completed", "gmv_sen": 500000},
                ],
            )
            conn.execute(
                enrollments.insert(),
                [
                    {"file_id": 10 * n + 2, "row_number": 1, "campaign_id": campaign, "creator_id": "alice",
                     "registered_at": T - dt.timedelta(days=5), "is_new_creator": True},
                    {"file_id": 10 * n + 2, "row_number": 2, "campaign_id": campaign, "creator_id": "bob",
                     "registered_at": T - dt.timedelta(days=5), "is_new_creator": False},
                ],
            )
    return engine


def _answer(client, dag_id: str, option: str, note: str, seen: dict, callers: tuple[dict, ...] = ({},)) -> None:
    """Wait for the approval task to ask, read the request, answer it as each caller in turn (auth headers)."""
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session
    from airflow.utils.state import TaskInstanceState

    deadline = time.monotonic() + 300
    run_id = None
    while run_id is None and time.monotonic() < deadline:
        with create_session() as session:
            ti = (
                session.query(TaskInstance)
                .filter(
                    TaskInstance.dag_id == dag_id,
                    TaskInstance.task_id == "payouts.approve",
                    TaskInstance.state == TaskInstanceState.AWAITING_INPUT,
                )
                .first()
            )
            run_id = ti.run_id if ti else None
        if run_id is None:
            time.sleep(0.5)
    if run_id is None:
        seen["error"] = "the approval task never asked"
        return
    url = f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances/payouts.approve/-1/hitlDetails"
    request = client.get(url)
    seen["request"] = request.json() if request.status_code == 200 else request.text
    seen["statuses"] = []
    for headers in callers:
        response = client.patch(url, json={"chosen_options": [option], "params_input": {"note": note}}, headers=headers)
        seen["statuses"].append(response.status_code)
    seen["status"] = response.status_code
    seen["response"] = response.text


def _run_payout(hitl_env, campaign: str, option: str, note: str, callers=({},), client=None) -> tuple[dict, dict]:
    from airflow.dag_processing.dagbag import DagBag

    dag_id = f"campaign__{campaign}"
    dag = DagBag(dag_folder=str(ROOT / "dags")).get_dag(dag_id)
    assert dag is not None
    seen: dict = {}
    client = client or hitl_env["client"]
    answerer = threading.Thread(target=_answer, args=(client, dag_id, option, note, seen, callers), daemon=True)
    answerer.start()
    run = dag.test(logical_date=PAYOUT_DATE, mark_success_pattern=r"^(?!payouts\.)")
    answerer.join(timeout=30)
    states = {ti.task_id: str(ti.state) for ti in run.get_task_instances() if ti.task_id.startswith("payouts.")}
    return seen, states


def test_approve_releases_the_finance_export(hitl_env):
    from creator_ops.warehouse.payout_ledger import PayoutLedger

    seen, states = _run_payout(hitl_env, "hitl_approve", "Approve", "checked against the dashboard")
    assert seen.get("status") == 200, seen
    body = seen["request"]["body"]
    # alice 1018.00: tier 50 + 45.81 + new 20 + 2nd prize 3000; bob 5000.00: 50 + 225 + 1st prize 5000
    assert "RM 8,390.81" in body and "Top earners" in body and "| 1 | bob | RM 5,275.00 |" in body
    assert "Quality warnings" in body and "none" in body
    assert states == {
        "payouts.calculate": "success", "payouts.approve": "success", "payouts.export_for_finance": "success"
    }
    ledger = PayoutLedger(hitl_env["engine"], "hitl_approve")
    [calc] = ledger.calculations()
    assert calc["state"] == "exported" and calc["decision_note"] == "checked against the dashboard"
    files = sorted(p.name for p in (hitl_env["output"] / "hitl_approve" / "finance").iterdir())
    stem = f"hitl_approve_payouts_{calc['calculation_id'][:12]}"
    assert files == [f"{stem}.control.json", f"{stem}.csv"]
    control = json.loads((hitl_env["output"] / "hitl_approve" / "finance" / f"{stem}.control.json").read_text())
    assert (control["row_count"], control["control_total_myr"]) == (2, "8390.81")


def test_reject_stops_the_export_and_keeps_the_reason(hitl_env):
    from creator_ops.warehouse.payout_ledger import PayoutLedger

    seen, states = _run_payout(hitl_env, "hitl_reject", "Reject", "bob's GMV is under review")
    assert seen.get("status") == 200, seen
    assert states["payouts.approve"] == "success"
    assert states["payouts.export_for_finance"] == "skipped"
    [calc] = PayoutLedger(hitl_env["engine"], "hitl_reject").calculations()
    assert (calc["state"], calc["decision_note"]) == ("rejected", "bob's GMV is under review")
    assert not (hitl_env["output"] / "hitl_reject" / "finance").exists()


def test_only_the_specs_payout_approver_may_decide(hitl_env, monkeypatch):
    """With named users (not all-admins), an owner who is no approver gets 403; the approver decides."""
    from airflow.api_fastapi.app import create_app, get_auth_manager, purge_cached_app
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser
    from fastapi.testclient import TestClient

    from creator_ops.warehouse.payout_ledger import PayoutLedger

    monkeypatch.setenv("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS", "False")
    purge_cached_app()
    try:
        with TestClient(create_app(apps="core")) as client:
            def bearer(user: str) -> dict:
                token = get_auth_manager().generate_jwt(SimpleAuthManagerUser(username=user, role="op"))
                return {"Authorization": f"Bearer {token}"}

            callers = (bearer("aisyah.rahman"), bearer("nurul.huda"))
            seen, states = _run_payout(hitl_env, "hitl_named", "Approve", "finance checked", callers, client)
    finally:
        purge_cached_app()
    assert seen.get("statuses") == [403, 200], seen
    assert states["payouts.export_for_finance"] == "success"
    [calc] = PayoutLedger(hitl_env["engine"], "hitl_named").calculations()
    assert calc["state"] == "exported"
