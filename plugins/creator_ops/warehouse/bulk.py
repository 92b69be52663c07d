"""Fast bulk loads of Arrow tables: PostgreSQL COPY, SQLite executemany, inside the caller's transaction.

Both run on the caller's SQLAlchemy connection, so a file's rows, its quarantine and
its registry entry commit or roll back together. Timestamps must be UTC; on SQLite
they are written in SQLAlchemy's own text format so that `DateTime` columns read back.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pyarrow as pa
    from sqlalchemy import Connection, Table

SQLITE_BATCH_ROWS = 65_536
SQLITE_TIMESTAMP_FORMAT = (
    "%Y-%m-%d %H:%M:%S"  # with microsecond units Arrow appends .ffffff, as SQLAlchemy does
)


def _with_constants(data: pa.Table, constants: dict | None) -> pa.Table:
    import pyarrow as pa

    for name, value in (constants or {}).items():
        data = data.append_column(name, pa.array([value] * data.num_rows) if data.num_rows else pa.nulls(0))
    return data


def _copy_csv(data: pa.Table) -> io.BytesIO:
    """Render `data` as headerless CSV that PostgreSQL COPY reads (null = unquoted empty)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    from pyarrow import csv as pacsv

    columns = []
    for column in data.columns:
        if pa.types.is_timestamp(column.type):
            column = pc.cast(column, pa.timestamp("us", "UTC"))
        columns.append(column)
    buffer = io.BytesIO()
    pacsv.write_csv(
        pa.table(columns, names=data.column_names), buffer, pacsv.WriteOptions(include_header=False)
    )
    buffer.seek(0)
    return buffer


def _quote(conn: Connection, name: str) -> str:
    return conn.dialect.identifier_preparer.quote(name)


def _pg_copy(conn: Connection, table_name: str, data: pa.Table) -> None:
    columns = ", ".join(_quote(conn, c) for c in data.column_names)
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        cursor.copy_expert(
            f"COPY {_quote(conn, table_name)} ({columns}) FROM STDIN WITH (FORMAT csv)", _copy_csv(data)
        )
    finally:
        cursor.close()


def _sqlite_rows(data: pa.Table) -> Iterator[tuple]:
    """Yield rows as tuples, one record batch at a time so memory stays flat on big files."""
    import pyarrow as pa
    import pyarrow.compute as pc

    for batch in data.to_batches(max_chunksize=SQLITE_BATCH_ROWS):
        columns = []
        for column in batch.columns:
            if pa.types.is_timestamp(column.type):
                utc = pc.cast(column, pa.timestamp("us", "UTC"))
                column = pc.strftime(utc, format=SQLITE_TIMESTAMP_FORMAT)
            elif pa.types.is_boolean(column.type):
                column = pc.cast(column, pa.int8())
            columns.append(column.to_pylist())
        yield from zip(*columns, strict=True)


def bulk_insert(conn: Connection, table: Table, data: pa.Table, constants: dict | None = None) -> int:
    """Insert every row of `data` (columns named as in `table`) plus `constants`; return the row count."""
    data = _with_constants(data, constants)
    if data.num_rows == 0:
        return 0
    if conn.dialect.name == "postgresql":
        _pg_copy(conn, table.name, data)
    else:
        names = ", ".join(_quote(conn, c) for c in data.column_names)
        marks = ", ".join("?" for _ in data.column_names)
        cursor = conn.connection.dbapi_connection.cursor()
        try:
            cursor.executemany(
                f"INSERT INTO {_quote(conn, table.name)} ({names}) VALUES ({marks})", _sqlite_rows(data)
            )
        finally:
            cursor.close()
    return data.num_rows


def bulk_upsert(
    conn: Connection,
    table: Table,
    data: pa.Table,
    keys: Sequence[str],
    constants: dict | None = None,
    insert_only: dict | None = None,
) -> int:
    """Insert rows, replacing the non-key columns given in `data` of rows that share `keys`.

    Columns of `table` that `data` does not carry (e.g. recruitment's score) keep their values;
    `insert_only` values (e.g. NOT NULL flags) are set on new rows and never overwrite existing ones.
    """
    data = _with_constants(_with_constants(data, constants), insert_only)
    if data.num_rows == 0:
        return 0
    names = data.column_names
    unchanged = {*keys, *(insert_only or {})}
    target = _quote(conn, table.name)
    column_list = ", ".join(_quote(conn, c) for c in names)
    updates = ", ".join(
        f"{_quote(conn, c)} = excluded.{_quote(conn, c)}" for c in names if c not in unchanged
    )
    conflict = f"ON CONFLICT ({', '.join(_quote(conn, k) for k in keys)}) " + (
        f"DO UPDATE SET {updates}" if updates else "DO NOTHING"
    )
    if conn.dialect.name == "postgresql":
        staging = f"_bulk_{table.name}"
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {_quote(conn, staging)}")
        conn.exec_driver_sql(
            f"CREATE TEMP TABLE {_quote(conn, staging)} AS SELECT {column_list} FROM {target} WITH NO DATA"
        )
        _pg_copy(conn, staging, data)
        conn.exec_driver_sql(
            f"INSERT INTO {target} ({column_list}) "
            f"SELECT {column_list} FROM {_quote(conn, staging)} {conflict}"
        )
        conn.exec_driver_sql(f"DROP TABLE {_quote(conn, staging)}")
    else:
        marks = ", ".join("?" for _ in names)
        cursor = conn.connection.dbapi_connection.cursor()
        try:
            cursor.executemany(
                f"INSERT INTO {target} ({column_list}) VALUES ({marks}) {conflict}", _sqlite_rows(data)
            )
        finally:
            cursor.close()
    return data.num_rows
