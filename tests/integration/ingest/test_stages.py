"""The ingestion stages in a campaign DAG: tasks, phases, and no heavy import at parse time."""

from __future__ import annotations

import subprocess
import sys

from repo_paths import ROOT


def test_ingestion_tasks_run_in_their_phases() -> None:
    from creator_ops.airflow.dag_builder import load_campaign_dags

    dag = load_campaign_dags().dags["campaign__my_1212_2026"]
    phases = {t.task_id: [str(p) for p in t.phases] for t in dag.tasks if "ingest_" in t.task_id}
    assert phases["enrollment.ingest_enrollments"] == ["recruitment", "pre_event", "live"]
    all_phases = ["recruitment", "pre_event", "live", "cooling", "settlement", "payout"]
    assert phases["surveys.ingest_surveys"] == all_phases
    assert phases["orders.ingest_orders"] == ["live", "cooling", "settlement"]
    assert phases["orders.ingest_exclusions"] == ["live", "cooling", "settlement"]
    task = dag.get_task("orders.ingest_orders")
    assert (task.step, task.step_kwargs) == ("creator_ops.steps.ingest:ingest", {"dataset": "orders"})


def test_building_the_stages_imports_no_pandas_or_pyarrow() -> None:
    code = (
        "import sys; sys.path.insert(0, 'plugins')\n"
        "from creator_ops.airflow.dag_builder import load_campaign_dags\n"
        "load_campaign_dags()\n"
        "print(sorted(m for m in ('pandas', 'pyarrow', 'openpyxl', 'phonenumbers') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "[]"
