"""The demo's runs leave each task's log where Airflow's UI reads it, and the API's log endpoint serves it."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import pytest
from repo_paths import CAMPAIGNS, ROOT

CAMPAIGN = "my_linkshare_feb_2027"
DEMO_RUN = """
import datetime as dt, sys
from airflow.dag_processing.dagbag import DagBag
from creator_ops.demo.run import runs_start_on_the_wall_clock, task_logs_where_airflow_reads_them
dag = DagBag(dag_folder=sys.argv[1]).dags[sys.argv[2]]
with runs_start_on_the_wall_clock(), task_logs_where_airflow_reads_them():
    run = dag.test(logical_date=dt.datetime.fromisoformat(sys.argv[3]))
print(run.run_id)
"""


@pytest.mark.integration
@pytest.mark.timeout(400)
def test_every_task_of_a_demo_run_has_its_log(airflow_db, tmp_path, monkeypatch):
    from airflow.api_fastapi.app import create_app, get_auth_manager, purge_cached_app
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser
    from fastapi.testclient import TestClient

    from creator_ops.core.calendar import CampaignCalendar
    from creator_ops.core.spec import load_spec
    from creator_ops.demo.run import task_log_path

    monkeypatch.setenv("CREATOR_OPS_OUTPUT_ROOT", str(tmp_path / "output"))
    monkeypatch.setenv("CREATOR_OPS_LANDING_ROOT", str(tmp_path / "landing"))
    monkeypatch.setenv("CREATOR_OPS_DEMO", "1")
    monkeypatch.setenv("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS", "False")
    spec = load_spec(CAMPAIGNS / f"{CAMPAIGN}.yaml")
    run = CampaignCalendar(spec.timeline).runs[0]
    # in a process of its own, as `make demo` runs: its stdout is the real file descriptor 1
    env = dict(os.environ, PYTHONPATH=str(ROOT / "plugins"))
    result = subprocess.run([sys.executable, "-c", DEMO_RUN, str(ROOT / "dags"), spec.dag_id, run.start.isoformat()],
                            env=env, capture_output=True, text=True, timeout=300)  # fmt: skip
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session

    with create_session() as session:
        dag_run = session.query(DagRun).filter(DagRun.dag_id == spec.dag_id, DagRun.run_id == result.stdout.split()[-1]).one()
        ran = [ti for ti in dag_run.get_task_instances(session=session) if ti.start_date is not None]
        session.expunge_all()
    assert len(ran) >= 10
    for ti in ran:
        path = task_log_path(ti)
        assert path.is_file() and path.stat().st_size > 0, ti.task_id
        assert f"run_id={dag_run.run_id}" in str(path) and f"task_id={ti.task_id}" in str(path)
    register = next(ti for ti in ran if ti.task_id == "register_run")
    logged = task_log_path(register).read_text(encoding="utf-8")
    assert "is in the recruitment phase" in logged
    # the run's interval in the campaign's time zone, with UTC beside it (issue 30)
    local = f"{run.start.astimezone(spec.tz):%a %d %b %Y %H:%M} → {run.end.astimezone(spec.tz):%a %d %b %Y %H:%M}"
    assert f"interval {local} ({spec.timezone}); UTC {run.start.astimezone(dt.UTC):%Y-%m-%d %H:%M}" in logged

    # the API (what the UI's log panel calls) serves the file
    purge_cached_app()
    app = create_app()
    token = get_auth_manager().generate_jwt(SimpleAuthManagerUser(username="ops", role="viewer"))
    with TestClient(app) as client:
        response = client.get(
            f"/api/v2/dags/{spec.dag_id}/dagRuns/{dag_run.run_id}/taskInstances/register_run/logs/{register.try_number}",
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
        )
    purge_cached_app()
    assert response.status_code == 200, response.text[:500]
    events = " ".join(str(line.get("event", "")) for line in response.json()["content"])
    assert "is in the recruitment phase" in events and "not found" not in events.lower()
