"""A campaign's payout run triggers the ecosystem DAG through its asset, in a real scheduler run.

Starts the native topology of scripts/run_distributed.py (api-server, scheduler,
dag-processor, triggerer; LocalExecutor on PostgreSQL) on a campaign folder holding one
spec, `c2`, which no code names: the ecosystem DAG must pick it up by data alone. An
earlier campaign, `c1`, is already settled in the warehouse (loaded through the real
steps); c2's enrollments and orders are ingested, not settled. The ecosystem DAG is
unpaused and has no run. Then c2's settlement run runs (`airflow dags test` against the
cluster's metadata database: c2 stays paused, as unpausing a campaign whose timeline is
over makes its timetable schedule its payout run, a second producer): its
`payouts.calculate` updates the asset, the running scheduler creates an asset-triggered
run of `creator_ecosystem`, the LocalExecutor runs it, and it writes the ecosystem of c1
and c2 with the figures worked out by hand in ecosystem_fixture.py.
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest
from cluster_helpers import load_run_distributed, postgres_down
from ecosystem_fixture import CAMPAIGNS
from loading import load_folder
from repo_paths import ROOT

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.slow]
ECOSYSTEM = "creator_ecosystem"
DAG_ID = "campaign__c2"
# the fixture's January and February 2027 campaigns moved to September and October 2026, so
# c2's settlement run is in the past (its tasks' start_date, recruitment_opens, has passed)
MONTHS = {"2027-01": "2026-09", "2027-02": "2026-10"}


def _past(text: str) -> str:
    for old, new in MONTHS.items():
        text = text.replace(old, new)
    return text


def _write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (folder / name).write_text(_past(content), encoding="utf-8")
    return folder


def _runs(cluster, dag_id: str) -> list[dict]:
    response = cluster.api("GET", f"/dags/{dag_id}/dagRuns", params={"limit": 100})
    response.raise_for_status()
    return response.json()["dag_runs"]


def _wait(predicate, timeout: float, what: str, details=lambda: ""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(2)
    raise TimeoutError(f"{what} not seen within {timeout:.0f}s\n{details()}")


@pytest.mark.timeout(600)
def test_a_campaigns_payouts_trigger_the_ecosystem_run(tmp_path, monkeypatch):
    problem = postgres_down()
    if problem:
        pytest.skip(problem)  # a developer machine without PostgreSQL; in CI a skip fails (tests/conftest.py)
    from creator_ops.core.calendar import CampaignCalendar
    from creator_ops.core.spec import load_spec
    from creator_ops.warehouse.db import make_engine

    module = load_run_distributed()
    specs_dir = tmp_path / "specs"
    data = tmp_path / "data"
    c1 = _write(data / "c1", CAMPAIGNS["c1"])
    c2 = _write(data / "c2", CAMPAIGNS["c2"])
    specs_dir.mkdir()
    (specs_dir / "c2.yaml").write_text((c2 / "spec.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    spec = load_spec(specs_dir / "c2.yaml")
    settlement_run = CampaignCalendar(spec.timeline).run_containing(spec.timeline.settlement_date)
    with module.DistributedAirflow(
        executor="LocalExecutor",
        meta_db="creator_ops_af_meta_eco",
        warehouse_db="creator_ops_wh_eco",
        specs_dir=specs_dir,
        parallelism=4,
    ) as cluster:
        monkeypatch.setenv("AIRFLOW_VAR_PII_HASH_KEY", cluster.env["AIRFLOW_VAR_PII_HASH_KEY"])
        engine = make_engine(cluster.warehouse_url)
        landing = Path(cluster.env["CREATOR_OPS_LANDING_ROOT"])
        load_folder(engine, c1, landing)  # settled before this test's runs
        load_folder(engine, c2, landing, settle=False)  # ingested, waiting for its settlement run
        engine.dispose()
        cluster.wait_for_dag(ECOSYSTEM)
        cluster.wait_for_dag(DAG_ID)
        cluster.unpause(ECOSYSTEM)  # c2 stays paused: unpaused, its timetable would schedule its own payout run
        time.sleep(5)
        assert _runs(cluster, ECOSYSTEM) == []  # no clock: nothing runs until a campaign's payouts change
        # c2's settlement run, in the cluster's metadata database (`airflow dags test` runs a paused DAG)
        logical = settlement_run.start.isoformat()
        done = subprocess.run(
            [str(ROOT / ".venv" / "bin" / "airflow"), "dags", "test", DAG_ID, logical],
            env=cluster.env, cwd=cluster.home, capture_output=True, text=True, timeout=400,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        (campaign_run,) = _runs(cluster, DAG_ID)
        run_id = campaign_run["dag_run_id"]
        states = {ti["task_id"]: ti["state"] for ti in cluster.task_instances(DAG_ID, run_id)}
        assert states["payouts.calculate"] == "success", states
        assert campaign_run["state"] == "success", states
        runs = _wait(
            lambda: [r for r in _runs(cluster, ECOSYSTEM) if r["state"] in ("success", "failed")],
            120,
            "an ecosystem run",
            lambda: cluster.log_tail("scheduler"),
        )
        events = cluster.api("GET", "/assets/events", params={"limit": 10}).json()["asset_events"]
        sources = [(e["source_dag_id"], e["source_task_id"], e["source_run_id"]) for e in events]
        campaign_runs = [(r["dag_run_id"], r["run_type"], r["state"]) for r in _runs(cluster, DAG_ID)]
        assert len(runs) == 1 and runs[0]["run_type"] == "asset_triggered", (runs, sources, campaign_runs)
        assert runs[0]["state"] == "success", cluster.log_tail("scheduler")
        assert sources == [(DAG_ID, "payouts.calculate", run_id)]
        out = Path(cluster.env["CREATOR_OPS_OUTPUT_ROOT"]) / "ecosystem"
        figures = json.loads((out / "ecosystem.json").read_text(encoding="utf-8"), parse_float=str)
        assert figures["campaigns"] == ["c1", "c2"]
        assert figures["growth"]["c2"] == {"enrolled": 3, "new": 1, "returning": 2, "reactivated": 0,
                                           "churned": 1, "quick_ratio": "1.000000"}  # fmt: skip
        assert figures["selling_growth"]["c2"]["churned"] == 2
        assert (out / "ecosystem.html").is_file() and (out / "creators.csv").is_file()
