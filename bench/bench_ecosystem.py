"""Ecosystem benchmark (SPEC section 13): 24 campaigns, 50,000 distinct creators, 20M order lines in all.

A SQLite warehouse is filled with 24 settled campaigns of mixed types (payday, scd,
linkshare, double-digit; one a month), each enrolling a seeded subset of one pool of
50,000 creators, with order lines in and around each event (duplicate line versions,
mixed statuses), exclusions and samples. Then, each in a fresh child process (so peak
memory is each one's own):

- reference: the payout engine over the same lines, as the payouts step runs it, for
  every campaign: `load_warehouse_inputs` then `calculate_payouts` (run before the ecosystem,
  to warm the page cache, and after it; the ratio is against the second run). The first run
  also stores each campaign's result as `payouts.calculate` does (rule 2's enrolled set and
  the result rows, `warehouse.payout_results`), timed apart: that is what the ecosystem reads;
- ecosystem: `steps.ecosystem.build_ecosystem`, end to end from the warehouse to the files
  (every campaign's stored result and samples, the figures, ecosystem.json, creators.csv,
  ecosystem.html, history.json; the engine does not run).

Targets: the ecosystem at most 1.5x the reference, at most 2 GB peak (it reads stored results:
a small fraction of the engine).

    .venv/bin/python bench/bench_ecosystem.py                 # 20M lines (the target size)
    .venv/bin/python bench/bench_ecosystem.py --lines 2000000 # a scaled run
    .venv/bin/python bench/bench_ecosystem.py --quick         # 240,000 lines
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing as mp
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_payouts import _peak_mb

CAMPAIGNS = 24
CREATORS = 50_000
TYPES = ("payday", "scd", "linkshare", "double_digit")
STATUSES = ("completed", "COMPLETED", "cancelled", "delivered", "processing", " Settled ")
STATUS_P = (0.45, 0.1, 0.15, 0.15, 0.1, 0.05)


def campaign_specs(n: int):
    """Return `n` specs, one a month from January 2025, types in turn (double-digit on day = month)."""
    from creator_ops.core.spec import parse_spec

    specs = []
    for k in range(n):
        year, month = 2025 + k // 12, k % 12 + 1
        kind = TYPES[k % len(TYPES)]
        day = {"payday": 25, "scd": 15, "linkshare": 5, "double_digit": month}[kind]
        specs.append(
            parse_spec(
                {
                    "id": f"bench_{year}_{month:02d}_{kind}",
                    "name": f"Bench {kind} {year}-{month:02d}",
                    "type": kind,
                    "timeline": {"event_start": dt.date(year, month, day)},
                    "incentives": {
                        "budget_myr": 100000,
                        "tiers": [{"min_gmv_myr": 1000, "bonus_myr": 50}, {"min_gmv_myr": 5000, "bonus_myr": 300}],
                        "commission_bonus": {"rate": "0.02", "cap_myr": 500},
                        "new_creator_bonus_myr": 20,
                        "leaderboard": {"prizes_myr": [5000, 3000, 2000]},
                    },
                },
                f"bench_{k}.yaml",
            )
        )
    return specs


def fill_warehouse(url: str, total_lines: int, seed: int = 13) -> dict:
    """Fill the warehouse with the benchmark's campaigns; return counts."""
    import numpy as np
    import pyarrow as pa

    from creator_ops.warehouse.bulk import bulk_insert
    from creator_ops.warehouse.db import make_engine, upgrade
    from creator_ops.warehouse.schema import (
        campaign_runs,
        campaigns,
        enrollments,
        exclusions,
        ingested_files,
        order_lines,
        samples,
    )

    engine = make_engine(url)
    upgrade(engine)
    rng = np.random.default_rng(seed)
    pool = np.char.add("creator_", np.arange(CREATORS).astype(str))
    specs = campaign_specs(CAMPAIGNS)
    per = total_lines // CAMPAIGNS
    ts = pa.timestamp("us", tz="UTC")
    now = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
    day_us = 86_400 * 1_000_000
    enrolled_total = 0
    for k, spec in enumerate(specs):
        t = spec.timeline
        start_us = int(t.event_start.timestamp() * 1_000_000)
        length_us = int((t.event_end - t.event_start).total_seconds() * 1_000_000)
        closes_us = int(t.registration_closes.timestamp() * 1_000_000)
        chosen = rng.choice(CREATORS, int(CREATORS * rng.uniform(0.3, 0.5)), replace=False)
        enrolled_total += len(chosen)
        base = int(per * 0.97)
        order_no = np.repeat(np.arange(base // 2 + 1), 2)[:base]
        line_no = np.tile(np.array([1, 2]), base // 2 + 1)[:base]
        dup = rng.integers(0, base, per - base)
        order_no, line_no = np.concatenate([order_no, order_no[dup]]), np.concatenate([line_no, line_no[dup]])
        sellers = np.concatenate([chosen, rng.choice(CREATORS, max(1, len(chosen) // 20))])  # a few not enrolled
        creator = rng.choice(sellers, base)
        creator = np.concatenate([creator, creator[dup]])
        times = start_us + rng.integers(-length_us // 4, length_us + length_us // 4, per)
        status = np.array(STATUSES)[rng.choice(len(STATUSES), per, p=STATUS_P)]
        updated = times + rng.integers(0, day_us, per)
        with engine.begin() as conn:
            conn.execute(campaigns.insert().values(campaign_id=spec.id, name=spec.name, campaign_type=spec.type,
                                                   spec_sha256="0" * 64, spec_json=spec.model_dump_json(),
                                                   updated_at=now))  # fmt: skip
            conn.execute(campaign_runs.insert().values(campaign_id=spec.id, run_id="bench_settlement",
                                                       phase="settlement", interval_start=t.settlement_date,
                                                       interval_end=t.settlement_date + dt.timedelta(days=1),
                                                       updated_at=now))  # fmt: skip
            file_ids = {}
            for offset, dataset in enumerate(("orders", "enrollments", "samples")):
                file_id = 3 * k + offset + 1
                file_ids[dataset] = file_id
                conn.execute(ingested_files.insert().values(file_id=file_id, campaign_id=spec.id, dataset=dataset,
                                                            source_uri=f"bench://{spec.id}/{dataset}",
                                                            sha256=f"{file_id:064d}", size_bytes=0, status="accepted",
                                                            rows_in=0, rows_accepted=0, rows_quarantined=0,
                                                            ingested_at=now))  # fmt: skip
            bulk_insert(
                conn,
                order_lines,
                pa.table(
                    {
                        "row_number": pa.array(np.arange(1, per + 1), pa.int64()),
                        "order_id": pa.array(np.char.add(f"O{k}_", order_no.astype(str))),
                        "line_id": pa.array(line_no.astype(str)),
                        "creator_id": pa.array(pool[creator]),
                        "order_time": pa.array(times, ts),
                        "status": pa.array(status),
                        "gmv_sen": pa.array(rng.integers(100, 50_000, per), pa.int64()),
                        "updated_at": pa.array(updated, ts, mask=rng.random(per) < 0.1),
                        "content_type": pa.array(["VIDEO"] * per),
                        "commission_sen": pa.array(np.zeros(per, np.int64)),
                    }
                ),
                {"file_id": file_ids["orders"], "campaign_id": spec.id},
            )
            registered = closes_us - rng.integers(-day_us // 2, 10 * day_us, len(chosen))  # ~5 % late
            bulk_insert(
                conn,
                enrollments,
                pa.table(
                    {
                        "row_number": pa.array(np.arange(1, len(chosen) + 1), pa.int64()),
                        "creator_id": pa.array(pool[chosen]),
                        "registered_at": pa.array(registered, ts),
                        "is_new_creator": pa.array(rng.random(len(chosen)) < 0.3),
                    }
                ),
                {"file_id": file_ids["enrollments"], "campaign_id": spec.id},
            )
            sampled = rng.choice(chosen, len(chosen) // 10, replace=False)
            bulk_insert(
                conn,
                samples,
                pa.table(
                    {
                        "row_number": pa.array(np.arange(1, len(sampled) + 1), pa.int64()),
                        "sample_id": pa.array(np.char.add(f"S{k}_", np.arange(len(sampled)).astype(str))),
                        "creator_id": pa.array(pool[sampled]),
                        "product_id": pa.array(["p1"] * len(sampled)),
                        "requested_at": pa.array(np.full(len(sampled), closes_us - 5 * day_us), ts),
                        "status": pa.array(np.array(["SHIPPED", "COMPLETED", "CANCELLED"])[
                            rng.integers(0, 3, len(sampled))]),  # fmt: skip
                    }
                ),
                {"file_id": file_ids["samples"], "campaign_id": spec.id},
            )
            excluded = rng.choice(chosen, max(1, len(chosen) // 100), replace=False)
            barred = pa.table({"creator_id": pa.array(pool[excluded]), "reason": ["fraud"] * len(excluded)})
            bulk_insert(conn, exclusions, barred, {"campaign_id": spec.id})
    engine.dispose()
    return {"lines": per * CAMPAIGNS, "campaigns": CAMPAIGNS, "enrollments": enrolled_total}


def _fill(url: str, lines: int, queue) -> None:
    began = time.perf_counter()
    counts = fill_warehouse(url, lines)
    queue.put({**counts, "seconds": time.perf_counter() - began})


def _reference(url: str, store: bool, queue) -> None:
    from creator_ops.core.ecosystem import enrolled_creators
    from creator_ops.core.payouts import PayoutRules, calculate_payouts
    from creator_ops.warehouse.db import make_engine
    from creator_ops.warehouse.ecosystem import recorded_campaigns
    from creator_ops.warehouse.payout_inputs import load_warehouse_inputs
    from creator_ops.warehouse.payout_results import store_result

    engine = make_engine(url)
    began = time.perf_counter()
    sellers = {}
    storing = 0.0
    for spec in recorded_campaigns(engine):
        inputs = load_warehouse_inputs(engine, spec.id)
        result = calculate_payouts(PayoutRules.from_spec(spec), inputs.orders, inputs.enrollments, inputs.exclusions)
        sellers[spec.id] = result.creators
        if store:  # what payouts.calculate stores beside the ledger (the ecosystem reads it)
            stored = time.perf_counter()
            enrolled = enrolled_creators(result.rules, inputs.enrollments)
            store_result(engine, spec.id, result.table, enrolled, calculation_id=None, run_id="bench",
                         spec_sha256="0" * 64, inputs_sha256=inputs.inputs_sha256)  # fmt: skip
            storing += time.perf_counter() - stored
    seconds = time.perf_counter() - began - storing
    queue.put({"seconds": seconds, "storing": storing, "peak_mb": _peak_mb(), "sellers": sellers})


def _ecosystem(url: str, out: str, queue) -> None:
    import json

    from creator_ops.steps.ecosystem import build_ecosystem
    from creator_ops.warehouse.db import make_engine

    engine = make_engine(url)
    began = time.perf_counter()
    summary = build_ecosystem(engine, Path(out))
    seconds = time.perf_counter() - began
    data = json.loads((Path(out) / "ecosystem.json").read_text(encoding="utf-8"))
    sellers = {cid: row["selling"] for cid, row in data["selling_growth"].items()}
    sizes = {p.name: p.stat().st_size for p in Path(out).iterdir()}
    queue.put({"seconds": seconds, "peak_mb": _peak_mb(), "sellers": sellers, "creators": summary["creators"],
               "sizes": sizes})  # fmt: skip


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
    parser.add_argument("--lines", type=int, default=20_000_000, help="order lines in all (default 20M)")
    parser.add_argument("--quick", action="store_true", help="240,000 lines")
    args = parser.parse_args()
    lines = 240_000 if args.quick else args.lines
    folder = Path(tempfile.mkdtemp(prefix="bench_ecosystem_"))
    try:
        url = f"sqlite:///{folder / 'warehouse.db'}"
        filled = _measure(_fill, url, lines)
        scaled = "" if lines == 20_000_000 else f" (SCALED: {lines:,} of the target 20,000,000 lines)"
        print(f"warehouse: {filled['campaigns']} campaigns, {CREATORS:,} creators, {filled['lines']:,} order lines, "
              f"{filled['enrollments']:,} enrollments, filled in {filled['seconds']:.1f} s{scaled}")  # fmt: skip
        # the first pass reads the warehouse file from disk, later ones from the page cache: the reference
        # runs before and after the ecosystem, and the ratio is taken against the later (warm) one
        cold = _measure(_reference, url, True)
        eco = _measure(_ecosystem, url, str(folder / "out"))
        reference = _measure(_reference, url, False)
        assert eco["sellers"] == reference["sellers"] == cold["sellers"], "selling creators are not the payout rows"
        ratio = eco["seconds"] / reference["seconds"]
        print(f"reference  payout engine over every campaign (warehouse read + engine): {reference['seconds']:7.1f} s, "
              f"peak {reference['peak_mb']:,.0f} MB (first, cold pass: {cold['seconds']:.1f} s)")  # fmt: skip
        print(f"storing    the results payouts.calculate stores (enrolled set + result rows), every campaign: "
              f"{cold['storing']:7.1f} s")  # fmt: skip
        print(f"ecosystem  warehouse to ecosystem.json, creators.csv, ecosystem.html:   {eco['seconds']:7.1f} s, "
              f"peak {eco['peak_mb']:,.0f} MB, {eco['creators']:,} creators in the scorecard")  # fmt: skip
        sizes = ", ".join(f"{k} {v / 1e6:.1f} MB" for k, v in sorted(eco["sizes"].items()))
        print(f"ratio      ecosystem / payout engine: {ratio:.2f}x (target <= 1.5x); "
              f"peak {eco['peak_mb'] / 1024:.2f} GB (target <= 2 GB); files: {sizes}")  # fmt: skip
        print("selling creators per campaign agree with the payout engine's result rows: yes")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
