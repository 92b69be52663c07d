"""Stored rows to Arrow: the one typing of what the database hands back, shaped by the registry.

Every warehouse reader that returns a data set's rows builds its Arrow columns here, with the
registry's types (`FieldSpec.arrow_type`, `DatasetSpec.arrow_schema`). Instants are UTC: SQLite
hands them back naive (SQLAlchemy) or as text (the DB-API cursor), PostgreSQL aware; booleans come
back from SQLite as 0/1. A Python value read one at a time goes through `core.times.as_utc`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow as pa


def arrow_column(values: list[Any], pa_type: pa.DataType) -> pa.Array:
    """Return stored `values` as an Arrow column of `pa_type` (instants as UTC, booleans from 0/1)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_timestamp(pa_type):
        if any(isinstance(v, str) for v in values):  # SQLite via the DB-API: "YYYY-MM-DD HH:MM:SS.ffffff", UTC
            naive = pc.cast(pa.array(values, pa.string()), pa.timestamp("us"))
            return pc.assume_timezone(naive, "UTC")
        return pa.array(values, pa_type)  # naive datetimes are UTC as stored; aware ones are converted
    if pa.types.is_boolean(pa_type):
        return pc.cast(pa.array(values), pa.bool_()) if values else pa.array([], pa.bool_())
    return pa.array(values, pa_type)


def arrow_table(columns: dict[str, list[Any]], schema: pa.Schema) -> pa.Table:
    """Return stored columns (name: values) as an Arrow table of `schema`, in its column order."""
    import pyarrow as pa

    return pa.table([arrow_column(columns[f.name], f.type) for f in schema], schema=schema)


def rows_table(rows: list[Any], schema: pa.Schema) -> pa.Table:
    """Return SQLAlchemy result rows as an Arrow table of `schema` (columns by name)."""
    return arrow_table({name: [row._mapping[name] for row in rows] for name in schema.names}, schema)
