"""Benchmark: campaign DAGs with overlapping live phases on LocalExecutor vs Celery with two workers.

Generates N campaign specs whose live phases overlap into a temporary CAMPAIGN_SPECS_DIR,
starts the native topology (scripts/run_distributed.py) once per executor on the local
PostgreSQL (and Redis for Celery), triggers one live-phase run of every campaign at the
same moment through the REST API, and reads from the metadata database:

- task throughput: task instances finished per minute, from the first queued to the last end;
- scheduling delay: queued → running (start_date − queued_dttm), median and p95.

Both executors get the same number of task slots (parallelism 8; Celery: 2 workers × 4),
so the ratio shows what the broker hop and the separate worker processes cost or gain.
Each measurement is bounded by a time budget; unfinished tasks are reported, not waited for.

    .venv/bin/python bench/bench_distributed.py            # 50 campaigns, ≤ 180 s per executor
    .venv/bin/python bench/bench_distributed.py --quick    # 8 campaigns, ≤ 90 s per executor
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "plugins"))
# Runs must lie in the past: a run whose logical date is still ahead waits for it.
TODAY = dt.date.today()
LIVE_MOMENT = f"{TODAY - dt.timedelta(days=1)}T10:00:00+08:00"  # every generated campaign is live then
DAG_PREFIX = "campaign__bench_"


def _load_topology():
    spec = importlib.util.spec_from_file_location("run_distributed", ROOT / "scripts" / "run_distributed.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_specs(folder: Path, count: int) -> list[str]:
    """Write `count` linkshare campaigns whose 7-day events all cover LIVE_MOMENT."""
    dag_ids = []
    for index in range(count):
        campaign_id = f"bench_{index:03d}"
        # events start 5 to 2 days ago and run 7 days: all are live yesterday
        event_start = TODAY - dt.timedelta(days=5 - index % 4)
        (folder / f"{campaign_id}.yaml").write_text(
            f"""id: {campaign_id}
name: Benchmark linkshare {index}
type: linkshare
owners: [bench]
timeline:
  event_start: {event_start.isoformat()}
targets: {{creators_enrolled: 100, gmv_myr: 10000}}
incentives:
  budget_myr: 5000
  tiers:
    - {{min_gmv_myr: 100, bonus_myr: 5}}
milestones:
  - {{metric: gmv_myr, fractions: [0.5, 1.0]}}
""",
            encoding="utf-8",
        )
        dag_ids.append(f"campaign__{campaign_id}")
    return dag_ids


@dataclass
class Result:
    executor: str
    task_instances: int
    finished: int
    unfinished: int
    failed: int
    span_s: float
    delays_s: list[float]

    @property
    def throughput_per_min(self) -> float:
        return self.finished / (self.span_s / 60) if self.span_s else 0.0

    def delay(self, quantile: float) -> float:
        if not self.delays_s:
            return float("nan")
        ordered = sorted(self.delays_s)
        return ordered[min(len(ordered) - 1, int(round(quantile * (len(ordered) - 1))))]


def measure(topology, executor: str, specs_dir: Path, dag_ids: list[str], budget_s: float) -> Result:
    """Run one live-phase run of every DAG on `executor` and read the figures from the metadata DB."""
    from sqlalchemy import create_engine, text

    workers = 2 if executor == "CeleryExecutor" else 0
    cluster = topology.DistributedAirflow(
        executor=executor,
        workers=workers,
        meta_db="creator_ops_af_bench",
        warehouse_db="creator_ops_wh_bench",
        specs_dir=specs_dir,
        parallelism=8,
        worker_concurrency=4,
        redis_db=12,  # not the distributed test's broker database, so both can run at once
    )
    with cluster:
        for dag_id in dag_ids:
            cluster.wait_for_dag(dag_id, timeout=300)
        for dag_id in dag_ids:
            cluster.unpause(dag_id)
        for dag_id in dag_ids:
            cluster.trigger(dag_id, LIVE_MOMENT, "bench_live")
        deadline = time.monotonic() + budget_s
        engine = create_engine(cluster.meta_url)
        pending_query = text(
            "SELECT count(*) FROM dag_run WHERE dag_id LIKE :p AND state NOT IN ('success', 'failed')"
        )
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                if conn.execute(pending_query, {"p": DAG_PREFIX + "%"}).scalar_one() == 0:
                    break
            time.sleep(2)
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT state, queued_dttm, start_date, end_date FROM task_instance WHERE dag_id LIKE :p"
                ),
                {"p": DAG_PREFIX + "%"},
            ).all()
        engine.dispose()
    ran = [r for r in rows if r.queued_dttm is not None]
    done = [r for r in ran if r.end_date is not None and r.state in ("success", "skipped", "failed")]
    delays = [(r.start_date - r.queued_dttm).total_seconds() for r in ran if r.start_date is not None]
    span = (
        (max(r.end_date for r in done) - min(r.queued_dttm for r in ran)).total_seconds() if done else 0.0
    )
    return Result(
        executor=executor,
        task_instances=len(rows),
        finished=len(done),
        unfinished=len(ran) - len(done),
        failed=sum(1 for r in done if r.state == "failed"),
        span_s=span,
        delays_s=delays,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="8 campaigns, short budget")
    parser.add_argument("--campaigns", type=int, help="number of campaign DAGs (default 50, quick 8)")
    parser.add_argument("--budget", type=float, help="seconds to wait per executor (default 180, quick 90)")
    args = parser.parse_args(argv)
    count = args.campaigns or (8 if args.quick else 50)
    budget = args.budget or (90 if args.quick else 180)
    topology = _load_topology()
    with tempfile.TemporaryDirectory(prefix="bench_specs_") as folder:
        dag_ids = write_specs(Path(folder), count)
        results = [measure(topology, ex, Path(folder), dag_ids, budget) for ex in ("LocalExecutor", "CeleryExecutor")]
    print(f"\n{count} campaign DAGs, one live-phase run each, 8 task slots, budget {budget:.0f} s per executor")
    print(f"{'executor':<16}{'tasks':>7}{'done':>7}{'left':>6}{'failed':>8}{'tasks/min':>11}"
          f"{'delay p50 s':>13}{'delay p95 s':>13}")
    for r in results:
        print(f"{r.executor:<16}{r.task_instances:>7}{r.finished:>7}{r.unfinished:>6}{r.failed:>8}"
              f"{r.throughput_per_min:>11.1f}{r.delay(0.5):>13.2f}{r.delay(0.95):>13.2f}")
    local, celery = results
    if local.throughput_per_min:
        print(f"Celery/Local throughput ratio: {celery.throughput_per_min / local.throughput_per_min:.2f}")
    if local.delays_s and celery.delays_s:
        print(f"Celery/Local median scheduling delay ratio: "
              f"{statistics.median(celery.delays_s) / max(statistics.median(local.delays_s), 1e-6):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
