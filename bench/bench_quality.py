"""Benchmark: the orders suite (Great Expectations) on 1M order lines, beside the same checks in pandas.

Both run in this process on the same frame (seeded demo orders). The pandas reference
computes the very checks of `include/expectations/orders.json` as vectorized
expressions; the ratio GX / pandas is the figure to watch (target: within 3x).
Run: `.venv/bin/python bench/bench_quality.py [--quick] [--lines N] [--repeat K]`.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "plugins"))


def pandas_checks(frame, params: dict) -> dict[str, bool]:
    """The orders suite's checks, written directly in vectorized pandas."""
    import pandas as pd

    status_set = ["completed", "delivered", "settled", "cancelled", "returned", "pending", "processing", "frozen",
                  "deducted", "ineligible", "refunded"]  # fmt: skip
    keys = frame[["order_id", "line_id", "updated_at"]].dropna()
    both = frame["updated_at"].notna() & frame["order_time"].notna()
    return {
        "batch_not_empty": len(frame) >= 1,
        **{f"{c}_present": bool(frame[c].notna().all()) for c in
           ("order_id", "line_id", "creator_id", "order_time", "status", "gmv_sen")},  # fmt: skip
        "creator_id_normalized": bool(frame["creator_id"].dropna().str.match(r"^[a-z0-9._-]+$").all()),
        "no_exact_resends": not keys.duplicated(keep=False).any(),
        "status_known": bool(frame["status"].dropna().isin(status_set).all()),
        "gmv_plausible": bool(frame["gmv_sen"].dropna().between(0, params["max_gmv_per_line_sen"]).all()),
        "order_time_near_event": bool(
            frame["order_time"]
            .dropna()
            .between(pd.Timestamp(params["order_window_start"]), pd.Timestamp(params["order_window_end"]))
            .all()
        ),
        "updated_after_created": bool((frame.loc[both, "updated_at"] >= frame.loc[both, "order_time"]).all()),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100k lines instead of 1M")
    parser.add_argument("--lines", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    lines = args.lines or (100_000 if args.quick else 1_000_000)

    from creator_ops.core.quality import run_suite, suite_parameters
    from creator_ops.core.spec import load_spec
    from creator_ops.demo.data import generate_orders

    spec = load_spec(ROOT / "include" / "campaigns" / "my_1212_2026.yaml")
    t0 = time.perf_counter()
    frame = generate_orders(spec, lines, seed=42, defects=False)
    print(f"generated {len(frame):,} order lines in {time.perf_counter() - t0:.2f} s")
    params = suite_parameters(spec)

    t0 = time.perf_counter()
    run_suite("orders", frame.head(1_000), params)  # GX import and context: a once-per-process cost
    print(f"GX import + context + warm-up: {time.perf_counter() - t0:.2f} s (once per task process)")

    gx_times, pd_times = [], []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        report = run_suite("orders", frame, params)
        gx_times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        checks = pandas_checks(frame, params)
        pd_times.append(time.perf_counter() - t0)
    agree = report.passed == all(checks.values())
    gx_best, pd_best = min(gx_times), min(pd_times)
    print(f"rows: {len(frame):,}   expectations: {report.evaluated}   both passed: {report.passed and agree}")
    print(f"Great Expectations (SUMMARY): best {gx_best:.2f} s of {args.repeat}  ({len(frame) / gx_best:,.0f} rows/s)")
    print(f"vectorized pandas reference:  best {pd_best:.2f} s of {args.repeat}  ({len(frame) / pd_best:,.0f} rows/s)")
    print(f"ratio GX / pandas: {gx_best / pd_best:.2f}x (target <= 3x)")
    return 0 if agree else 1


if __name__ == "__main__":
    raise SystemExit(main())
