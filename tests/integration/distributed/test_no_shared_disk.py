"""No shared disk: two Celery workers, each with a folder of its own, landing and outputs in a loopback S3 bucket.

The native topology (scripts/run_distributed.py, `object_storage=True`) runs the scheduler,
dag-processor, triggerer and API server on one home and each Celery worker in a folder of
its own outside it, as on separate hosts; the only things they share are PostgreSQL, Redis
and the bucket (moto's S3 server on 127.0.0.1). A settlement run of a campaign, its exports
landed in the bucket, succeeds through the scheduler; its review is written to the bucket by
whichever worker ran the step, and the API server serves it in the Campaigns view from there.
"""

from __future__ import annotations

import datetime as dt
import os

import pytest
from cluster_helpers import load_run_distributed

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.slow, pytest.mark.timeout(1800)]

# A campaign whose settlement is in the past: the scheduler refuses a run whose logical date is still to come.
SPEC = """id: s3_scd_2026
name: No shared disk SCD 2026
type: scd
timeline: {event_start: 2026-10-20}
targets: {creators_enrolled: 100, gmv_myr: 100000, survey_responses: 20}
incentives:
  budget_myr: 10000
  tiers: [{min_gmv_myr: 1000, bonus_myr: 50}, {min_gmv_myr: 5000, bonus_myr: 300}]
"""
BUCKET = "creator-ops-dist"


def _services_up() -> str | None:
    import socket

    for port, name in ((5432, "PostgreSQL"), (6379, "Redis")):
        with socket.socket() as sock:
            sock.settimeout(2)
            if sock.connect_ex(("127.0.0.1", port)) != 0:
                return f"{name} is not listening on 127.0.0.1:{port}"
    return None


def _land_exports(cluster, monkeypatch, spec, until) -> int:
    """Land the campaign's exports up to the settlement run in the bucket, as the platform's exports land."""
    for name, value in cluster.bucket.settings_env().items():
        monkeypatch.setenv(name, value)
    import creator_ops.airflow  # noqa: F401 - s3:// roots open as ObjectStoragePath on the connection
    from creator_ops.core.steps import landing_root_path
    from creator_ops.stand_ins.data import DATASETS, generate, land_slice

    data = generate(spec, creators=240, seed=3)
    since = spec.timeline.recruitment_opens - dt.timedelta(days=30)
    root = landing_root_path()
    landed = [land_slice(data, d, since, until, fmt="csv", name=f"{d}.csv", root=root) for d in DATASETS]
    return sum(1 for path in landed if path)


def _files_named(folder, name: str) -> list[str]:
    return [os.path.join(top, name) for top, _dirs, files in os.walk(folder) if name in files]


def test_a_settlement_run_on_two_workers_writes_the_review_to_the_bucket_and_the_ui_serves_it(
    monkeypatch, tmp_path
):
    problem = _services_up()
    if problem:
        pytest.skip(problem)
    from creator_ops.core.calendar import CampaignCalendar, Phase
    from creator_ops.core.spec import load_spec

    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "s3_scd_2026.yaml").write_text(SPEC, encoding="utf-8")
    spec = load_spec(specs / "s3_scd_2026.yaml")
    settlement = next(r for r in CampaignCalendar(spec.timeline).runs if r.phase == Phase.SETTLEMENT)
    module = load_run_distributed()
    no_schedule = {"AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False"}  # only the triggered run runs
    with module.DistributedAirflow(
        executor="CeleryExecutor", workers=2, object_storage=True, extra_env=no_schedule, specs_dir=specs,
        meta_db="creator_ops_af_meta_s3", warehouse_db="creator_ops_wh_s3", redis_db=12,
    ) as cluster:  # fmt: skip
        # nothing on disk in common: each worker's home, working folder and TMPDIR are its own
        homes = [cluster.worker_home(f"worker-{i}") for i in (1, 2)]
        assert homes[0] != homes[1]
        for home in homes:
            assert cluster.home not in home.parents and home not in cluster.home.parents
        for name in ("CREATOR_OPS_LANDING_ROOT", "CREATOR_OPS_OUTPUT_ROOT"):
            assert cluster.env[name].startswith(f"s3://{BUCKET}/"), name
        assert _land_exports(cluster, monkeypatch, spec, settlement.end) >= 5

        cluster.wait_for_dag(spec.dag_id)
        cluster.unpause(spec.dag_id)
        run_id = "s3_settlement"
        cluster.trigger(spec.dag_id, settlement.start.isoformat(), run_id)
        state = cluster.wait_for_run(spec.dag_id, run_id, timeout=1200)
        assert state == "success", cluster.log_tail("worker-1") + "\n" + cluster.log_tail("worker-2")
        tis = cluster.task_instances(spec.dag_id, run_id)
        states = {ti["task_id"]: ti["state"] for ti in tis}
        assert states["review.build_review"] == "success", states
        assert states["orders.ingest_orders"] == "success", states

        # both workers ran tasks of the run: each task's log is on the disk of the worker that ran it
        ran = {home.name: sorted(p.name for p in (home / "logs").rglob("attempt=*.log")) for home in homes}
        assert all(ran.values()), ran
        assert not list((cluster.home / "logs").rglob("attempt=*.log"))  # the server side ran none

        client = cluster.bucket.client()
        key = f"output/{spec.id}/review/review.html"
        stored = client.get_object(Bucket=BUCKET, Key=key)["Body"].read()
        assert b"<html" in stored and spec.name.encode() in stored
        archived = client.list_objects_v2(Bucket=BUCKET, Prefix=f"landing/{spec.id}/_archive/")
        assert archived["KeyCount"] >= 5
        # no worker and no server wrote an output to its own disk
        for folder in (cluster.home, cluster.workers_root):
            assert _files_named(folder, "review.html") == [] and _files_named(folder, "review.json") == []

        headers = {"Authorization": f"Bearer {cluster.token}"}
        import httpx

        base = f"{cluster.base_url}/creator-ops/campaigns"
        page = httpx.get(f"{base}/{spec.id}/review", headers=headers, timeout=60)
        assert page.status_code == 200 and page.content == stored
        listing = httpx.get(base, headers=headers, timeout=60)
        assert listing.status_code == 200 and f"/creator-ops/campaigns/{spec.id}/review" in listing.text
