"""Writing a landing file for tests that ingest through the DAG's own steps."""

from __future__ import annotations

import csv
from pathlib import Path


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    """Write `rows` under `header` as a UTF-8 CSV at `path` (folders made), as an export lands."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path
