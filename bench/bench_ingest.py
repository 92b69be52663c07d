"""Benchmark: messy order lines from CSV and Parquet into the warehouse, beside the engine's own bulk load.

    .venv/bin/python bench/bench_ingest.py            # 1,000,000 lines (and 250,000 for linearity)
    .venv/bin/python bench/bench_ingest.py --quick    # 100,000 lines

The same file is also ingested from an S3 bucket (moto's server on loopback, in its own
process, through Airflow's ObjectStoragePath and the storage connection: `csv-bucket`),
beside the same from a local folder in the same run; and the campaign review page's time
to first byte is measured over real HTTP (the Airflow API app under uvicorn) from the
bucket beside from a local output folder.

The input is generated here (seeded, deterministic): the affiliate center's seller export
with `@`/case/space variants of creator ids, `RM1,234.50` money, three timestamp formats,
mixed-case statuses, returned flags and ~1% broken rows. The pipeline measured is the real
one (`ingest_file`: sha256, archive copy, read, normalize, quarantine, load in one
transaction). The references load the same rows, already clean, with the engine's own
bulk path: PostgreSQL `COPY` of a CSV; SQLite `executemany` in one transaction. Each case
runs in a fresh process so its peak memory (ru_maxrss) is its own.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "plugins"))

from creator_ops.core.ingest.datasets import SPECS  # noqa: E402 - after the path set-up

PG_URL = os.environ.get(
    "CREATOR_OPS_BENCH_PG", "postgresql+psycopg2://postgres@127.0.0.1:5432/creator_ops_bench"
)
CAMPAIGN = "my_1212_2026"
SPEC = ROOT / "include" / "campaigns" / f"{CAMPAIGN}.yaml"
# the clean reference file holds exactly the columns ingestion loads into order_lines
ORDER_COLUMNS = SPECS["orders"].stored_columns
CLEAN_COLUMNS = ("file_id", "row_number", "campaign_id", *(c for c in ORDER_COLUMNS if c != "row_number"))


# --------------------------------------------------------------------------- input generation


def generate(n: int, folder: Path, seed: int = 20261212) -> dict[str, Path]:
    """Write messy.csv, messy.parquet and clean.csv with `n` order lines; return their paths."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq
    from pyarrow import csv as pacsv

    rng = np.random.default_rng(seed)
    index = np.arange(n, dtype=np.int64)
    order_id = pc.cast(pa.array(5770000000000000000 + index // 2), pa.string())  # two lines per order
    line_id = pc.cast(pa.array(1729000000000000000 + index), pa.string())
    creator_number = rng.integers(0, 20000, n)
    creator = pc.binary_join_element_wise(
        pa.array(["creator."] * n), pc.cast(pa.array(creator_number), pa.string()), ""
    )
    variant = rng.integers(0, 10, n)
    messy_creator = pc.if_else(pa.array(variant < 3), pc.binary_join_element_wise("@", creator, ""), creator)
    messy_creator = pc.if_else(pa.array(variant == 3), pc.utf8_upper(messy_creator), messy_creator)
    messy_creator = pc.if_else(
        pa.array(variant == 4), pc.binary_join_element_wise(" ", messy_creator, " ", ""), messy_creator
    )

    start = int(dt.datetime(2026, 12, 11, 16, tzinfo=dt.UTC).timestamp())  # 12.12 00:00 in Kuala Lumpur
    utc_seconds = start + rng.integers(0, 86400, n)
    utc = pa.array(utc_seconds * 1_000_000, pa.timestamp("us", "UTC"))
    local = pa.array((utc_seconds + 8 * 3600) * 1_000_000, pa.timestamp("us"))
    fmt = rng.integers(0, 3, n)
    messy_time = pc.if_else(
        pa.array(fmt == 0),
        pc.binary_join_element_wise(pc.strftime(local, format="%Y-%m-%dT%H:%M:%S"), "+08:00", ""),
        pc.if_else(
            pa.array(fmt == 1),
            pc.strftime(local, format="%d/%m/%Y %H:%M:%S"),
            pc.strftime(local, format="%Y-%m-%d %H:%M:%S"),
        ),
    )
    messy_time = pc.replace_substring_regex(messy_time, r"\.0+$", "")
    messy_time = pc.replace_substring_regex(messy_time, r"\.0+(\+08:00)$", r"\1")

    statuses = np.array(["COMPLETED", "Completed", "completed ", "PROCESSING", "CANCELLED", "delivered"])
    status_pick = rng.choice(len(statuses), n, p=[0.4, 0.15, 0.1, 0.15, 0.1, 0.1])
    messy_status = pa.array(statuses[status_pick])
    clean_status = pc.utf8_lower(pc.utf8_trim_whitespace(messy_status))
    gmv_sen = rng.integers(100, 500_000, n)
    ringgit = pc.cast(pa.array(gmv_sen // 100), pa.string())
    # thousands separators for amounts >= 1,000
    grouped = pc.replace_substring_regex(ringgit, r"^(\d+)(\d{3})$", r"\1,\2")
    cents = pc.utf8_lpad(pc.cast(pa.array(gmv_sen % 100), pa.string()), 2, "0")
    money = pc.binary_join_element_wise("RM", grouped, ".", cents, "")
    returned = rng.random(n) < 0.03
    returned_text = pa.array(np.where(returned, "Yes", "No"))

    # ~1% broken rows, each kind with its reason
    broken = rng.random(n)
    order_id = pc.if_else(pa.array(broken < 0.005), "", order_id)
    money = pc.if_else(
        pa.array((broken >= 0.005) & (broken < 0.007)), pc.binary_join_element_wise("-", money, ""), money
    )
    messy_time = pc.if_else(pa.array((broken >= 0.007) & (broken < 0.009)), "31/02/2026 10:00", messy_time)
    messy_time = pc.if_else(pa.array((broken >= 0.009) & (broken < 0.01)), "", messy_time)

    messy = pa.table(
        {
            "Order ID": order_id,
            "SKU ID": line_id,
            "Creator Username": messy_creator,
            "Time Created": messy_time,
            "Order Status": messy_status,
            "Payment Amount": money,
            "Fully returned or refunded": returned_text,
        }
    )
    paths = {
        "messy_csv": folder / "messy.csv",
        "messy_parquet": folder / "messy.parquet",
        "clean_csv": folder / "clean.csv",
    }
    pacsv.write_csv(messy, paths["messy_csv"], pacsv.WriteOptions(quoting_style="needed"))
    pq.write_table(messy, paths["messy_parquet"])
    clean = pa.table(
        {
            "file_id": pa.array(np.ones(n, dtype=np.int64)),
            "row_number": pa.array(index + 1),
            "campaign_id": pa.array([CAMPAIGN] * n),
            "order_id": pc.cast(pa.array(5770000000000000000 + index // 2), pa.string()),
            "line_id": line_id,
            "creator_id": creator,
            "order_time": utc,
            "status": pc.if_else(pa.array(returned), "returned", clean_status),
            "gmv_sen": pa.array(gmv_sen),
            "updated_at": pa.nulls(n, pa.timestamp("us", "UTC")),
            "source_status": pc.utf8_trim_whitespace(messy_status),
            # section 9 columns the seller export does not carry
            "product_id": pa.nulls(n, pa.string()),
            "content_type": pa.array(["UNKNOWN"] * n),  # what ingestion stores when the export has none
            "commission_sen": pa.array(np.zeros(n, dtype=np.int64)),
        }
    ).select(list(CLEAN_COLUMNS))  # the order the references load them in
    pacsv.write_csv(clean, paths["clean_csv"], pacsv.WriteOptions(include_header=False))
    return paths


# --------------------------------------------------------------------------- cases (each in its own process)


def _engine(kind: str, folder: Path):
    from sqlalchemy import text

    from creator_ops.warehouse.db import make_engine, upgrade

    if kind == "sqlite":
        db = folder / "bench_warehouse.db"
        for suffix in ("", "-wal", "-shm"):
            Path(str(db) + suffix).unlink(missing_ok=True)
        engine = make_engine(f"sqlite:///{db}")
    else:
        admin = make_engine(PG_URL.rsplit("/", 1)[0] + "/postgres")
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            name = PG_URL.rsplit("/", 1)[1]
            if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar():
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        base = make_engine(PG_URL)
        with base.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS bench CASCADE"))
            conn.execute(text("CREATE SCHEMA bench"))
        base.dispose()
        engine = make_engine(PG_URL + "?options=-csearch_path%3Dbench")
    upgrade(engine)
    return engine


def _register_clean_file(engine) -> None:
    from sqlalchemy import insert

    from creator_ops.warehouse.schema import ingested_files

    with engine.begin() as conn:
        conn.execute(
            insert(ingested_files).values(
                file_id=1,
                campaign_id=CAMPAIGN,
                dataset="orders",
                source_uri="clean.csv",
                sha256="0" * 64,
                size_bytes=0,
                status="accepted",
                rows_in=0,
                rows_accepted=0,
                rows_quarantined=0,
                ingested_at=dt.datetime.now(dt.UTC),
            )
        )


def run_case(case: str, folder: Path) -> dict:
    """Run one measured case in this process and return its figures."""
    kind, what = case.split(":")
    engine = _engine(kind, folder)
    if what == "reference":
        _register_clean_file(engine)
        clean = folder / "clean.csv"
        began = time.perf_counter()
        with engine.begin() as conn:
            raw = conn.connection.dbapi_connection
            cursor = raw.cursor()
            if kind == "postgresql":
                with clean.open("rb") as fh:
                    cursor.copy_expert(
                        f"COPY order_lines ({', '.join(CLEAN_COLUMNS)}) FROM STDIN WITH (FORMAT csv)", fh
                    )
            else:
                import csv

                with clean.open(newline="") as fh:
                    rows = [
                        tuple(r[i] if r[i] != "" else None for i in range(len(CLEAN_COLUMNS)))
                        for r in csv.reader(fh)
                    ]
                marks = ", ".join("?" for _ in CLEAN_COLUMNS)
                cursor.executemany(
                    f"INSERT INTO order_lines ({', '.join(CLEAN_COLUMNS)}) VALUES ({marks})", rows
                )
            cursor.close()
        seconds = time.perf_counter() - began
        rows_in = accepted = sum(1 for _ in clean.open("rb"))
        quarantined = 0
    elif what.endswith("-bucket"):
        seconds, outcome = _ingest_from_bucket(kind, what.removesuffix("-bucket"), folder, engine)
        rows_in, accepted, quarantined = outcome["rows_in"], outcome["accepted"], outcome["quarantined"]
    else:
        from creator_ops.core.spec import load_spec
        from creator_ops.core.steps import StepContext
        from creator_ops.steps.ingest import ingest_file

        landing = folder / f"landing_{kind}_{what}"
        os.environ["CREATOR_OPS_LANDING_ROOT"] = str(landing)
        target = landing / CAMPAIGN / "orders" / f"orders.{'csv' if what == 'csv' else 'parquet'}"
        target.parent.mkdir(parents=True, exist_ok=True)
        source = folder / f"messy.{'csv' if what == 'csv' else 'parquet'}"
        if not target.exists():
            os.link(source, target)
        archive = landing / CAMPAIGN / "_archive"
        if archive.exists():
            import shutil

            shutil.rmtree(archive)
        from creator_ops.core.ingest.landing import LandingArea

        now = dt.datetime(2026, 12, 12, 2, tzinfo=dt.UTC)
        ctx = StepContext(
            spec=load_spec(SPEC),
            spec_path=SPEC,
            run_id="bench",
            interval_start=now,
            interval_end=now,
            engine=engine,
        )
        began = time.perf_counter()
        outcome = ingest_file(ctx, "orders", target, LandingArea(str(landing), CAMPAIGN), b"bench-key")
        seconds = time.perf_counter() - began
        rows_in, accepted, quarantined = outcome["rows_in"], outcome["accepted"], outcome["quarantined"]
    engine.dispose()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "case": case,
        "seconds": round(seconds, 2),
        "rows_in": rows_in,
        "accepted": accepted,
        "quarantined": quarantined,
        "rows_per_s": int(rows_in / seconds) if seconds else None,
        "peak_mb": round(peak_mb),
    }


def _ingest_from_bucket(kind: str, what: str, folder: Path, engine) -> tuple[float, dict]:
    """Ingest the messy file landed in the loopback bucket (the upload is not timed); return seconds and outcome."""
    import creator_ops.airflow  # noqa: F401 - registers Airflow's ObjectStoragePath as the opener of s3:// roots
    from creator_ops.core.ingest.landing import LandingArea
    from creator_ops.core.spec import load_spec
    from creator_ops.core.steps import StepContext, landing_root_path
    from creator_ops.core.storage import object_key
    from creator_ops.steps.ingest import ingest_file

    os.environ["CREATOR_OPS_LANDING_ROOT"] = f"{os.environ['CREATOR_OPS_BENCH_BUCKET']}/landing_{kind}_{what}"
    root = landing_root_path()
    suffix = "csv" if what == "csv" else "parquet"
    target = root / CAMPAIGN / "orders" / f"orders.{suffix}"
    target.fs.put_file(str(folder / f"messy.{suffix}"), object_key(target))
    archive = root / CAMPAIGN / "_archive"
    if archive.exists():
        archive.fs.rm(object_key(archive), recursive=True)
    now = dt.datetime(2026, 12, 12, 2, tzinfo=dt.UTC)
    ctx = StepContext(spec=load_spec(SPEC), spec_path=SPEC, run_id="bench", interval_start=now, interval_end=now,
                      engine=engine, landing_path=root)  # fmt: skip
    area = LandingArea(root, CAMPAIGN)
    began = time.perf_counter()
    outcome = ingest_file(ctx, "orders", target, area, b"bench-key")
    seconds = time.perf_counter() - began
    area.close()
    return seconds, outcome


def review_first_byte(folder: Path, repeat: int) -> dict:
    """Median time to first byte of the review page over HTTP, its files in a local folder and in the bucket."""
    import contextlib
    import socket
    import statistics
    import threading

    home = folder / "airflow_review"
    os.environ.update(
        AIRFLOW_HOME=str(home), AIRFLOW__CORE__DAGS_FOLDER=str(ROOT / "dags"),
        AIRFLOW__CORE__PLUGINS_FOLDER=str(ROOT / "plugins"), AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"sqlite:///{home / 'airflow.db'}",
        AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS="False",
        AIRFLOW__API_AUTH__JWT_SECRET="bench-only-secret-" + "x" * 32,
    )  # fmt: skip
    home.mkdir(parents=True, exist_ok=True)
    sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "unit" / "review")]  # the tests' review builder
    import httpx
    import uvicorn
    from airflow.api_fastapi.app import create_app, get_auth_manager
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser
    from airflow.utils import db
    from review_builders import campaign_inputs, make_spec

    import creator_ops.airflow  # noqa: F401 - the s3:// opener
    from creator_ops.core.review import compute_review
    from creator_ops.core.review.render import write_review
    from creator_ops.core.storage import root_path

    db.resetdb()
    review = compute_review(make_spec(), campaign_inputs())
    roots = {"local": str(folder / "output"), "bucket": f"{os.environ['CREATOR_OPS_BENCH_BUCKET']}/output"}
    for root in roots.values():
        os.environ["CREATOR_OPS_OUTPUT_ROOT"] = root
        paths = write_review(review, root_path(root) / CAMPAIGN / "review")
    size = len(paths["html"].read_bytes())
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app = create_app()
    token = get_auth_manager().generate_jwt(SimpleAuthManagerUser(username="bench", role="viewer"))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    url = f"http://127.0.0.1:{port}/creator-ops/campaigns/{CAMPAIGN}/review"
    times: dict[str, list[float]] = {name: [] for name in roots}
    with contextlib.ExitStack() as stack:
        client = stack.enter_context(httpx.Client(cookies={"_token": token}, timeout=60))
        for i in range(repeat + 2):  # the first round warms up (imports, templates, the store's client)
            for name, root in roots.items():
                os.environ["CREATOR_OPS_OUTPUT_ROOT"] = root  # read per request: one server serves both
                began = time.perf_counter()
                with client.stream("GET", url) as response:
                    response.raise_for_status()
                    chunks = response.iter_bytes()
                    first = next(chunks)
                    elapsed = time.perf_counter() - began
                    body = first + b"".join(chunks)
                if i >= 2:
                    times[name].append(elapsed)
                assert len(body) == size, (name, len(body), size)
    server.should_exit = True
    thread.join(timeout=10)
    return {"size": size, **{name: statistics.median(values) for name, values in times.items()}}


def _child(case: str, folder: Path) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--case", case, "--dir", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise SystemExit(f"{case} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100,000 lines instead of 1,000,000")
    parser.add_argument("--n", type=int, help="number of order lines")
    parser.add_argument("--case", help=argparse.SUPPRESS)
    parser.add_argument("--dir", help=argparse.SUPPRESS)
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    args = parser.parse_args()
    if args.case == "review":
        print(json.dumps(review_first_byte(Path(args.dir), 20)))
        return
    if args.case:
        print(json.dumps(run_case(args.case, Path(args.dir))))
        return
    n = args.n or (100_000 if args.quick else 1_000_000)
    sizes = [n] if args.quick else [n // 4, n]
    engines = ["sqlite"] if args.no_postgres else ["postgresql", "sqlite"]
    print(f"cores: {os.cpu_count()}  lines: {', '.join(f'{s:,}' for s in sizes)}")
    from creator_ops.stand_ins.object_store import LoopbackS3

    bucket = LoopbackS3(buckets=("bench-ingest",)).start()  # its own process; stopped below
    os.environ.update(bucket.connection_env(), CREATOR_OPS_STORAGE_CONN_ID=bucket.conn_id,
                      CREATOR_OPS_BENCH_BUCKET=f"s3://{bucket.buckets[0]}")  # fmt: skip
    try:
        _measure(sizes, engines)
        with tempfile.TemporaryDirectory(prefix="bench_review_ttfb_") as tmp:
            r = _child("review", Path(tmp))
        print(f"\nReview page, time to first byte over HTTP (median of 20; review.html {r['size'] / 1e3:.0f} kB)")
        print(f"  from a local folder {r['local'] * 1e3:7.1f} ms")
        print(f"  from the bucket     {r['bucket'] * 1e3:7.1f} ms   x{r['bucket'] / r['local']:.2f} local")
    finally:
        bucket.stop()


def _measure(sizes: list[int], engines: list[str]) -> None:
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix="bench_ingest_") as tmp:
            folder = Path(tmp)
            began = time.perf_counter()
            generate(size, folder)
            print(
                f"\n{size:,} lines (input generated in {time.perf_counter() - began:.1f} s; messy.csv "
                f"{(folder / 'messy.csv').stat().st_size / 1e6:.0f} MB)"
            )
            cases = [f"{e}:{w}" for e in engines for w in ("reference", "csv", "csv-bucket", "parquet")]
            if size != sizes[-1]:  # the smaller size only checks linearity of the main path
                cases = [f"{e}:{w}" for e in engines for w in ("reference", "csv", "csv-bucket")]
            results = {c: _child(c, folder) for c in cases}
            print(
                f"{'case':<22}{'seconds':>9}{'rows/s':>11}{'x ref':>7}{'peak MB':>9}{'accepted':>10}{'quar.':>7}"
            )
            for case, r in results.items():
                ref = results[case.split(":")[0] + ":reference"]["seconds"]
                print(
                    f"{case:<22}{r['seconds']:>9.2f}{r['rows_per_s']:>11,}{r['seconds'] / ref:>7.2f}"
                    f"{r['peak_mb']:>9}{r['accepted']:>10,}{r['quarantined']:>7,}"
                )
            for engine in engines:
                local, bucket = results[f"{engine}:csv"], results[f"{engine}:csv-bucket"]
                assert (bucket["rows_in"], bucket["accepted"]) == (local["rows_in"], local["accepted"])
                print(f"{engine}: from the bucket x{bucket['seconds'] / local['seconds']:.2f} the local folder's time "
                      f"(same file, same rows accepted)")


if __name__ == "__main__":
    main()
