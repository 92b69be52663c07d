"""No shared disk: two Celery workers, each with a folder of its own, landing and outputs in a loopback S3 bucket.

The native topology (scripts/run_distributed.py, `object_storage=True`) runs the scheduler,
dag-processor, triggerer and API server on one home and each Celery worker in a folder of
its own outside it, as on separate hosts; the only things they share are PostgreSQL, Redis
and the bucket (moto's S3 server on 127.0.0.1). A settlement run of the 12.12 campaign,
its exports landed in the bucket, succeeds through the scheduler; its review is written to
the bucket by whichever worker ran the step, and the API server serves it in the
Campaigns view from there.
"""

from __future__ import annotations

import datetime as dt
import os

import pytest
from cluster_helpers import load_run_distributed

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.slow, pytest.mark.timeout(1800)]

DAG_ID = "campaign__my_1212_2026"
SETTLEMENT = "2026-12-28T00:00:00+08:00"  # the first settlement run: the review is built, no sign-off is due


def _services_up() -> str | None:
    import socket

    for port, name in ((5432, "PostgreSQL"), (6379, "Redis")):
        with socket.socket() as sock:
            sock.settimeout(2)
            if sock.connect_ex(("127.0.0.1", port)) != 0:
                return f"{name} is not listening on 127.0.0.1:{port}"
    return None


def _land_exports(cluster, monkeypatch, demo_spec) -> int:
    """Land the campaign's exports up to the settlement run in the bucket, as the platform's exports land."""
    for name, value in cluster.bucket.settings_env().items():
        monkeypatch.setenv(name, value)
    import creator_ops.airflow  # noqa: F401 - s3:// roots open as ObjectStoragePath on the connection
    from creator_ops.core.steps import landing_root_path
    from creator_ops.stand_ins.data import DATASETS, generate, land_slice

    data = generate(demo_spec, creators=240, seed=3)
    t = demo_spec.timeline
    since = t.recruitment_opens - dt.timedelta(days=30)
    until = dt.datetime.fromisoformat(SETTLEMENT) + dt.timedelta(days=1)
    root = landing_root_path()
    landed = [land_slice(data, d, since, until, fmt="csv", name=f"{d}.csv", root=root) for d in DATASETS]
    return sum(1 for path in landed if path)


def _files_named(folder, name: str) -> list[str]:
    return [os.path.join(top, name) for top, _dirs, files in os.walk(folder) if name in files]


def test_a_settlement_run_on_two_workers_writes_the_review_to_the_bucket_and_the_ui_serves_it(
    monkeypatch, demo_spec
):
    problem = _services_up()
    if problem:
        pytest.skip(problem)
    module = load_run_distributed()
    no_schedule = {"AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False"}  # only the triggered run runs
    with module.DistributedAirflow(
        executor="CeleryExecutor", workers=2, object_storage=True, extra_env=no_schedule,
        meta_db="creator_ops_af_meta_s3", warehouse_db="creator_ops_wh_s3", redis_db=12,
    ) as cluster:  # fmt: skip
        # nothing on disk in common: each worker's home, working folder and TMPDIR are its own
        homes = [cluster.worker_home(f"worker-{i}") for i in (1, 2)]
        assert homes[0] != homes[1]
        for home in homes:
            assert cluster.home not in home.parents and home not in cluster.home.parents
        for name in ("CREATOR_OPS_LANDING_ROOT", "CREATOR_OPS_OUTPUT_ROOT"):
            assert cluster.env[name].startswith("s3://creator-ops-dist/"), name
        assert _land_exports(cluster, monkeypatch, demo_spec) >= 5

        cluster.wait_for_dag(DAG_ID)
        cluster.unpause(DAG_ID)
        run_id = "s3_settlement"
        cluster.trigger(DAG_ID, SETTLEMENT, run_id)
        state = cluster.wait_for_run(DAG_ID, run_id, timeout=1200)
        assert state == "success", cluster.log_tail("worker-1") + "\n" + cluster.log_tail("worker-2")
        states = {ti["task_id"]: ti["state"] for ti in cluster.task_instances(DAG_ID, run_id)}
        assert states["review.build_review"] == "success", states
        assert states["orders.ingest_orders"] == "success", states

        # both workers ran tasks of the run (each logs the tasks it received)
        received = {
            name: (cluster.home / f"{name}.log").read_text(errors="replace").count("execute_workload")
            for name in ("worker-1", "worker-2")
        }
        assert all(count > 0 for count in received.values()), received

        client = cluster.bucket.client()
        key = "output/my_1212_2026/review/review.html"
        stored = client.get_object(Bucket="creator-ops-dist", Key=key)["Body"].read()
        assert b"<html" in stored and demo_spec.name.encode() in stored
        archived = client.list_objects_v2(Bucket="creator-ops-dist", Prefix="landing/my_1212_2026/_archive/")
        assert archived["KeyCount"] >= 5
        # no worker and no server wrote an output to its own disk
        for folder in (cluster.home, cluster.workers_root):
            assert _files_named(folder, "review.html") == [] and _files_named(folder, "review.json") == []

        headers = {"Authorization": f"Bearer {cluster.token}"}
        import httpx

        page = httpx.get(f"{cluster.base_url}/creator-ops/campaigns/my_1212_2026/review", headers=headers, timeout=60)
        assert page.status_code == 200 and page.content == stored
        listing = httpx.get(f"{cluster.base_url}/creator-ops/campaigns", headers=headers, timeout=60)
        assert listing.status_code == 200 and "/creator-ops/campaigns/my_1212_2026/review" in listing.text
