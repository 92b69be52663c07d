"""Payout engine benchmark: 1M and 10M order lines, beside one hand-written DuckDB query.

Generates seeded order lines (about 3% duplicated line versions, some without
updated_at, a mix of statuses and times around the event), enrollments and exclusions,
writes them to Parquet, then measures in fresh child processes (so peak memory is each
one's own):

- engine: `calculate_payouts` over the Parquet files (SPEC 5 rules 1-9, exact sen);
- reference: one hand-written DuckDB query over the same files doing the heavy part
  the same way (dedupe, eligibility, per-creator GMV and distinct orders), constants
  inlined, written the fastest way found (winner by input position, then a semi-join);
  its per-creator figures are checked against the engine's.

    .venv/bin/python bench/bench_payouts.py            # 1M and 10M lines
    .venv/bin/python bench/bench_payouts.py --quick    # 1M lines
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing as mp
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "plugins"))

SPEC = ROOT / "include" / "campaigns" / "my_1212_2026.yaml"
REFERENCE_SQL = """
WITH o AS (SELECT *, file_row_number AS rn FROM read_parquet('{orders}', file_row_number = true)),
w AS (
    SELECT CASE WHEN count(*) = count(updated_at)
                THEN arg_max(rn, CAST(epoch_us(updated_at) AS HUGEINT) * 4294967296 + rn)
                ELSE max(rn) END AS rn
    FROM o GROUP BY order_id, line_id
), e AS (
    SELECT creator_id FROM read_parquet('{enrollments}') GROUP BY creator_id
    HAVING min(registered_at) <= TIMESTAMPTZ '{closes}'
), per_order AS (
    SELECT creator_id, order_id, sum(gmv_sen) AS g
    FROM o SEMI JOIN w USING (rn)
    WHERE lower(trim(status)) IN ('completed', 'delivered', 'settled')
      AND order_time >= TIMESTAMPTZ '{start}' AND order_time < TIMESTAMPTZ '{end}'
    GROUP BY 1, 2
)
SELECT creator_id, CAST(sum(g) AS BIGINT) AS eligible_gmv_sen, count(*) AS eligible_orders
FROM per_order SEMI JOIN e USING (creator_id)
WHERE creator_id NOT IN (SELECT creator_id FROM read_parquet('{exclusions}'))
GROUP BY creator_id ORDER BY creator_id
"""


def generate(lines: int, folder: Path, seed: int = 20261212) -> dict[str, Path]:
    """Write seeded orders/enrollments/exclusions Parquet files for the 12.12 demo campaign."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    from creator_ops.core.spec import load_spec

    spec = load_spec(SPEC)
    rng = np.random.default_rng(seed)
    creators = max(1000, lines // 200)
    start_us = int(spec.timeline.event_start.timestamp() * 1_000_000)
    day_us = 86_400 * 1_000_000

    base = int(lines * 0.97)
    order_no = np.repeat(np.arange(base // 2 + 1), 2)[:base]  # two lines per order on average
    line_no = np.tile(np.array([1, 2]), base // 2 + 1)[:base]
    dup_idx = rng.integers(0, base, lines - base)  # later versions of existing lines
    order_no = np.concatenate([order_no, order_no[dup_idx]])
    line_no = np.concatenate([line_no, line_no[dup_idx]])
    creator_no = rng.integers(0, creators, base)
    creator_no = np.concatenate([creator_no, creator_no[dup_idx]])
    times = start_us + rng.integers(-day_us // 2, day_us + day_us // 2, lines)
    statuses = np.array(["completed", "COMPLETED", "cancelled", "delivered", "processing", " Settled "])
    status = statuses[rng.choice(len(statuses), lines, p=[0.45, 0.1, 0.15, 0.15, 0.1, 0.05])]
    gmv = rng.integers(100, 50_000, lines)  # RM1.00 .. RM500.00
    updated = times + rng.integers(0, day_us, lines)
    updated_mask = rng.random(lines) < 0.1  # 10% without updated_at
    ts = pa.timestamp("us", tz="UTC")
    orders = pa.table(
        {
            "order_id": pa.array(np.char.add("O", order_no.astype(str))),
            "line_id": pa.array(line_no.astype(str)),
            "creator_id": pa.array(np.char.add("c", creator_no.astype(str))),
            "order_time": pa.array(times, ts),
            "status": pa.array(status),
            "gmv_sen": pa.array(gmv, pa.int64()),
            "updated_at": pa.array(updated, ts, mask=updated_mask),
            "row_number": pa.array(np.arange(1, lines + 1), pa.int64()),
        }
    )
    enrolled = rng.choice(creators, int(creators * 0.9), replace=False)
    closes_us = int(spec.timeline.registration_closes.timestamp() * 1_000_000)
    enrollments = pa.table(
        {
            "creator_id": pa.array(np.char.add("c", enrolled.astype(str))),
            "registered_at": pa.array(closes_us - rng.integers(-day_us, 10 * day_us, len(enrolled)), ts),
            "is_new_creator": pa.array(rng.random(len(enrolled)) < 0.3),
            "row_number": pa.array(np.arange(1, len(enrolled) + 1), pa.int64()),
        }
    )
    excluded = rng.choice(creators, creators // 100, replace=False)
    exclusions = pa.table(
        {"creator_id": pa.array(np.char.add("c", excluded.astype(str))), "reason": ["fraud"] * len(excluded)}
    )
    paths = {name: folder / f"{name}.parquet" for name in ("orders", "enrollments", "exclusions")}
    pq.write_table(orders, paths["orders"], row_group_size=1_000_000)
    pq.write_table(enrollments, paths["enrollments"])
    pq.write_table(exclusions, paths["exclusions"])
    return paths


def _peak_mb() -> float:
    """Peak resident memory of this process (VmHWM restarts at exec, unlike ru_maxrss on Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _generate_in_child(lines: int, folder: Path, queue: mp.Queue) -> None:
    began = time.perf_counter()
    paths = generate(lines, folder)
    queue.put({"paths": paths, "seconds": time.perf_counter() - began})


def _run_engine(paths: dict[str, Path], queue: mp.Queue) -> None:
    from creator_ops.core.payouts import calculate_for_spec
    from creator_ops.core.spec import load_spec

    spec = load_spec(SPEC)
    began = time.perf_counter()
    result = calculate_for_spec(spec, str(paths["orders"]), str(paths["enrollments"]), str(paths["exclusions"]))
    seconds = time.perf_counter() - began
    figures = sorted(
        zip(
            result.table["creator_id"].to_pylist(),
            result.table["eligible_gmv_sen"].to_pylist(),
            result.table["eligible_orders"].to_pylist(),
            strict=True,
        )
    )
    queue.put({"seconds": seconds, "peak_mb": _peak_mb(), "figures": figures, "summary": result.summary()})


def _run_reference(paths: dict[str, Path], queue: mp.Queue) -> None:
    import duckdb

    from creator_ops.core.spec import load_spec

    t = load_spec(SPEC).timeline
    sql = REFERENCE_SQL.format(
        orders=paths["orders"],
        enrollments=paths["enrollments"],
        exclusions=paths["exclusions"],
        start=t.event_start.astimezone(dt.UTC).isoformat(),
        end=t.event_end.astimezone(dt.UTC).isoformat(),
        closes=t.registration_closes.astimezone(dt.UTC).isoformat(),
    )
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    began = time.perf_counter()
    rows = con.sql(sql).fetchall()
    seconds = time.perf_counter() - began
    queue.put({"seconds": seconds, "peak_mb": _peak_mb(), "figures": sorted(rows)})


def _measure(target, *args) -> dict:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    process = ctx.Process(target=target, args=(*args, queue))
    process.start()
    result = queue.get()
    process.join()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="1M lines only")
    parser.add_argument("--repeat", type=int, default=2, help="runs per measurement (best is reported)")
    args = parser.parse_args()
    sizes = [1_000_000] if args.quick else [1_000_000, 10_000_000]
    work = Path(tempfile.mkdtemp(prefix="bench_payouts_"))
    try:
        print(f"{'lines':>11} | {'engine s':>9} {'peak MB':>8} | {'reference s':>11} {'peak MB':>8} | ratio")
        for lines in sizes:
            folder = work / str(lines)
            folder.mkdir()
            made = _measure(_generate_in_child, lines, folder)  # keeps this process small
            paths, generated = made["paths"], made["seconds"]
            engine = min((_measure(_run_engine, paths) for _ in range(args.repeat)), key=lambda r: r["seconds"])
            reference = min((_measure(_run_reference, paths) for _ in range(args.repeat)), key=lambda r: r["seconds"])
            if engine["figures"] != reference["figures"]:
                print(f"MISMATCH at {lines} lines: engine and reference disagree on per-creator figures")
                return 1
            ratio = engine["seconds"] / reference["seconds"]
            print(
                f"{lines:>11,} | {engine['seconds']:>9.2f} {engine['peak_mb']:>8.0f} | "
                f"{reference['seconds']:>11.2f} {reference['peak_mb']:>8.0f} | {ratio:.2f}x"
                f"   (data generated in {generated:.1f} s; {engine['summary']['creators_eligible']:,} creators,"
                f" total RM {engine['summary']['total_myr']}, scaled={engine['summary']['scaled']})"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
