"""Readers for the messy exports ops receive (CSV, XLSX, JSON lines, Parquet), with no Airflow import.

from creator_ops.core.ingest import read_dataset, ReadResult, FileRejected, DATASETS
result = read_dataset(path, "orders", tz="Asia/Kuala_Lumpur", pii_key=key)
assert result.rows_in == len(result.accepted) + len(result.quarantined)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from creator_ops.core.ingest.datasets import DATASETS, SPECS, normalize_header
from creator_ops.core.ingest.pii import DEMO_PII_KEY, resolve_pii_key
from creator_ops.core.ingest.result import FileRejected, PiiKeyMissing, ReadResult

if TYPE_CHECKING:
    from creator_ops.core.ingest.reader import read_dataset


def __getattr__(name: str) -> Any:
    # the reader imports pyarrow: loaded on first use, so DAG parsing that only needs the
    # data set names (`creator_ops.core.ingest.datasets`) stays free of it
    if name == "read_dataset":
        from creator_ops.core.ingest.reader import read_dataset

        return read_dataset
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "DATASETS",
    "DEMO_PII_KEY",
    "SPECS",
    "FileRejected",
    "PiiKeyMissing",
    "ReadResult",
    "normalize_header",
    "read_dataset",
    "resolve_pii_key",
]
