"""The distributed topology (CeleryExecutor, PostgreSQL, Redis) runs a campaign DAG end to end and survives a worker crash."""

from __future__ import annotations

import json
import signal
import time

import pytest
from cluster_helpers import load_run_distributed
from repo_paths import ROOT

DAG_ID = "campaign__my_1212_2026"
# Inside the 12.12 campaign's recruitment phase, and no runbook sign-off is due in that run.
LOGICAL_DATE = "2026-11-23T00:00:00+08:00"
# when a row was computed or first seen (snapshots, results, predictions, assignments), not what it says
WALL_CLOCK_COLUMNS = {
    "ingested_at", "validated_at", "calculated_at", "created_at", "sent_at", "decided_at",
    "computed_at", "made_at", "first_seen_at",
}

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.slow]


def _services_up() -> str | None:
    import socket

    for port, name in ((5432, "PostgreSQL"), (6379, "Redis")):
        with socket.socket() as sock:
            sock.settimeout(2)
            if sock.connect_ex(("127.0.0.1", port)) != 0:
                return f"{name} is not listening on 127.0.0.1:{port}"
    return None


@pytest.fixture(scope="module")
def cluster():
    problem = _services_up()
    if problem:
        pytest.skip(problem)
    module = load_run_distributed()
    # The 12.12 campaign's calendar spans real dates, so once unpaused the scheduler starts the
    # scheduled run of the interval that ends next (each midnight Kuala Lumpur in recruitment,
    # each hour during the event) whenever that falls inside the test: a second run writing its
    # own campaign_runs row beside the triggered one. Only the runs the tests trigger may run.
    no_schedule = {"AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False"}
    with module.DistributedAirflow(executor="CeleryExecutor", workers=1, extra_env=no_schedule) as running:
        running.wait_for_dag(DAG_ID)
        running.unpause(DAG_ID)
        yield running


def expected_states() -> dict[str, set[str]]:
    """Read the DAG's own tasks and say which final states each may end in during recruitment."""
    from airflow.dag_processing.dagbag import DagBag

    from creator_ops.airflow.operators import CampaignStepOperator, RunbookSignoffOperator
    from creator_ops.core.calendar import Phase

    dag = DagBag(dag_folder=str(ROOT / "dags" / "campaigns.py")).dags[DAG_ID]
    expected: dict[str, set[str]] = {}
    for task in dag.tasks:
        if isinstance(task, RunbookSignoffOperator):
            expected[task.task_id] = {"skipped"}  # none is due in this run
        elif isinstance(task, CampaignStepOperator) and Phase.RECRUITMENT not in task.phases:
            expected[task.task_id] = {"skipped"}
        else:
            # a step that applies may still skip with a reason (e.g. no file has landed)
            expected[task.task_id] = {"success", "skipped"}
    expected["register_run"] = {"success"}
    return expected


def _without_run_ids(value):
    if isinstance(value, dict):
        return {k: _without_run_ids(v) for k, v in value.items() if k != "run_id"}
    if isinstance(value, list):
        return [_without_run_ids(v) for v in value]
    return value


def _comparable(column: str, value) -> str:
    # JSON documents (e.g. a run's summary) name their run; everything else in them must match.
    if column.endswith("_json") and isinstance(value, str):
        try:
            return json.dumps(_without_run_ids(json.loads(value)), sort_keys=True)
        except ValueError:
            pass
    return repr(value)


def warehouse_snapshot(url: str) -> dict[str, list[tuple]]:
    """Every warehouse row, without run ids and wall-clock stamps, in a stable order."""
    from sqlalchemy import create_engine, select

    from creator_ops.warehouse.schema import metadata

    engine = create_engine(url)
    snapshot: dict[str, list[tuple]] = {}
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            keep = [
                c for c in table.columns
                if c.name != "run_id" and c.name not in WALL_CLOCK_COLUMNS
                and not (c.name == "updated_at" and table.name in ("campaigns", "campaign_runs"))
            ]
            names = [c.name for c in keep]
            snapshot[table.name] = sorted(
                tuple(_comparable(n, v) for n, v in zip(names, row, strict=True))
                for row in conn.execute(select(*keep))
            )
    engine.dispose()
    return snapshot


def _run_ids(cluster) -> set[str]:
    response = cluster.api("GET", f"/dags/{DAG_ID}/dagRuns", params={"limit": 100})
    response.raise_for_status()
    return {run["dag_run_id"] for run in response.json()["dag_runs"]}


def _states(cluster, run_id: str) -> dict[str, str]:
    return {ti["task_id"]: ti["state"] for ti in cluster.task_instances(DAG_ID, run_id)}


def test_a_campaign_run_completes_on_celery_workers(cluster):
    run_id = "dist_undisturbed"
    cluster.trigger(DAG_ID, LOGICAL_DATE, run_id)
    assert cluster.wait_for_run(DAG_ID, run_id, timeout=600) == "success", cluster.log_tail("worker-1")
    states = _states(cluster, run_id)
    expected = expected_states()
    assert set(states) == set(expected)
    for task_id, state in states.items():
        assert state in expected[task_id], f"{task_id} ended {state}, expected one of {expected[task_id]}"
    tis = cluster.task_instances(DAG_ID, run_id)
    assert {ti["hostname"] for ti in tis if ti["state"] == "success"} != {""}
    assert all(ti["executor"] in (None, "CeleryExecutor") for ti in tis)

    snapshot = warehouse_snapshot(cluster.warehouse_url)
    runs = snapshot["campaign_runs"]
    assert len(runs) == 1 and "'recruitment'" in runs[0] and "'my_1212_2026'" in runs[0]
    from sqlalchemy import create_engine, text

    engine = create_engine(cluster.warehouse_url)
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT run_id, phase FROM campaign_runs")).all()
    engine.dispose()
    assert stored == [(run_id, "recruitment")]
    assert _run_ids(cluster) == {run_id}  # no scheduled run beside it
    cluster.undisturbed_snapshot = snapshot


def _wait_for_running_task(cluster, run_id: str, timeout: float = 300) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for ti in cluster.task_instances(DAG_ID, run_id):
            if ti["state"] == "running":
                return ti["task_id"]
        time.sleep(0.2)
    raise TimeoutError("no task of the run started running")


def test_a_killed_worker_loses_and_doubles_nothing(cluster):
    baseline = getattr(cluster, "undisturbed_snapshot", None)
    if baseline is None:
        pytest.fail("needs the undisturbed run of test_a_campaign_run_completes_on_celery_workers (run the whole module)")
    # The same logical date again on a fresh warehouse: the result must be identical.
    cluster.api("DELETE", f"/dags/{DAG_ID}/dagRuns/dist_undisturbed").raise_for_status()
    cluster.reset_warehouse()
    run_id = "dist_worker_killed"
    cluster.trigger(DAG_ID, LOGICAL_DATE, run_id)
    victim = _wait_for_running_task(cluster, run_id)
    cluster.kill("worker-1", signal.SIGKILL)
    assert "worker-1" not in cluster.processes
    # Let the scheduler see the lost heartbeat before a replacement worker appears.
    time.sleep(5)
    assert cluster.run_state(DAG_ID, run_id) in ("running", "queued")
    cluster.start_worker()
    assert cluster.wait_for_run(DAG_ID, run_id, timeout=600) == "success", cluster.log_tail("worker-2")

    tis = {ti["task_id"]: ti for ti in cluster.task_instances(DAG_ID, run_id)}
    assert tis[victim]["try_number"] >= 2, f"{victim} was not retried: {tis[victim]}"
    expected = expected_states()
    for task_id, ti in tis.items():
        assert ti["state"] in expected[task_id], f"{task_id} ended {ti['state']}"
    assert _run_ids(cluster) == {run_id}  # the retry, not a second run, wrote the run record
    assert warehouse_snapshot(cluster.warehouse_url) == baseline
