"""Campaign page and Campaigns view benchmark: time to first byte with 50 campaigns and 1M order lines.

Builds warehouses of seeded campaigns (each: order lines over its event day with about 3%
re-landed line versions and a few quarantined rows, enrollments, quality verdicts, alerts),
writes a spec per campaign, does what each run's `milestones.snapshot_figures` does (computes
the campaign's figures once and stores them, `warehouse/snapshots.py`) and serves the real
Airflow API app (plugins loaded, Airflow's login) with uvicorn on loopback. Each figure is
the median time to first byte over real HTTP, the server warmed up (imports, templates): the
first request after a run stored new figures, and the same request again. The reference,
measured in the same process, is computing the figures on request from the order lines (what
the page did on every first request after a data change before the snapshot):

- a warehouse and spec folder holding one campaign (20,000 lines);
- 50 campaigns and 1M order lines in the warehouse (20,000 each);
- one campaign that has 1M lines of its own.

    .venv/bin/python bench/bench_ui.py             # SQLite, the embedded default
    .venv/bin/python bench/bench_ui.py --quick     # 10 campaigns, 200k lines
    .venv/bin/python bench/bench_ui.py --postgres postgresql+psycopg2://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import shutil
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "plugins"))
SPEC = ROOT / "include" / "campaigns" / "my_1212_2026.yaml"
MYT = dt.timezone(dt.timedelta(hours=8))
NOW = "2026-12-12T15:30:00+08:00"  # the event day: every section of the page has something to show


def _configure(home: Path) -> None:
    """Point Airflow at a home of the benchmark's own before anything imports it."""
    os.environ.update(
        AIRFLOW_HOME=str(home),
        AIRFLOW__CORE__DAGS_FOLDER=str(ROOT / "dags"),
        AIRFLOW__CORE__PLUGINS_FOLDER=str(ROOT / "plugins"),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"sqlite:///{home / 'airflow.db'}",
        AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS="False",
        AIRFLOW__API_AUTH__JWT_SECRET="bench-only-secret-" + "x" * 32,
        CREATOR_OPS_UI_NOW=NOW,
        CREATOR_OPS_OUTPUT_ROOT=str(home / "output"),
    )


def write_specs(folder: Path, ids: list[str]) -> None:
    """Write one spec per campaign id: the 12.12 demo spec under another id and name."""
    import yaml

    base = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    folder.mkdir(parents=True, exist_ok=True)
    for i, campaign_id in enumerate(ids):
        spec = dict(base, id=campaign_id, name=f"Bench campaign {i:02d}")
        (folder / f"{campaign_id}.yaml").write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")


def fill(engine, ids: list[str], lines_each: int, seed: int = 1212) -> None:
    """Insert seeded rows for each campaign (ids of files and rows unique across campaigns)."""
    import numpy as np
    from sqlalchemy import insert

    from creator_ops.core.spec import load_spec
    from creator_ops.warehouse.schema import (
        alert_outbox,
        creators,
        enrollments,
        ingested_files,
        order_lines,
        quality_results,
        quarantine,
    )

    spec = load_spec(SPEC)
    t = spec.timeline
    rng = np.random.default_rng(seed)
    utc = dt.UTC
    event = t.event_start.astimezone(utc).replace(tzinfo=None)
    creators_n = max(lines_each // 20, 50)
    files_per_campaign = 8
    file_id = 0
    with engine.begin() as conn:
        for c, campaign_id in enumerate(ids):
            files = []
            for k in range(files_per_campaign):
                file_id += 1
                dataset = "enrollments" if k == 0 else ("creators" if k == 1 else "orders")
                files.append({
                    "file_id": file_id, "campaign_id": campaign_id, "dataset": dataset,
                    "source_uri": f"/landing/{campaign_id}/{dataset}/{k}.csv", "sha256": f"{file_id:064d}",
                    "size_bytes": 1, "status": "accepted", "rows_in": 0, "rows_accepted": 0, "rows_quarantined": 0,
                    "ingested_at": event + dt.timedelta(hours=k), "rejection_reason": None,
                })
            conn.execute(insert(ingested_files), files)
            first = files[0]["file_id"]
            conn.execute(insert(creators), [
                {"campaign_id": campaign_id, "creator_id": f"c{i}", "shortlisted": i % 2 == 0, "file_id": first + 1,
                 "row_number": i} for i in range(creators_n)
            ])
            enrolled = rng.choice(creators_n, size=creators_n * 3 // 5, replace=False)
            opens = t.recruitment_opens.astimezone(utc).replace(tzinfo=None)
            span = (t.registration_closes - t.recruitment_opens).total_seconds()
            conn.execute(insert(enrollments), [
                {"file_id": first, "row_number": n, "campaign_id": campaign_id, "creator_id": f"c{i}",
                 "registered_at": opens + dt.timedelta(seconds=float(rng.uniform(0, span))), "is_new_creator": False}
                for n, i in enumerate(enrolled.tolist())
            ])
            order_files = [f["file_id"] for f in files[2:]]
            who = rng.integers(0, creators_n, size=lines_each)
            when = rng.uniform(0, 86_400, size=lines_each)
            gmv = rng.integers(500, 50_000, size=lines_each)
            status = rng.choice(["COMPLETED", "completed", "delivered", "CANCELLED", "returned"], size=lines_each,
                                p=[0.5, 0.2, 0.15, 0.1, 0.05])
            rows = []
            for n in range(lines_each):
                again = n % 33 == 0 and n > 0  # ~3%: a later file lands a new version of an earlier line
                order = n - 1 if again else n
                rows.append({
                    "file_id": order_files[n % len(order_files)], "row_number": n, "campaign_id": campaign_id,
                    "order_id": f"o{order}", "line_id": "1", "creator_id": f"c{int(who[n])}",
                    "order_time": event + dt.timedelta(seconds=float(when[n])), "status": str(status[n]),
                    "gmv_sen": int(gmv[n]), "updated_at": None,
                })
            conn.execute(insert(order_lines), rows)
            conn.execute(insert(quarantine), [
                {"file_id": order_files[k % len(order_files)], "row_number": lines_each + k,
                 "reason": "negative_gmv" if k % 3 else "missing_key", "field": "gmv_sen" if k % 3 else "order_id"}
                for k in range(lines_each // 500)
            ])
            conn.execute(insert(quality_results), [
                {"campaign_id": campaign_id, "dataset": "orders", "file_id": f, "run_id": f"r{f}", "suite": "orders",
                 "success": f % 5 != 0, "evaluated": 13, "failed": 0 if f % 5 else 1,
                 "failed_expectations_json": "[]" if f % 5 else json.dumps([{"name": "gmv_per_line_plausible"}]),
                 "validated_at": event + dt.timedelta(hours=2)} for f in order_files
            ])
            conn.execute(insert(alert_outbox), [
                {"alert_key": f"{campaign_id}-{k}", "campaign_id": campaign_id, "kind": "milestone_reached",
                 "channel": "slack", "subject": f"milestone {k}", "payload_json": "{}",
                 "status": "sent" if k % 4 else "pending", "attempts": 1, "created_at": event,
                 "sent_at": event if k % 4 else None} for k in range(12)
            ])
            if c % 10 == 9:
                print(f"  {c + 1} campaigns filled", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def serve():
    """Serve the real Airflow API app (plugins loaded) on loopback; yield its base URL."""
    import uvicorn
    from airflow.api_fastapi.app import create_app

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def ttfb(client, url: str) -> float:
    """Seconds from sending the request to the first byte of the body."""
    started = time.perf_counter()
    with client.stream("GET", url) as response:
        response.raise_for_status()
        next(response.iter_raw())
        return time.perf_counter() - started


def run_snapshots(engine_url_json: str, spec_dir: Path, spec_ids: list[str], run: int) -> float:
    """Do what a run's `milestones.snapshot_figures` does for each campaign; return the seconds it took."""
    from creator_ops.core.spec import load_spec
    from creator_ops.figures.snapshot import compute_snapshot, store_snapshot
    from creator_ops.warehouse import metrics
    from creator_ops.warehouse.db import make_engine

    engine = make_engine(_url(engine_url_json))
    started = time.perf_counter()
    as_of = dt.datetime.fromisoformat(NOW).replace(minute=0) + dt.timedelta(hours=run)
    for campaign_id in spec_ids:
        spec = load_spec(spec_dir / f"{campaign_id}.yaml")
        store_snapshot(engine, compute_snapshot(engine, spec, as_of=as_of, run_id=f"live__bench_{run}"))
    took = time.perf_counter() - started
    engine.dispose()
    metrics._cache.clear()  # the server process starts from nothing the run computed
    return took


def on_request(engine_url_json: str, spec_dir: Path, campaign_id: str) -> float:
    """Seconds to compute the figures on request from the lines (what the page did before the snapshot)."""
    from creator_ops.core.spec import load_spec
    from creator_ops.figures.snapshot import compute_snapshot
    from creator_ops.warehouse import metrics
    from creator_ops.warehouse.db import make_engine

    engine = make_engine(_url(engine_url_json))
    spec = load_spec(spec_dir / f"{campaign_id}.yaml")
    metrics._cache.clear()
    started = time.perf_counter()
    compute_snapshot(engine, spec, as_of=dt.datetime.fromisoformat(NOW))
    took = time.perf_counter() - started
    engine.dispose()
    metrics._cache.clear()
    return took


def _url(conn_json: str) -> str:
    data = json.loads(conn_json)
    return data["extra"]["sqlalchemy_url"] if data["conn_type"] == "generic" else f"sqlite:///{data['host']}"


def measure(client, base: str, url: str, after_run, repeat: int) -> tuple[float, float]:
    """Return the medians of (the first request after a run stored new figures, the same request again)."""
    cold = []
    for n in range(repeat):
        after_run(n)
        cold.append(ttfb(client, url))
    return statistics.median(cold), statistics.median(ttfb(client, url) for _ in range(repeat))


def warehouse(url: str | None, folder: Path, name: str):
    """Return (engine, Airflow connection JSON) of a fresh, migrated warehouse."""
    from sqlalchemy import text

    from creator_ops.warehouse.db import make_engine, upgrade

    if url is None:
        path = folder / f"{name}.db"
        engine = make_engine(f"sqlite:///{path}")
        upgrade(engine)
        return engine, json.dumps({"conn_type": "sqlite", "host": str(path)})
    schema = f"bench_ui_{name}_{os.getpid()}"
    base = make_engine(url)
    with base.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    base.dispose()
    scoped = f"{url}?options=-csearch_path%3D{schema}"
    engine = make_engine(scoped)
    upgrade(engine)
    return engine, json.dumps({"conn_type": "generic", "extra": {"sqlalchemy_url": scoped}})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="10 campaigns, 200k lines")
    parser.add_argument("--postgres", metavar="URL", help="PostgreSQL (own schema) instead of SQLite")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    campaigns, total = (10, 200_000) if args.quick else (50, 1_000_000)
    each = total // campaigns
    home = Path(tempfile.mkdtemp(prefix="bench_ui_"))
    _configure(home)
    try:
        from airflow.utils import db

        db.resetdb()
        import httpx
        from airflow.api_fastapi.app import get_auth_manager
        from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser

        scenarios = []
        ids = [f"my_bench_{i:02d}" for i in range(campaigns)]
        for name, spec_ids, lines in (("one", ids[:1], each), ("many", ids, each), ("big", ids[:1], total)):
            started = time.perf_counter()
            engine, conn_json = warehouse(args.postgres, home, name)
            fill(engine, spec_ids, lines)
            engine.dispose()
            write_specs(home / f"specs_{name}", spec_ids)
            scenarios.append((name, spec_ids, lines, conn_json))
            print(f"{name}: {len(spec_ids)} campaign(s), {lines * len(spec_ids):,} lines in "
                  f"{time.perf_counter() - started:.1f} s", flush=True)

        token = get_auth_manager().generate_jwt(SimpleAuthManagerUser(username="bench", role="viewer"))
        results, snapshot_step, reference = {}, {}, {}
        with serve() as base, httpx.Client(cookies={"_token": token}, timeout=300) as client:
            for name, spec_ids, _lines, conn_json in scenarios:
                specs = home / f"specs_{name}"
                snapshot_step[name] = run_snapshots(conn_json, specs, spec_ids, 0) / len(spec_ids)
                reference[name] = on_request(conn_json, specs, spec_ids[0])
            for name, spec_ids, _lines, conn_json in scenarios[:1]:  # warm the server up: imports, templates
                os.environ["AIRFLOW_CONN_CREATOR_OPS_WAREHOUSE"] = conn_json
                os.environ["CAMPAIGN_SPECS_DIR"] = str(home / f"specs_{name}")
                ttfb(client, f"{base}/creator-ops/campaigns/{spec_ids[0]}")
                ttfb(client, f"{base}/creator-ops/campaigns")
            for name, spec_ids, _lines, conn_json in scenarios:
                os.environ["AIRFLOW_CONN_CREATOR_OPS_WAREHOUSE"] = conn_json
                specs = home / f"specs_{name}"
                os.environ["CAMPAIGN_SPECS_DIR"] = str(specs)

                def after_run(n, conn_json=conn_json, specs=specs, spec_ids=spec_ids):
                    run_snapshots(conn_json, specs, spec_ids[:1], n + 1)

                page = f"{base}/creator-ops/campaigns/{spec_ids[0]}"
                results[name] = measure(client, base, page, after_run, args.repeat)
                results[f"{name}_list"] = measure(client, base, f"{base}/creator-ops/campaigns", after_run, 3)
    finally:
        shutil.rmtree(home, ignore_errors=True)

    db_name = "PostgreSQL" if args.postgres else "SQLite"
    print(f"\nTime to first byte over loopback HTTP ({db_name}, medians of {args.repeat}): the first request after "
          "a run stored new figures, then again. Reference, measured in this process: computing the figures on "
          "request from the order lines, as the page did before the snapshot (and as every first request after a "
          "data change paid)")
    rows = [
        ("one", f"1 campaign, {each:,} lines"),
        ("many", f"{campaigns} campaigns, {total:,} lines, {each:,} of them this campaign's"),
        ("big", f"1 campaign with {total:,} lines of its own"),
    ]
    print("\nCampaign page (target: 300 ms)")
    for key, label in rows:
        cold, warm = results[key]
        ref = reference[key]
        print(f"  {label:<62} first {cold * 1000:6.0f} ms   again {warm * 1000:5.0f} ms   on-request figures "
              f"{ref * 1000:6.0f} ms ({cold / ref:5.2f}x)")
    print(f"\nCampaigns view, the list (target: 500 ms with {campaigns} campaigns)")
    for key, label in rows:
        cold, warm = results[f"{key}_list"]
        print(f"  {label:<62} first {cold * 1000:6.0f} ms   again {warm * 1000:5.0f} ms")
    print("\nThe run's snapshot step (milestones.snapshot_figures), per campaign")
    for key, label in rows:
        print(f"  {label:<62} {snapshot_step[key] * 1000:6.0f} ms")
    print("\nBefore the snapshot (README, same machine, SQLite): page first request 0.90 s (50 campaigns), 12.8 s "
          "(1M lines of its own); list 3.55 s (50 campaigns)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
