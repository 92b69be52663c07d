"""One viewer must not stall the API server: Airflow's /api/v2/version while 50 heavy requests hit the Campaigns view.

Builds a warehouse with one campaign of 1M order lines (`bench_ui.fill`), serves the real
Airflow API app (plugins loaded, Airflow's login) with uvicorn in a process of its own on
loopback, then sends 50 concurrent `GET /creator-ops/campaigns.json` (each its first
request after the data changed: nothing cached yet) while another client asks
`/api/v2/version` every 0.25 s. Printed: the latency of `/api/v2/version` idle (the
reference, same server) and under the load (p50, max, and their ratios to idle), and what
the 50 heavy requests got (status codes, p50/max time, how many were answered within 5 s).
With `--pages`, a burst of 50 to each plugin page in turn (list, its JSON, the campaign's
page and JSON, traffic, matchmaking, review, ecosystem), each against the same page asked
alone (the reference): every request must be answered (queued, not refused) within 5 s.

    .venv/bin/python bench/bench_ui_concurrency.py                 # 1M lines, 50 requests
    .venv/bin/python bench/bench_ui_concurrency.py --lines 200000  # quicker
    .venv/bin/python bench/bench_ui_concurrency.py --plugins OTHER/plugins   # another checkout's code, same data
    .venv/bin/python bench/bench_ui_concurrency.py --snapshot      # after the campaign's run stored its figures
    .venv/bin/python bench/bench_ui_concurrency.py --snapshot --pages --lines 200000   # every page, a burst each
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if sys.argv[1:] != ["--serve"]:  # the server imports the code of the plugins folder it was given
    sys.path.insert(0, str(ROOT / "bench"))
    sys.path.insert(0, str(ROOT / "plugins"))
CAMPAIGN = "my_bench_00"
ANSWER_WITHIN_S = 5.0  # the bound a burst must meet: every request answered (200, or 503 only beyond it)
PAGES = ["/creator-ops/campaigns", "/creator-ops/campaigns.json", f"/creator-ops/campaigns/{CAMPAIGN}",
         f"/creator-ops/campaigns/{CAMPAIGN}.json", f"/creator-ops/campaigns/{CAMPAIGN}/traffic",
         f"/creator-ops/campaigns/{CAMPAIGN}/matchmaking", f"/creator-ops/campaigns/{CAMPAIGN}/review",
         "/creator-ops/ecosystem"]
SECRET = "bench-only-secret-" + "y" * 32


def _server_env(home: Path, plugins: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "CREATOR_OPS", "CAMPAIGN_SPECS"))}
    env.update(
        AIRFLOW_HOME=str(home),
        AIRFLOW__CORE__DAGS_FOLDER=str(ROOT / "dags"),
        AIRFLOW__CORE__PLUGINS_FOLDER=str(plugins),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"sqlite:///{home / 'airflow.db'}",
        AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS="False",
        AIRFLOW__API_AUTH__JWT_SECRET=SECRET,
        CREATOR_OPS_UI_NOW="2026-12-12T15:30:00+08:00",
        CREATOR_OPS_OUTPUT_ROOT=str(home / "output"),
        CAMPAIGN_SPECS_DIR=str(home / "specs"),
        AIRFLOW_CONN_CREATOR_OPS_WAREHOUSE=json.dumps({"conn_type": "sqlite", "host": str(home / "warehouse.db")}),
        PYTHONPATH=str(plugins),
        BENCH_PORT=str(port),
    )
    return env


def serve_forever() -> None:
    """The server process: the real API app on loopback (one worker, as `airflow api-server --workers 1`)."""
    import uvicorn
    from airflow.api_fastapi.app import create_app

    uvicorn.run(create_app(), host="127.0.0.1", port=int(os.environ["BENCH_PORT"]), log_level="warning")


def prepare(home: Path, lines: int) -> None:
    """Fill the benchmark's warehouse, spec folder and metadata DB once (kept in `home` for further runs)."""
    if (home / "ready").exists():
        return
    os.environ.update(AIRFLOW_HOME=str(home), AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"sqlite:///{home / 'airflow.db'}",
                      AIRFLOW__CORE__LOAD_EXAMPLES="False")
    from airflow.utils import db
    from bench_ui import fill, write_specs

    from creator_ops.warehouse.db import make_engine, upgrade

    db.resetdb()
    engine = make_engine(f"sqlite:///{home / 'warehouse.db'}")
    upgrade(engine)
    started = time.perf_counter()
    fill(engine, [CAMPAIGN], lines)
    engine.dispose()
    write_specs(home / "specs", [CAMPAIGN])
    (home / "ready").write_text(str(lines))
    print(f"warehouse: 1 campaign, {lines:,} lines in {time.perf_counter() - started:.0f} s", flush=True)


def _token(home: Path) -> str:
    os.environ.update(AIRFLOW_HOME=str(home), AIRFLOW__API_AUTH__JWT_SECRET=SECRET)
    from airflow.api_fastapi.auth.managers.simple.simple_auth_manager import SimpleAuthManager
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser

    return SimpleAuthManager().generate_jwt(SimpleAuthManagerUser(username="bench", role="viewer"))


def _percentiles(values: list[float]) -> tuple[float, float]:
    return statistics.median(values), max(values)


def burst(base: str, token: str, path: str, requests: int) -> dict:
    """Ask `path` alone 5 times (the reference), then `requests` times at once; return the times and statuses."""
    import httpx

    alone = []
    with httpx.Client(cookies={"_token": token}, timeout=60) as client:
        for _ in range(5):
            started = time.perf_counter()
            status = client.get(base + path).status_code
            alone.append(time.perf_counter() - started)
    results: list[tuple[int | str, float]] = []
    lock = threading.Lock()
    go = threading.Event()

    def one() -> None:
        with httpx.Client(cookies={"_token": token}, timeout=60) as client:
            go.wait()
            started = time.perf_counter()
            try:
                answer: int | str = client.get(base + path).status_code
            except httpx.HTTPError as exc:
                answer = type(exc).__name__
            with lock:
                results.append((answer, time.perf_counter() - started))

    threads = [threading.Thread(target=one) for _ in range(requests)]
    for thread in threads:
        thread.start()
    time.sleep(0.5)  # every client connected and waiting: then all at once
    go.set()
    for thread in threads:
        thread.join()
    return {"alone": alone, "alone_status": status, "burst": results}


def print_bursts(base: str, token: str, requests: int) -> None:
    print(f"\na burst of {requests} requests to each plugin page at once (each page asked alone first: the reference)")
    for path in PAGES:
        figures = burst(base, token, path, requests)
        statuses = collections.Counter(status for status, _ in figures["burst"])
        took = [seconds for _, seconds in figures["burst"]]
        alone = statistics.median(figures["alone"])
        within = sum(1 for seconds in took if seconds <= ANSWER_WITHIN_S)
        print(f"  {path:<52} alone {alone * 1000:7.1f} ms ({figures['alone_status']})  burst: {dict(statuses)}, "
              f"p50 {statistics.median(took):.2f} s, max {max(took):.2f} s ({max(took) / alone:,.0f}x alone), "
              f"answered within {ANSWER_WITHIN_S:.0f} s: {within}/{requests}")


def run(base: str, token: str, heavy: int, deadline_s: float) -> dict:
    """Fire `heavy` concurrent overview requests and probe /api/v2/version until they are all answered."""
    import httpx

    version_url = f"{base}/api/v2/version"
    with httpx.Client(timeout=30) as probe:
        idle = []
        for _ in range(20):
            started = time.perf_counter()
            probe.get(version_url).raise_for_status()
            idle.append(time.perf_counter() - started)

    results: list[tuple[int | str, float]] = []
    lock = threading.Lock()

    def one() -> None:
        started = time.perf_counter()
        try:
            with httpx.Client(cookies={"_token": token}, timeout=deadline_s) as client:
                status: int | str = client.get(f"{base}/creator-ops/campaigns.json").status_code
        except httpx.HTTPError as exc:
            status = type(exc).__name__
        with lock:
            results.append((status, time.perf_counter() - started))

    threads = [threading.Thread(target=one) for _ in range(heavy)]
    for thread in threads:
        thread.start()
    loaded = []
    stalls: list[tuple[float, float]] = []  # (seconds into the load, latency) of each probe
    load_started = time.perf_counter()
    stop_at = time.monotonic() + deadline_s
    with httpx.Client(timeout=deadline_s) as probe:
        while any(t.is_alive() for t in threads) and time.monotonic() < stop_at:
            started = time.perf_counter()
            with contextlib.suppress(httpx.HTTPError):
                probe.get(version_url)
            loaded.append(time.perf_counter() - started)
            stalls.append((started - load_started, loaded[-1]))
            time.sleep(0.25)
    for thread in threads:
        thread.join(timeout=max(1.0, stop_at - time.monotonic()))
    return {"idle": idle, "loaded": loaded, "heavy": results, "stalls": sorted(stalls, key=lambda s: -s[1])[:3]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--plugins", type=Path, default=ROOT / "plugins", help="the plugins folder to serve")
    parser.add_argument("--home", type=Path, help="keep the filled warehouse here (reused when it exists)")
    parser.add_argument("--snapshot", action="store_true",
                        help="store the campaign's snapshot first, as its run does (the page then only reads it)")
    parser.add_argument("--slots", type=int, help="CREATOR_OPS_UI_SLOTS for the server (default: the setting's)")
    parser.add_argument("--deadline", type=float, default=600, help="seconds before the load is given up")
    parser.add_argument("--pages", action="store_true", help="a burst of --requests to each plugin page in turn")
    args = parser.parse_args(argv)
    home = args.home or Path(tempfile.mkdtemp(prefix="bench_ui_concurrency_"))
    home.mkdir(parents=True, exist_ok=True)
    prepare(home, args.lines)
    from creator_ops.warehouse.db import make_engine, upgrade

    upgrade(make_engine(f"sqlite:///{home / 'warehouse.db'}"))  # a warehouse kept from an older checkout
    if args.snapshot and not (home / "snapshot").exists():
        from bench_ui import run_snapshots

        conn = json.dumps({"conn_type": "sqlite", "host": str(home / "warehouse.db")})
        print(f"snapshot stored in {run_snapshots(conn, home / 'specs', [CAMPAIGN], 0):.1f} s", flush=True)
        (home / "snapshot").write_text("stored")
    from bench_ui import free_port

    port = free_port()
    log = open(home / "server.log", "wb")  # closed below
    env = _server_env(home, args.plugins.resolve(), port)
    if args.slots:
        env["CREATOR_OPS_UI_SLOTS"] = str(args.slots)
    server = subprocess.Popen([sys.executable, __file__, "--serve"], env=env, stdout=log, stderr=subprocess.STDOUT,
                              start_new_session=True)
    try:
        import httpx

        base = f"http://127.0.0.1:{port}"
        ready_by = time.monotonic() + 120
        while time.monotonic() < ready_by:
            try:
                if httpx.get(f"{base}/api/v2/version", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        token = _token(home)
        # imports and templates warmed on a route that reads no figures
        httpx.get(f"{base}/creator-ops/campaigns/not_a_campaign.json", cookies={"_token": token}, timeout=60)
        if args.pages:
            print_bursts(base, token, args.requests)
            return 0
        figures = run(base, token, args.requests, args.deadline)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()

    idle50, idle_max = _percentiles(figures["idle"])
    load50, load_max = _percentiles(figures["loaded"] or [float("nan")])
    statuses = collections.Counter(status for status, _ in figures["heavy"])
    took = [seconds for _, seconds in figures["heavy"]]
    print(f"\n{args.requests} concurrent GET /creator-ops/campaigns.json, one campaign of {args.lines:,} lines "
          f"(plugins: {args.plugins}, slots: {args.slots or 'default'}, "
          f"{'snapshot stored by a run' if args.snapshot else 'no snapshot: computed on request'})")
    print(f"  /api/v2/version idle (reference)   p50 {idle50 * 1000:8.1f} ms   max {idle_max * 1000:8.1f} ms")
    print(f"  /api/v2/version under the load     p50 {load50 * 1000:8.1f} ms   max {load_max * 1000:8.1f} ms   "
          f"({load50 / idle50:,.1f}x / {load_max / idle_max:,.1f}x idle; {len(figures['loaded'])} probes)")
    worst = ", ".join(f"{lat:.1f} s at +{at:.1f} s" for at, lat in figures["stalls"])
    print(f"  the longest waits for /api/v2/version: {worst}")
    print(f"  the heavy requests: {dict(statuses)}; p50 {statistics.median(took):.2f} s, max {max(took):.2f} s")
    return 0


if __name__ == "__main__":
    if sys.argv[1:] == ["--serve"]:
        serve_forever()
    else:
        sys.exit(main())
