"""Benchmark: the orders suite (Great Expectations) on 1M order lines, beside the same checks in pandas.

Both run in this process on the same frames (seeded demo orders): a clean batch, and the
same batch with a few hundred broken lines (unknown status, GMV above the cap, an order
far from the event, a creator id not normalized). The pandas reference computes the very
checks of `include/expectations/orders.json` as vectorized expressions with GX's
semantics (nulls skipped by value checks, inclusive bounds, rows with a missing key
ignored by the compound-uniqueness and column-pair checks) and, like the quality stage,
the unexpected count and the first offending rows of every check that fails. Both sides
must agree on which checks fail and on every unexpected count, or the run exits 1.
The ratio GX / pandas is the figure to watch (target: within 3x).
`--naive` also times plain `batch.validate` with SUMMARY on every expectation and GX's
data fingerprint on (how the stage validated before), for comparison.
Run: `.venv/bin/python bench/bench_quality.py [--quick] [--lines N] [--repeat K] [--naive]`.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "plugins"))

SAMPLE_ROWS = 5
STATUS_SET = ["completed", "delivered", "settled", "cancelled", "returned", "pending", "processing", "frozen",
              "deducted", "ineligible", "refunded"]  # fmt: skip
KEY_COLUMNS = ("order_id", "line_id", "creator_id", "order_time", "status", "gmv_sen")


def pandas_checks(frame, params: dict) -> dict[str, dict[str, Any]]:
    """The orders suite's checks in vectorized pandas: per check, passed, unexpected count and sample rows."""
    import pandas as pd

    frame = frame.reset_index(drop=True)
    present = {c: frame[c].notna() for c in frame.columns}
    resend_keys = present["order_id"] & present["line_id"] & present["updated_at"]
    both_times = present["updated_at"] & present["order_time"]
    window = (pd.Timestamp(params["order_window_start"]), pd.Timestamp(params["order_window_end"]))
    unexpected = {
        **{f"{c}_present": ~present[c] for c in KEY_COLUMNS},
        "creator_id_normalized": present["creator_id"]
        & ~frame["creator_id"].str.contains(r"^[a-z0-9._-]+$", regex=True, na=True),
        "no_exact_resends": frame.loc[resend_keys, ["order_id", "line_id", "updated_at"]]
        .duplicated(keep=False)
        .reindex(frame.index, fill_value=False),
        "status_known": present["status"] & ~frame["status"].isin(STATUS_SET),
        "gmv_plausible": present["gmv_sen"] & ~frame["gmv_sen"].between(0, params["max_gmv_per_line_sen"]),
        "order_time_near_event": present["order_time"] & ~frame["order_time"].between(*window),
        "updated_after_created": both_times & ~(frame["updated_at"] >= frame["order_time"]),
    }
    results = {"batch_not_empty": {"passed": len(frame) >= 1, "unexpected_count": None, "sample": []}}
    for name, mask in unexpected.items():
        count = int(mask.sum())
        sample = frame.index[mask][:SAMPLE_ROWS].tolist() if count else []
        results[name] = {"passed": count == 0, "unexpected_count": count, "sample": sample}
    return results


def break_lines(frame, params: dict, every: int = 4_000):
    """Return a copy with a few hundred lines broken the ways the suite guards against (dtypes kept)."""
    import pandas as pd

    broken = frame.copy()
    rows = broken.index[::every]
    broken.loc[rows[0::4], "status"] = "shipped?"
    broken.loc[rows[1::4], "gmv_sen"] = params["max_gmv_per_line_sen"] + 1
    broken.loc[rows[2::4], "order_time"] = pd.Timestamp("2026-01-01T00:00:00Z")
    broken.loc[rows[3::4], "creator_id"] = "@Not.Normalized "
    return broken


def agreement(report, checks: dict[str, dict[str, Any]]) -> list[str]:
    """Return the differences between the GX report and the pandas reference (none when they agree)."""
    problems = []
    gx_failed = {f.name: f.unexpected_count for f in report.failed}
    pd_failed = {name: c["unexpected_count"] for name, c in checks.items() if not c["passed"]}
    if set(gx_failed) != set(pd_failed):
        problems.append(f"failed checks differ: GX {sorted(gx_failed)} vs pandas {sorted(pd_failed)}")
    problems += [
        f"{name}: GX counts {gx_failed[name]} unexpected, pandas {count}"
        for name, count in pd_failed.items()
        if name in gx_failed and gx_failed[name] != count
    ]
    if report.evaluated != len(checks):
        problems.append(f"GX evaluated {report.evaluated} expectations, pandas {len(checks)} checks")
    return problems


def best_of_interleaved(repeat: int, *calls) -> list[tuple[float, Any]]:
    """Run the calls in turn `repeat` times (so load from other processes hits both alike).

    Return per call the best wall time and its last result.
    """
    best: list[float] = [float("inf")] * len(calls)
    results: list[Any] = [None] * len(calls)
    for _ in range(repeat):
        for i, call in enumerate(calls):
            t0 = time.perf_counter()
            results[i] = call()
            best[i] = min(best[i], time.perf_counter() - t0)
    return list(zip(best, results, strict=True))


def naive_validate(frame, params: dict) -> float:
    """Time the stage's former way: batch.validate, SUMMARY on every expectation, fingerprint on."""
    from great_expectations.execution_engine import pandas_execution_engine

    from creator_ops.core import quality

    threshold = pandas_execution_engine.HASH_THRESHOLD
    pandas_execution_engine.HASH_THRESHOLD = 1e9  # GX's default
    try:
        t0 = time.perf_counter()
        batch = quality._batch_definition("orders").get_batch(batch_parameters={"dataframe": frame})
        batch.validate(
            quality._suite("orders"), result_format=quality.RESULT_FORMAT, expectation_parameters=params
        )
        return time.perf_counter() - t0
    finally:
        pandas_execution_engine.HASH_THRESHOLD = threshold


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100k lines instead of 1M")
    parser.add_argument("--lines", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--naive", action="store_true", help="also time plain batch.validate with SUMMARY")
    args = parser.parse_args()
    lines = args.lines or (100_000 if args.quick else 1_000_000)

    from creator_ops.core.quality import run_suite, suite_parameters
    from creator_ops.core.spec import load_spec
    from creator_ops.stand_ins.data import generate_orders

    spec = load_spec(ROOT / "include" / "campaigns" / "my_1212_2026.yaml")
    params = suite_parameters(spec)
    t0 = time.perf_counter()
    clean = generate_orders(spec, lines, seed=42, defects=False)
    broken = break_lines(clean, params)
    print(f"generated {len(clean):,} order lines in {time.perf_counter() - t0:.2f} s")
    print("dtypes GX gets: " + ", ".join(f"{c} {t}" for c, t in clean.dtypes.astype(str).items()))

    t0 = time.perf_counter()
    run_suite("orders", clean.head(1_000), params)  # GX import and context: a once-per-process cost
    print(f"GX import + context + warm-up: {time.perf_counter() - t0:.2f} s (once per task process)")

    disagreements = []
    for label, frame in (("clean batch", clean), ("broken batch", broken)):
        (gx_best, report), (pd_best, checks) = best_of_interleaved(
            args.repeat,
            lambda f=frame: run_suite("orders", f, params),
            lambda f=frame: pandas_checks(f, params),
        )
        problems = agreement(report, checks)
        disagreements += problems
        failed = ", ".join(f"{f.name}={f.unexpected_count}" for f in report.failed) or "none"
        print(f"\n{label}: {len(frame):,} rows, {report.evaluated} expectations, failed: {failed}")
        print(f"  GX (BOOLEAN_ONLY, SUMMARY on failures): best {gx_best:.2f} s of {args.repeat}"
              f"  ({len(frame) / gx_best:,.0f} rows/s)")  # fmt: skip
        print(f"  vectorized pandas reference:          best {pd_best:.2f} s of {args.repeat}"
              f"  ({len(frame) / pd_best:,.0f} rows/s)")  # fmt: skip
        print(f"  ratio GX / pandas: {gx_best / pd_best:.2f}x (target <= 3x)   agree: {not problems}")
        if args.naive:
            naive = min(naive_validate(frame, params) for _ in range(args.repeat))
            print(
                f"  plain batch.validate, SUMMARY, fingerprint: best {naive:.2f} s ({naive / pd_best:.2f}x)"
            )
        for problem in problems:
            print(f"  DISAGREEMENT {problem}")
    return 1 if disagreements else 0


if __name__ == "__main__":
    raise SystemExit(main())
