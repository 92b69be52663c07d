"""The one CSV writer for files people open in a spreadsheet: formula-safe, UTF-8, atomic.

A creator handle such as `=HYPERLINK("http://…")`, `+cmd|' /C calc'!A0` or `@SUM(…)`
would run as a formula when ops open the shortlist, an invite list, the payouts CSV or
the finance export in Excel. OWASP's rule: a text cell that starts with `=`, `+`, `-`,
`@`, a tab or a carriage return gets a leading `'`, so the spreadsheet shows it as
text. Real numbers stay numbers: `-12.50`, `+60123456789` and `1e3` are written as they
are, and so are ints and Decimals.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow as pa

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d+)*|\.\d+)(?:[eE][+-]?\d+)?")
# RE2 (Arrow) forms of the same two rules
_ARROW_FORMULA = r"^[=+\-@\t\r]"
_ARROW_NUMBER = r"^[+-]?(?:[0-9]+(?:[.,][0-9]+)*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$"


def is_number_text(text: str) -> bool:
    """Return whether `text` is a plain number (sign, digits, separators, exponent) a spreadsheet reads as one."""
    return _NUMBER.fullmatch(text) is not None


def safe_cell(value: Any) -> Any:
    """Return `value` as a spreadsheet cannot run it: formula-like text gets a leading `'`."""
    if value is None or isinstance(value, (bool, int, float, Decimal)):
        return value
    text = str(value)
    if text.startswith(FORMULA_PREFIXES) and not is_number_text(text):
        return "'" + text
    return text


def csv_bytes(
    columns: Sequence[str],
    rows: Iterable[Mapping[str, Any] | Sequence[Any]],
    *,
    bom: bool = True,
    lineterminator: str = "\r\n",
) -> bytes:
    """Render rows (dicts or sequences) as formula-safe CSV; with a BOM Excel shows Malay, Chinese, Tamil right."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator=lineterminator)
    writer.writerow([safe_cell(c) for c in columns])
    for row in rows:
        cells = [row.get(c) for c in columns] if isinstance(row, Mapping) else list(row)
        writer.writerow([safe_cell(c) for c in cells])
    text = buffer.getvalue()
    return text.encode("utf-8-sig" if bom else "utf-8")


def write_atomically(path: str | os.PathLike[str] | Any, data: bytes, *, private: bool = False) -> Path:
    """Write `data` to `path` through a temporary file, so readers never see half a file.

    Only a regular file or a new path is written (`paths.output_target`: never over a device,
    a folder or a link); a write that fails (a full disk, a read-only folder) leaves nothing
    behind and raises `OutputTargetError` naming the path and the cause, in one line.
    `private` files (e-invoices, CP58 statements) are readable by their owner only (0600).

    On object storage (`path` an `ObjectStoragePath`, see core/storage.py) the file is ONE
    put of the whole content, private to the product's credentials; the return value is
    then that path object.
    """
    from creator_ops.core.paths import OutputTargetError, output_target
    from creator_ops.core.storage import StorageError, is_local, put_object

    if not isinstance(path, (str, os.PathLike)) and not is_local(path):
        try:
            return put_object(path, data)
        except StorageError as exc:
            raise OutputTargetError(str(exc)) from None
    path = output_target(path)
    temporary = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if private:
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.chmod(temporary, 0o600)  # whatever the umask
        else:
            temporary.write_bytes(data)
        os.replace(temporary, path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise OutputTargetError(f"{path}: cannot write: {exc.strerror or exc}") from None
    return path


def write_csv(
    path: str | os.PathLike[str],
    columns: Sequence[str],
    rows: Iterable[Mapping[str, Any] | Sequence[Any]],
    *,
    bom: bool = True,
    lineterminator: str = "\r\n",
) -> Path:
    """Write rows as a formula-safe CSV file at `path`, atomically."""
    return write_atomically(path, csv_bytes(columns, rows, bom=bom, lineterminator=lineterminator))


def safe_arrow_column(column: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """Neutralise formula-like cells of a string column, vectorized (other types are returned as they are)."""
    import pyarrow.compute as pc

    from creator_ops.core.masking import string_rows_matching

    risky = string_rows_matching(column, _ARROW_FORMULA, unless=_ARROW_NUMBER)
    if risky is None:
        return column
    return pc.if_else(risky, pc.binary_join_element_wise("'", column, ""), column)


def iso_utc(column: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """Return timestamps as ISO 8601 UTC text: `2026-12-12T02:00:00Z`, with the fraction when there is one.

    The warehouse keeps microseconds, so a fraction is written to the microsecond without
    trailing zeros (`…:00.5Z`, `…:00.123456Z`); finer digits were truncated when read.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    micros = pc.cast(column, pa.timestamp("us", "UTC"), safe=False)  # nanoseconds: truncated, as the reader does
    text = pc.strftime(micros, format="%Y-%m-%dT%H:%M:%S")  # %S carries the six decimals at this unit
    text = pc.replace_substring_regex(text, r"\.0+$", "")
    text = pc.replace_substring_regex(text, r"(\.[0-9]*[1-9])0+$", r"\1")
    return pc.binary_join_element_wise(text, "Z", "")


def write_arrow_csv(table: pa.Table, path: str | os.PathLike[str], *, bom: bool = False) -> Path:
    """Write an Arrow table as formula-safe UTF-8 CSV (timestamps as ISO 8601 UTC with `Z`), atomically."""
    import pyarrow as pa
    from pyarrow import csv as pacsv

    columns = {}
    for name, column in zip(table.column_names, table.columns, strict=False):
        if pa.types.is_timestamp(column.type):
            column = iso_utc(column)
        columns[str(safe_cell(name))] = safe_arrow_column(column)
    out = pa.table(columns) if columns else table
    buffer = io.BytesIO()
    if bom:
        buffer.write(b"\xef\xbb\xbf")
    pacsv.write_csv(out, buffer)
    return write_atomically(path, buffer.getvalue())


__all__ = [
    "FORMULA_PREFIXES",
    "csv_bytes",
    "iso_utc",
    "safe_arrow_column",
    "safe_cell",
    "write_arrow_csv",
    "write_atomically",
    "write_csv",
]
