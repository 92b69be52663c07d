"""Benchmark: what the one rule for files written costs, as a ratio to a plain write in the same process.

    .venv/bin/python bench/bench_writer.py            # 2,000 files of 2 KB, three times
    .venv/bin/python bench/bench_writer.py --n 500

`safe_csv.write_atomically` opens every folder from the root down without following links,
creates the temporary file exclusively with a random name, fchmods it and renames it over the
target; `replace_folder` writes a set into a fresh folder and swaps it in. The reference is
`Path.write_bytes` of the same bytes to the same names (no temporary file, no rename).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "plugins"))

from creator_ops.core.safe_csv import replace_folder, write_atomically  # noqa: E402 - after the path set-up


def best(run, repeats: int = 3) -> float:
    out = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        run()
        out = min(out, time.perf_counter() - t0)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=2000)
    n = parser.parse_args().n
    data = b"x" * 2048
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "out"
        (root / "a" / "b").mkdir(parents=True)

        def plain() -> None:
            for i in range(n):
                (root / "a" / "b" / f"f{i}.json").write_bytes(data)

        def atomic() -> None:
            for i in range(n):
                write_atomically(root / "a" / "b" / f"g{i}.json", data, root=root)

        def as_set() -> None:
            replace_folder(root / "a" / "set", {f"h{i}.json": data for i in range(n)}, root=root)

        reference = best(plain)
        for name, run in (("write_atomically, root 2 folders up", atomic), ("replace_folder, one set", as_set)):
            took = best(run)
            print(f"{name}: {n:,} files in {took * 1000:.1f} ms = {took / reference:.2f}x plain write_bytes "
                  f"({reference * 1000:.1f} ms)")  # fmt: skip


if __name__ == "__main__":
    main()
