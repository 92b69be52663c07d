"""BD's matchmaking sign-off through Airflow's real human-in-the-loop mechanism, answered over the REST API.

The campaign DAG runs the sign-off's due run under `dag.test()` (every task but the
matchmaking stage and the BD sign-off is marked successful). A background thread waits
for `runbook.bd_matchmaking_signoff` to park in AWAITING_INPUT, reads the request BD would
see (the list's summary and top pairs) and answers with PATCH …/hitlDetails. Approve
freezes the list with who and when, and the next day's run changes nothing; Reject keeps
the reason and the next day's run computes a new list and asks again.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from pathlib import Path

import pytest
from repo_paths import ROOT

pytestmark = [pytest.mark.integration, pytest.mark.timeout(420, method="thread")]

SPEC = """id: {id}
name: Matchmaking {id}
type: scd
timeline: {{event_start: 2027-03-10}}
recruitment: {{account_managers: [aisyah, wei_jie]}}
runbook:
  - {{id: bd_matchmaking_signoff, title: BD confirms the product matchmaking list, due: event_start - 5d}}
"""
DUE_RUN = dt.datetime(2027, 3, 4, 16, tzinfo=dt.UTC)  # 5 Mar 00:00 in Kuala Lumpur (recruitment phase)
NEXT_RUN = DUE_RUN + dt.timedelta(days=1)
TASK = "runbook.bd_matchmaking_signoff"
ONLY = r"^(?!matchmaking\.|runbook\.bd_matchmaking_signoff)"
CAMPAIGNS = ("mm_approve", "mm_reject")


@pytest.fixture(scope="module")
def hitl_env(airflow_db, hitl_api, tmp_path_factory):
    folder = tmp_path_factory.mktemp("mm_hitl")
    specs = folder / "specs"
    specs.mkdir()
    for campaign in CAMPAIGNS:
        (specs / f"{campaign}.yaml").write_text(SPEC.format(id=campaign), encoding="utf-8")
    warehouse, output = folder / "warehouse.db", folder / "output"
    engine = _seed(warehouse)
    with hitl_api(specs, warehouse, output) as client:
        yield {"client": client, "engine": engine, "output": output}
    engine.dispose()


def _seed(path: Path):
    from creator_ops.warehouse.db import make_engine, upgrade
    from creator_ops.warehouse.schema import creators, enrollments, ingested_files, products

    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    at = DUE_RUN - dt.timedelta(days=2)
    with engine.begin() as conn:
        for n, campaign in enumerate(CAMPAIGNS):
            for k, dataset in enumerate(("enrollments", "products")):
                conn.execute(ingested_files.insert().values(
                    file_id=10 * n + k + 1, campaign_id=campaign, dataset=dataset, source_uri=f"/l/{dataset}",
                    sha256=f"{campaign}{dataset}".ljust(64, "0"), size_bytes=1, status="accepted", rows_in=2,
                    rows_accepted=2, rows_quarantined=0, ingested_at=at,
                ))  # fmt: skip
            conn.execute(creators.insert(), [
                {"campaign_id": campaign, "creator_id": "aina", "category": "beauty", "followers": 50_000,
                 "gmv_30d_sen": 200_000, "account_manager": "aisyah", "shortlisted": True},
                {"campaign_id": campaign, "creator_id": "chong", "category": "fashion", "followers": 20_000,
                 "gmv_30d_sen": 90_000, "account_manager": "wei_jie", "shortlisted": True},
            ])  # fmt: skip
            conn.execute(enrollments.insert(), [
                {"file_id": 10 * n + 1, "row_number": i, "campaign_id": campaign, "creator_id": c,
                 "registered_at": at, "is_new_creator": False}
                for i, c in enumerate(("aina", "chong"), start=1)
            ])  # fmt: skip
            conn.execute(products.insert(), [
                {"file_id": 10 * n + 2, "row_number": 1, "campaign_id": campaign, "product_id": "serum",
                 "name": "Serum", "category": "beauty", "price_sen": 5990, "sample_quota": 1, "priority": 2,
                 "min_followers": 1000},
                {"file_id": 10 * n + 2, "row_number": 2, "campaign_id": campaign, "product_id": "tee",
                 "name": "Tee", "category": "fashion", "price_sen": 2500, "sample_quota": 3, "priority": 1,
                 "min_followers": 0},
            ])  # fmt: skip
    return engine


def _answer(client, dag_id: str, logical_date: dt.datetime, option: str, note: str, seen: dict) -> None:
    from airflow.models.dagrun import DagRun
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session
    from airflow.utils.state import TaskInstanceState

    deadline = time.monotonic() + 300
    run_id = None
    while run_id is None and time.monotonic() < deadline:
        with create_session() as session:
            ti = (
                session.query(TaskInstance)
                .join(DagRun, (DagRun.dag_id == TaskInstance.dag_id) & (DagRun.run_id == TaskInstance.run_id))
                .filter(
                    TaskInstance.dag_id == dag_id,
                    TaskInstance.task_id == TASK,
                    TaskInstance.state == TaskInstanceState.AWAITING_INPUT,
                    DagRun.logical_date == logical_date,
                )
                .first()
            )
            run_id = ti.run_id if ti else None
        if run_id is None:
            time.sleep(0.5)
    if run_id is None:
        seen["error"] = "the sign-off never asked"
        return
    url = f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{TASK}/-1/hitlDetails"
    request = client.get(url)
    seen["request"] = request.json() if request.status_code == 200 else request.text
    response = client.patch(url, json={"chosen_options": [option], "params_input": {"note": note}})
    seen["status"] = response.status_code
    seen["response"] = response.text


def _run(hitl_env, campaign: str, logical_date: dt.datetime, answer: tuple[str, str] | None) -> tuple[dict, dict]:
    from airflow.dag_processing.dagbag import DagBag

    dag_id = f"campaign__{campaign}"
    dag = DagBag(dag_folder=str(ROOT / "dags")).get_dag(dag_id)
    assert dag is not None
    seen: dict = {}
    answerer = None
    if answer:
        answerer = threading.Thread(
            target=_answer, args=(hitl_env["client"], dag_id, logical_date, *answer, seen), daemon=True
        )
        answerer.start()
    run = dag.test(logical_date=logical_date, mark_success_pattern=ONLY)
    if answerer:
        answerer.join(timeout=30)
    states = {ti.task_id: str(ti.state) for ti in run.get_task_instances() if ti.task_id in (TASK, "matchmaking.match_products")}
    return seen, states


def test_approve_freezes_the_list_and_later_runs_leave_it(hitl_env):
    from creator_ops.warehouse import mechanisms as wh

    seen, states = _run(hitl_env, "mm_approve", DUE_RUN, ("Approve", "checked with the brands"))
    assert seen.get("status") == 200, seen
    body = seen["request"]["body"]
    # aina/serum 200000 × 1/2 × 2 = 200000 sen; chong/tee 90000 × 1/2 = 45000 sen
    # the ranking score is unitless (issue 30), the data's moment local, no server path
    assert "total ranking score **2,450** (unitless)" in body and "| 1 | aina | serum | 2,000 | aisyah |" in body
    assert "RM 2,450" not in body and "UTC" not in body and "/output/" not in body
    assert "products filled: **1** of 2" in body
    assert states == {"matchmaking.match_products": "success", TASK: "success"}
    [frozen] = wh.lists(hitl_env["engine"], "mm_approve")
    assert frozen.state == "frozen" and frozen.decided_by and frozen.decided_by != "unknown"
    assert frozen.decision_note == "checked with the brands" and frozen.decided_at is not None
    folder = hitl_env["output"] / "mm_approve" / "matchmaking"
    before = {p.name: p.read_bytes() for p in folder.iterdir()}

    _, later = _run(hitl_env, "mm_approve", NEXT_RUN, None)
    assert later == {"matchmaking.match_products": "skipped", TASK: "skipped"}
    assert [(r.list_id, r.state) for r in wh.lists(hitl_env["engine"], "mm_approve")] == [(frozen.list_id, "frozen")]
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


@pytest.mark.slow  # two more dag.test() runs (~25 s); the steps test covers the re-opening without Airflow
def test_reject_keeps_the_reason_and_reopens_matchmaking(hitl_env):
    from creator_ops.warehouse import mechanisms as wh

    seen, states = _run(hitl_env, "mm_reject", DUE_RUN, ("Reject", "tee is discontinued"))
    assert seen.get("status") == 200, seen
    [rejected] = wh.lists(hitl_env["engine"], "mm_reject")
    assert (rejected.state, rejected.decision_note) == ("rejected", "tee is discontinued")
    seen, states = _run(hitl_env, "mm_reject", NEXT_RUN, ("Approve", "fine now"))
    assert seen.get("status") == 200, seen
    assert states == {"matchmaking.match_products": "success", TASK: "success"}
    lists = wh.lists(hitl_env["engine"], "mm_reject")
    assert [r.state for r in lists] == ["rejected", "frozen"] and lists[1].decision_note == "fine now"
