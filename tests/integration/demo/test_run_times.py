"""The demo's runs record the wall-clock times they really started and ended, and carry the timetable's run ids."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from repo_paths import CAMPAIGNS, ROOT

CAMPAIGN = "my_linkshare_feb_2027"  # its runs are dated after today: the bug gave negative durations


@pytest.mark.integration
@pytest.mark.timeout(300)
def test_demo_runs_start_and_end_on_the_wall_clock(airflow_db, tmp_path, monkeypatch):
    from airflow.dag_processing.dagbag import DagBag

    from creator_ops.core.calendar import CampaignCalendar
    from creator_ops.core.spec import load_spec
    from creator_ops.demo.run import runs_start_on_the_wall_clock

    monkeypatch.setenv("CREATOR_OPS_OUTPUT_ROOT", str(tmp_path / "output"))
    spec = load_spec(CAMPAIGNS / f"{CAMPAIGN}.yaml")
    runs = CampaignCalendar(spec.timeline).runs
    dag = DagBag(dag_folder=str(ROOT / "dags")).dags[spec.dag_id]

    # Every task marked success without running: what is measured is the run's own record.
    unfixed = dag.test(logical_date=runs[0].start, mark_success_pattern=".*")
    # Airflow 3.3 as released dates the run's start at its logical date (apache/airflow#66127).
    # When this fails, Airflow fixed it: drop runs_start_on_the_wall_clock().
    assert unfixed.start_date == runs[0].start.astimezone(dt.UTC)

    before = dt.datetime.now(dt.UTC)
    started = time.monotonic()
    with runs_start_on_the_wall_clock():
        run = dag.test(logical_date=runs[1].start, mark_success_pattern=".*")
    took = time.monotonic() - started
    after = dt.datetime.now(dt.UTC)

    assert run.state == "success"
    assert run.logical_date == runs[1].start.astimezone(dt.UTC)  # the logical date is unchanged
    assert before <= run.start_date <= run.end_date <= after
    duration = (run.end_date - run.start_date).total_seconds()
    assert 0 <= duration <= took
    first_task = min(ti.start_date for ti in run.get_task_instances() if ti.start_date)
    assert run.start_date <= first_task
    # named as the scheduler names the run of that interval: phase and campaign-local start
    local = runs[1].start.astimezone(spec.tz).isoformat(timespec="minutes")
    assert run.run_id == f"{runs[1].phase}__{local}"
    assert unfixed.run_id.startswith("manual__")
    assert run.triggering_user_name == "creator_ops demo"
