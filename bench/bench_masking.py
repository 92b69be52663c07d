"""Benchmark: what the one masking function costs ingestion, as a ratio to the same read without it.

    .venv/bin/python bench/bench_masking.py            # 500,000 order lines
    .venv/bin/python bench/bench_masking.py --n 100000

The file is the affiliate center's order export (seeded): 18-digit order ids, SKU ids,
creator usernames, timestamps, statuses, amounts, and a free-text remark column; 1 row in
`--pii-every` has a phone number or e-mail address typed into its creator id or remark. The
reference is the same `read_dataset` in the same process with masking switched off (the
reader's `mask_array` replaced by the identity), so the ratio is the masking's own cost.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "plugins"))

from creator_ops.core.ingest import read_dataset, reader  # noqa: E402 - after the path set-up

HEADER = "Order ID,SKU ID,Creator Username,Time Created,Order Status,Payment Amount,Remark\n"


def write_orders(path: Path, n: int, pii_every: int, seed: int = 14) -> None:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as out:
        out.write(HEADER)
        for i in range(n):
            creator = f"creator_{rng.randrange(50_000)}"
            remark = rng.choice(["", "ok", "late delivery", "gift wrap", "COD"])
            if i % pii_every == 0:
                if rng.random() < 0.5:
                    creator = f"01{rng.randrange(10)}-{rng.randrange(1000, 9999)} {rng.randrange(1000, 9999)}"
                else:
                    remark = f"call me at user{i}@example.com"
            out.write(
                f"5770{i:014d},{1700000 + i % 9000},{creator},2026-12-12 {i % 24:02d}:{i % 60:02d}:00,"
                f"COMPLETED,RM{rng.randrange(1, 99999) / 100:.2f},{remark}\n"
            )


def timed(path: Path, key: bytes, repeats: int = 3) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = read_dataset(path, "orders", pii_key=key)
        best = min(best, time.perf_counter() - t0)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=500_000)
    parser.add_argument("--pii-every", type=int, default=200)
    args = parser.parse_args()
    key = b"bench-key"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "orders.csv"
        write_orders(path, args.n, args.pii_every)
        masked_s, masked = timed(path, key)
        original = reader.mask_array
        reader.mask_array = lambda column, _key=None: column  # the reference: no masking
        try:
            plain_s, plain = timed(path, key)
        finally:
            reader.mask_array = original
    leaked = sum((v or "").startswith("01") for v in plain.accepted_table.column("creator_id").to_pylist())
    hidden = sum((v or "").startswith("[phone:") for v in masked.accepted_table.column("creator_id").to_pylist())
    print(f"{args.n:,} order lines, PII typed into 1 row in {args.pii_every}")
    print(f"read without masking (reference): {plain_s:6.2f} s  = 1.00")
    print(f"read with masking:                {masked_s:6.2f} s  = {masked_s / plain_s:.2f}x the reference")
    print(f"creator ids that are phone numbers: {leaked:,} in clear without masking, {hidden:,} as tokens with it")
    hostile_cells()


def hostile_cells() -> None:
    """Time `mask_pii` on 9 KB cells built to make an e-mail pattern backtrack, against a plain 9 KB cell."""
    from creator_ops.core.masking import mask_pii

    def best(text: str) -> float:
        out = float("inf")
        for i in range(3):
            t0 = time.perf_counter()
            mask_pii(text + " " * i)  # a new string each time: past the cache
            out = min(out, time.perf_counter() - t0)
        return out

    plain = best("ok " * 3000 + "call 012-345 6789")
    for name, cell in (
        ("long local part before @", "a" * 5000 + "@" + "b." * 2000 + "x"),
        ("long local part before (at)", "a" * 5000 + " (at) " + "b." * 2000 + "x"),
        ("long domain of dashes", "x [at] " + "-" * 9000 + ".q"),
        # the round-4 forms: spaces around @ and dots, IP literals, dotted IC numbers, O for 0
        ("spaced @ and dots", ("a " * 1500) + "@ " + "gmail . " * 700 + "q"),
        ("many '@ gmail .'", "x @ gmail . " * 800),
        ("open IP literal", "a@[" + "1." * 4000),
        ("dotted digit groups", "901231." * 1200),
        ("O and digits", "O1O " * 2200),
    ):
        took = best(cell)
        print(f"hostile cell, {name}: {took * 1000:8.2f} ms = {took / plain:5.2f}x a plain 9 KB cell "
              f"({plain * 1000:.2f} ms)")  # fmt: skip


if __name__ == "__main__":
    main()
