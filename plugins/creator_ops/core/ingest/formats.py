"""Read any export (CSV/TSV, XLSX, JSON lines, Parquet) into a table of text cells, one row per input row.

Every cell becomes text (ids must never turn into `7.0e+09`), except native timestamps
from Parquet, which stay timestamps. Empty cells are empty strings. Rows that cannot
be split into the header's cells (ragged CSV rows, broken JSON lines) are returned
separately as `bad_rows`, so the caller can quarantine them instead of losing them.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa

from creator_ops.core.ingest.result import FileRejected
from creator_ops.core.masking import mask_pii

DELIMITERS = (",", ";", "\t", "|")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
JSON_SUFFIXES = (".jsonl", ".ndjson", ".json")
PARQUET_SUFFIXES = (".parquet", ".pq")
# What no export of these data sets needs: beyond it a file is rejected as a whole, with the reason.
MAX_CELL_CHARS = 1 << 20  # one cell of 1 MiB (a handle, a remark, an answer) is already absurd
MAX_COLUMNS = 1_000
MAX_UNZIPPED_BYTES = 512 << 20  # an XLSX (a zip) that unpacks to more is a zip bomb, not a workbook
MAX_ZIP_RATIO = 200  # real workbooks compress 5-20x; bombs compress 1000x


@dataclass
class BadRow:
    """An input row that could not be split into the header's cells."""

    row_number: int
    reason: str
    detail: str
    raw: dict[str, Any]


@dataclass
class RawTable:
    """The file's cells as text, the 1-based data row number of each row, and the unsplittable rows."""

    table: pa.Table
    row_numbers: pa.Array
    bad_rows: list[BadRow] = field(default_factory=list)
    encoding: str | None = None
    file_format: str = "csv"
    note: str | None = None  # what the reader chose (e.g. which worksheet), said to ops

    @property
    def rows_in(self) -> int:
        return self.table.num_rows + len(self.bad_rows)


# --------------------------------------------------------------------------- text decoding


def decode_bytes(data: bytes, path: Any) -> tuple[str, bytes]:
    """Return (encoding, the content as UTF-8 without BOM); reject undecodable content."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", data[len(codecs.BOM_UTF8) :]
    for bom, name in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            return _transcode(data[len(bom) :], name, path, label="utf-16")
    sample = data[:4096]
    # UTF-16 without BOM: ASCII-heavy text has a NUL in every other byte.
    if len(sample) >= 4 and sample.count(b"\x00") * 3 >= len(sample):
        even_nuls = sample[0::2].count(0)
        return _transcode(data, "utf-16-be" if even_nuls > sample[1::2].count(0) else "utf-16-le", path)
    nul = data.find(b"\x00")  # anywhere in the file, not only its first 4 KB: no text export holds one
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        where = f"a NUL byte on line {line}, byte {nul + 1:,}"
        raise FileRejected(path, f"undecodable: binary content ({where}), not a text export")
    try:
        data.decode("utf-8")
        return "utf-8", data
    except UnicodeDecodeError:
        pass
    # Spreadsheets on Windows save "CSV" in Windows-1252; its 0x80–0x9F are curly quotes, €, …
    try:
        return "cp1252", data.decode("cp1252").encode("utf-8")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data[: 1 << 20]).best()
    if best is None:
        raise FileRejected(path, "undecodable: not UTF-8, UTF-16, Windows-1252 or any encoding detected")
    return _transcode(data, best.encoding, path)


def _transcode(data: bytes, encoding: str, path: Any, label: str | None = None) -> tuple[str, bytes]:
    try:
        return label or encoding, data.decode(encoding).encode("utf-8")
    except (UnicodeDecodeError, LookupError) as exc:
        raise FileRejected(path, f"undecodable as {label or encoding}: {exc.__class__.__name__}") from None


def sniff_delimiter(head: str) -> str:
    """Return the delimiter of the header line: the candidate that splits it into the most cells."""
    first = head.split("\n", 1)[0]
    counts = {d: len(next(csv.reader([first], delimiter=d), [])) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: (counts[d], -DELIMITERS.index(d)))
    if counts[best] > 1:
        return best
    try:  # one-column file or an odd header: let csv.Sniffer look at more lines
        return csv.Sniffer().sniff(head[:65536], delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        return ","


def _dedupe_header(names: list[str], path: Any = "<file>") -> list[str]:
    """Return the header cleaned; reject a file that names one column twice (which one would be meant?)."""
    from creator_ops.core.ingest.datasets import normalize_header

    if len(names) > MAX_COLUMNS:
        raise FileRejected(path, f"{len(names)} columns, more than {MAX_COLUMNS}: not an export of a data set")
    seen: dict[str, str] = {}
    out = []
    for i, raw in enumerate(names):
        name = (raw or "").strip().lstrip("\ufeff") or f"column_{i + 1}"
        key = normalize_header(name)
        if key in seen and (raw or "").strip():
            raise FileRejected(
                path,
                f"duplicate column {name!r} (columns {list(out).index(seen[key]) + 1} and {i + 1}"
                f"{', same after ignoring case and spacing as ' + repr(seen[key]) if seen[key] != name else ''}): "
                "keep one and land the file again",
                field=name,
            )
        seen.setdefault(key, name)
        out.append(name if name not in out else f"{name}.{i + 1}")
    return out


# --------------------------------------------------------------------------- readers


def read_delimited(path: Path, data: bytes) -> RawTable:
    """Read CSV/TSV: sniff encoding and delimiter; quoted multi-line cells are kept whole."""
    encoding, utf8 = decode_bytes(data, path)
    utf8 = _unix_line_ends(utf8)
    head = utf8[: 1 << 16].decode("utf-8", errors="ignore")
    delimiter = sniff_delimiter(head)
    header_row = next(csv.reader(io.StringIO(head), delimiter=delimiter), None)
    if not header_row or not any(c.strip() for c in header_row):
        raise FileRejected(path, "no header row: the file is empty")
    header = _dedupe_header(header_row, path)
    try:
        table = _read_csv_arrow(utf8, delimiter, header)
        if b'"' in utf8 and _has_line_breaks(table):  # a quoted cell spans lines: checked line by line
            raise pa.ArrowInvalid("a cell spans lines")
        raw = RawTable(table, _row_numbers(table.num_rows), [], encoding, "csv")
    except pa.ArrowInvalid:
        # Ragged rows (too many or too few cells), cells over several lines: the csv module
        # splits them one by one, accounting for every physical line.
        try:
            raw = _read_csv_python(utf8, delimiter, header, encoding)
        except csv.Error as exc:  # a field beyond the limit, a NUL, an unbalanced quote at the end
            cause = str(exc)
            if "field limit" in cause:
                line = cause.split(":", 1)[0] + ": " if cause.startswith("line ") else ""
                cause = f"{line}a cell of more than {MAX_CELL_CHARS:,} characters (a runaway quote, or not an export)"
            raise FileRejected(path, f"not a readable CSV: {cause}") from None
    _check_cell_sizes(raw.table, path)
    return raw


_LONE_CR = re.compile(rb"\r(?!\n)")


def _unix_line_ends(utf8: bytes) -> bytes:
    """Read classic-Mac line ends (a bare `\r`, as Excel for Mac 2011 and older tools save CSV) as `\n`.

    Every reader after this one (the header's, Arrow's, the csv module's) then sees lines as
    in any other export; `\r\n` and `\n` files are left untouched (no copy). A bare `\r` inside
    a quoted cell becomes a `\n` line break in that cell.
    """
    if b"\r" not in utf8 or utf8.count(b"\r") == utf8.count(b"\r\n"):
        return utf8
    return _LONE_CR.sub(b"\n", utf8)


def _check_cell_sizes(table: pa.Table, path: Any) -> None:
    """Reject a table with a cell longer than `MAX_CELL_CHARS` (a runaway quote swallowed the file) or a NUL.

    A NUL character (an escaped `\\u0000` in JSON, inside a Parquet string, in a header) is
    binary content no export holds, and PostgreSQL refuses it in text: the file is rejected
    here, naming the column and row, rather than failing at the warehouse.
    """
    import pyarrow.compute as pc

    for name in table.column_names:
        if "\x00" in name:
            raise FileRejected(path, f"a column name holds a NUL character ({name!r}): binary content", field=name)
    for name, column in zip(table.column_names, table.columns, strict=False):
        if not pa.types.is_string(column.type) or not len(column):
            continue
        nul = pc.fill_null(pc.match_substring(column, "\x00"), False)
        if pc.any(nul).as_py():
            row = pc.index(nul, True).as_py() + 1
            raise FileRejected(
                path, f"column {name!r}, data row {row}: a NUL character (binary content, not an export)", field=name
            )
        longest = pc.max(pc.utf8_length(column)).as_py() or 0
        if longest > MAX_CELL_CHARS:
            raise FileRejected(
                path,
                f"column {name!r} has a cell of {longest:,} characters, more than {MAX_CELL_CHARS:,} "
                "(an unbalanced quote, or not an export)",
                field=name,
            )


def _read_csv_arrow(utf8: bytes, delimiter: str, header: list[str]) -> pa.Table:
    from pyarrow import csv as pacsv

    return pacsv.read_csv(
        io.BytesIO(utf8),
        read_options=pacsv.ReadOptions(column_names=header, skip_rows=1, block_size=1 << 24),
        parse_options=pacsv.ParseOptions(
            delimiter=delimiter, quote_char='"', double_quote=True, newlines_in_values=b'"' in utf8
        ),
        convert_options=pacsv.ConvertOptions(
            column_types={name: pa.string() for name in header},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )


def _has_line_breaks(table: pa.Table) -> bool:
    import pyarrow.compute as pc

    return any(
        pa.types.is_string(column.type) and pc.any(pc.match_substring_regex(column, "[\r\n]")).as_py()
        for column in table.columns
    )


def _unbalanced(record_lines: list[str], cells: list[str], width: int, delimiter: str) -> bool:
    """Whether a row read over several physical lines is a runaway quote rather than a multi-line cell.

    A real multi-line cell closes its quote and leaves the header's number of cells; a quote
    that opens and never closes (or closes only at a stray quote further down) takes the next
    lines into one cell, so the row has the wrong number of cells or ends inside the quote.
    """
    if len(cells) != width:
        return True
    strict = csv.reader(io.StringIO("".join(record_lines), newline=""), delimiter=delimiter, strict=True)
    try:
        list(strict)
    except csv.Error:
        return True
    return False


def _read_csv_python(utf8: bytes, delimiter: str, header: list[str], encoding: str) -> RawTable:
    """Split the rows with the csv module; every physical line ends in a row or in a quarantined one.

    A row whose quote runs over several lines and leaves it malformed (see `_unbalanced`) is
    quarantined as `unbalanced_quote` with its first physical line, and reading resumes at
    the line after it: the lines the quote swallowed are rows of their own again.
    """
    csv.field_size_limit(MAX_CELL_CHARS)
    lines = io.StringIO(utf8.decode("utf-8"), newline="").readlines()
    width = len(header)
    rows: list[list[str]] = []
    numbers: list[int] = []
    bad: list[BadRow] = []
    number = 0
    reader = csv.reader(iter(lines), delimiter=delimiter)
    next(reader, None)
    position = reader.line_num  # index of the first physical data line
    while position < len(lines):
        reader = csv.reader((lines[i] for i in range(position, len(lines))), delimiter=delimiter)
        first = position
        restarted = False
        while True:
            try:
                cells = next(reader, None)
            except csv.Error as exc:  # a cell beyond the limit: a runaway quote if it spans lines
                if position + reader.line_num - first <= 1 or "field limit" not in str(exc):
                    raise csv.Error(f"line {first + 1}: {exc}") from None
                cells = []  # quarantined below as the runaway it is
            if cells is None:
                break
            end = position + reader.line_num
            start, first = first, end
            if not cells and end - start <= 1:  # a blank line is no row (as in the fast path)
                continue
            number += 1
            if end - start > 1 and (not cells or _unbalanced(lines[start:end], cells, width, delimiter)):
                text = lines[start].rstrip("\r\n")
                detail = (
                    f"line {start + 1}: a quote opens and is not closed in this line, "
                    f"so it took the next {end - start - 1} line(s) into one cell; they are read as rows of their own"
                )
                bad.append(BadRow(number, "unbalanced_quote", detail, {"line": text[:QUARANTINED_LINE_CHARS]}))
                position, restarted = start + 1, True
                break
            if len(cells) == width:
                rows.append(cells)
                numbers.append(number)
            else:
                raw = {header[i] if i < width else f"extra_{i - width + 1}": c for i, c in enumerate(cells)}
                bad.append(BadRow(number, "wrong_field_count", f"{len(cells)} cells, header has {width}", raw))
        if not restarted:
            break
    columns = list(zip(*rows, strict=False)) if rows else [()] * width
    table = pa.table({name: pa.array(col, pa.string()) for name, col in zip(header, columns, strict=False)})
    return RawTable(table, pa.array(numbers, pa.int64()), bad, encoding, "csv")


def _excel_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # Excel stores every number as a double: integral ones are ids or counts, print them whole.
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def _check_zip(path: Path) -> None:
    """Reject a workbook whose parts unpack to far more than any export (a zip bomb), before opening it."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise FileRejected(path, f"not a readable XLSX workbook: {exc.__class__.__name__}") from None
    unpacked = sum(p.file_size for p in parts)
    packed = max(1, sum(p.compress_size for p in parts))
    if unpacked > MAX_UNZIPPED_BYTES or (unpacked > 16 << 20 and unpacked / packed > MAX_ZIP_RATIO):
        raise FileRejected(
            path,
            f"the workbook unpacks to {unpacked:,} bytes from {packed:,} (a zip bomb?); "
            f"at most {MAX_UNZIPPED_BYTES:,} bytes and {MAX_ZIP_RATIO}x are read",
        )


def _sheet_rows(sheet: Any) -> tuple[list[Any] | None, Any]:
    rows_iter = sheet.iter_rows(values_only=True)
    header_row = next((r for r in rows_iter if any(c not in (None, "") for c in r)), None)
    return (list(header_row) if header_row is not None else None), rows_iter


def read_excel(path: Path, wanted: Callable[[list[str]], bool] | None = None) -> RawTable:
    """Read the worksheet with the data set's columns; numbers become text exactly as Excel holds them.

    With `wanted` (does this header have the required columns?), the one sheet that has
    them is read, and the choice is said in `RawTable.note`; several such sheets are an
    error naming them (which one is the export?). Without it, the first sheet with data.
    """
    import openpyxl

    _check_zip(path)
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # any openpyxl failure means the file is not a workbook
        raise FileRejected(path, f"not a readable XLSX workbook: {exc.__class__.__name__}") from None
    try:
        with_data = []
        for sheet in workbook.worksheets:
            header_row, _ = _sheet_rows(sheet)
            if header_row is not None:
                with_data.append((sheet.title, [_excel_cell(c) for c in header_row]))
        if not with_data:
            raise FileRejected(path, "no header row: every worksheet is empty")
        chosen = with_data
        if wanted is not None:
            chosen = [(title, header) for title, header in with_data if wanted(header)] or with_data[:1]
            if len(chosen) > 1:
                names = ", ".join(repr(mask_pii(title)) for title, _ in chosen)
                raise FileRejected(
                    path, f"several worksheets have this data set's columns ({names}): keep one, or land them as files"
                )
        title = chosen[0][0]
        header_row, rows_iter = _sheet_rows(workbook[title])
        header = _dedupe_header([_excel_cell(c) for c in header_row or []], path)
        width = len(header)
        rows = [[_excel_cell(c) for c in row[:width]] + [""] * (width - len(row)) for row in rows_iter]
    finally:
        workbook.close()
    while rows and not any(rows[-1]):  # formatted but empty rows at the bottom are not rows
        rows.pop()
    columns = list(zip(*rows, strict=False)) if rows else [()] * width
    table = pa.table({name: pa.array(col, pa.string()) for name, col in zip(header, columns, strict=False)})
    _check_cell_sizes(table, path)
    note = None
    if len(with_data) > 1:
        others = ", ".join(repr(mask_pii(t)) for t, _ in with_data if t != title)  # a sheet named after a person
        note = f"read worksheet {mask_pii(title)!r}; not read: {others}"
    return RawTable(table, _row_numbers(len(rows)), [], None, "xlsx", note=note)


def _json_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value, ensure_ascii=False)


QUARANTINED_LINE_CHARS = 10_000  # a broken line is kept for inspection, up to this much of it


def _bad_json_row(number: int, item: Any, note: str) -> BadRow:
    """Quarantine a line that is not a JSON object, keeping its text (masked by the reader) to fix it from."""
    if item is None:
        detail, _, line = note.partition("\x00")
        kept = line if len(line) <= QUARANTINED_LINE_CHARS else line[:QUARANTINED_LINE_CHARS] + "…"
        return BadRow(number, "bad_json", detail, {"line": kept})
    text = json.dumps(item, ensure_ascii=False)[:QUARANTINED_LINE_CHARS]
    return BadRow(number, "bad_json", f"a JSON {type(item).__name__}, not an object", {"line": text})


def _json_records(text: str, path: Any) -> list[tuple[int, Any, str]]:
    """Return (row number, parsed value or None, the line or the parse note) for each record."""
    stripped = text.lstrip()
    if stripped.startswith("["):
        try:
            items = json.loads(stripped, parse_float=str, parse_int=str)
        except json.JSONDecodeError as exc:
            raise FileRejected(path, f"not valid JSON: {exc.msg} at line {exc.lineno}") from None
        except RecursionError:
            raise FileRejected(path, "not valid JSON: nested too deeply") from None
        if not isinstance(items, list):
            raise FileRejected(path, "not JSON lines: one JSON value that is not a list of objects")
        return [(i + 1, item, "") for i, item in enumerate(items)]
    records: list[tuple[int, Any, str]] = []
    number = 0
    for line in text.splitlines():
        if not line.strip():
            continue
        number += 1
        try:
            records.append((number, json.loads(line, parse_float=str, parse_int=str), line))
        except json.JSONDecodeError as exc:
            records.append((number, None, f"not valid JSON: {exc.msg} at column {exc.colno}\x00{line}"))
        except RecursionError:
            records.append((number, None, f"not valid JSON: nested too deeply\x00{line}"))
    return records


def read_json_lines(path: Path, data: bytes) -> RawTable:
    """Read JSON lines (or one JSON array of objects); numbers keep their exact text."""
    encoding, utf8 = decode_bytes(data, path)
    records = _json_records(utf8.decode("utf-8"), path)
    header: dict[str, None] = {}
    for _, item, _ in records:
        if isinstance(item, dict):
            header.update(dict.fromkeys(str(k) for k in item))
    names = list(header)
    _dedupe_header(names, path)  # `Order ID` and `order_id` as two keys: which one is meant?
    good = [(n, item) for n, item, _ in records if isinstance(item, dict)]
    bad = [_bad_json_row(n, item, note) for n, item, note in records if not isinstance(item, dict)]
    if not names and not good:
        if bad:
            raise FileRejected(path, "not JSON lines: no line is a JSON object")
        raise FileRejected(path, "no rows and no columns: the file is empty")
    columns = {name: pa.array([_json_cell(item.get(name)) for _, item in good], pa.string()) for name in names}
    table = pa.table(columns)
    _check_cell_sizes(table, path)
    return RawTable(table, pa.array([n for n, _ in good], pa.int64()), bad, encoding, "jsonl")


def read_parquet(path: Path) -> RawTable:
    """Read Parquet; numbers become their exact text, timestamps stay timestamps."""
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except Exception as exc:  # a corrupt or foreign file
        raise FileRejected(path, f"not a readable Parquet file: {exc.__class__.__name__}: {exc}") from None
    names = _dedupe_header(table.column_names, path)
    columns = {}
    for name, column in zip(names, table.columns, strict=False):
        try:
            columns[name] = _parquet_column(column)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError, UnicodeDecodeError) as exc:
            raise FileRejected(
                path, f"column {name!r} of type {column.type} cannot be read as text: {exc}", field=name
            ) from None
    table = pa.table(columns) if columns else pa.table({})
    _check_cell_sizes(table, path)
    return RawTable(table, _row_numbers(table.num_rows), [], None, "parquet")


def _parquet_column(column: pa.ChunkedArray) -> pa.ChunkedArray | pa.Array:
    """Return one Parquet column as text (timestamps stay timestamps; nested values become JSON)."""
    import pyarrow.compute as pc

    kind = column.type
    if pa.types.is_dictionary(kind):
        column = column.cast(kind.value_type)
        kind = column.type
    if pa.types.is_timestamp(kind):
        return column
    if pa.types.is_nested(kind) or pa.types.is_map(kind):
        # struct / list / map cells: their JSON text, so the row is kept (and quarantined if a key needs it)
        texts = ["" if v is None else json.dumps(v, ensure_ascii=False, default=str) for v in column.to_pylist()]
        return pa.array(texts, pa.string())
    if pa.types.is_boolean(kind):
        column = pc.if_else(column, "true", "false")
    elif pa.types.is_floating(kind):
        # Integral doubles (ids, counts) print whole; the rest keep their shortest exact text.
        integral = pc.fill_null(pc.equal(pc.floor(column), column), False)
        column = pc.if_else(
            pc.and_(integral, pc.less(pc.abs(column), 1e15)),
            pc.cast(pc.cast(pc.if_else(integral, column, 0.0), pa.int64()), pa.string()),
            pc.cast(column, pa.string()),
        )
    elif not pa.types.is_string(kind):
        column = pc.cast(column, pa.string())  # binary that is not UTF-8 raises: rejected, naming the column
    return pc.fill_null(column, "")


def _row_numbers(n: int) -> pa.Array:
    import numpy as np

    return pa.array(np.arange(1, n + 1, dtype=np.int64))


def read_raw(path: Path, wanted: Callable[[list[str]], bool] | None = None) -> RawTable:
    """Read any supported file by its content (magic bytes) and, failing that, its suffix.

    `wanted` tells a workbook's data sheet from the others (see `read_excel`).
    """
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise FileRejected(path, "legacy .xls workbooks are not supported: save it as .xlsx or CSV")
    try:
        with open(path, "rb") as fh:
            magic = fh.read(4)
    except OSError as exc:
        raise FileRejected(path, f"cannot open: {exc.strerror}") from None
    if not magic:
        raise FileRejected(path, "the file is empty (0 bytes)")
    if magic == b"PAR1" or suffix in PARQUET_SUFFIXES:
        return read_parquet(path)
    if magic.startswith(b"PK\x03\x04") or suffix in EXCEL_SUFFIXES:
        return read_excel(path, wanted)
    data = path.read_bytes()
    if suffix in JSON_SUFFIXES or data.lstrip(b"\xef\xbb\xbf \r\n\t")[:1] in (b"{", b"["):
        return read_json_lines(path, data)
    return read_delimited(path, data)
