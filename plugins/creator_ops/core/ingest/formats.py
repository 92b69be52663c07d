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
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa

from creator_ops.core.ingest.result import FileRejected

DELIMITERS = (",", ";", "\t", "|")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
JSON_SUFFIXES = (".jsonl", ".ndjson", ".json")
PARQUET_SUFFIXES = (".parquet", ".pq")


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
    if b"\x00" in sample:
        raise FileRejected(path, "undecodable: binary content (NUL bytes), not a text export")
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


def _dedupe_header(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for i, raw in enumerate(names):
        name = (raw or "").strip().lstrip("\ufeff") or f"column_{i + 1}"
        if name in seen:
            seen[name] += 1
            name = f"{name}.{seen[name]}"
        else:
            seen[name] = 0
        out.append(name)
    return out


# --------------------------------------------------------------------------- readers


def read_delimited(path: Path, data: bytes) -> RawTable:
    """Read CSV/TSV: sniff encoding and delimiter; quoted multi-line cells are kept whole."""
    encoding, utf8 = decode_bytes(data, path)
    head = utf8[: 1 << 16].decode("utf-8", errors="ignore")
    delimiter = sniff_delimiter(head)
    header_row = next(csv.reader(io.StringIO(head), delimiter=delimiter), None)
    if not header_row or not any(c.strip() for c in header_row):
        raise FileRejected(path, "no header row: the file is empty")
    header = _dedupe_header(header_row)
    try:
        table = _read_csv_arrow(utf8, delimiter, header)
        return RawTable(table, _row_numbers(table.num_rows), [], encoding, "csv")
    except pa.ArrowInvalid:
        # Ragged rows (too many or too few cells): the csv module splits them one by one.
        return _read_csv_python(utf8, delimiter, header, encoding)


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


def _read_csv_python(utf8: bytes, delimiter: str, header: list[str], encoding: str) -> RawTable:
    reader = csv.reader(io.StringIO(utf8.decode("utf-8"), newline=""), delimiter=delimiter)
    next(reader, None)
    width = len(header)
    rows: list[list[str]] = []
    numbers: list[int] = []
    bad: list[BadRow] = []
    number = 0
    for cells in reader:
        if not cells:  # a blank line is no row (as in the fast path)
            continue
        number += 1
        if len(cells) == width:
            rows.append(cells)
            numbers.append(number)
        else:
            raw = {header[i] if i < width else f"extra_{i - width + 1}": c for i, c in enumerate(cells)}
            bad.append(BadRow(number, "wrong_field_count", f"{len(cells)} cells, header has {width}", raw))
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


def read_excel(path: Path) -> RawTable:
    """Read the first worksheet with data; numbers become text exactly as Excel holds them."""
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # any openpyxl failure means the file is not a workbook
        raise FileRejected(path, f"not a readable XLSX workbook: {exc.__class__.__name__}") from None
    try:
        rows_iter = None
        for sheet in workbook.worksheets:
            rows_iter = sheet.iter_rows(values_only=True)
            header_row = next((r for r in rows_iter if any(c not in (None, "") for c in r)), None)
            if header_row is not None:
                break
        else:
            raise FileRejected(path, "no header row: every worksheet is empty")
        header = _dedupe_header([_excel_cell(c) for c in header_row])
        width = len(header)
        rows = [[_excel_cell(c) for c in row[:width]] + [""] * (width - len(row)) for row in rows_iter]
    finally:
        workbook.close()
    while rows and not any(rows[-1]):  # formatted but empty rows at the bottom are not rows
        rows.pop()
    columns = list(zip(*rows, strict=False)) if rows else [()] * width
    table = pa.table({name: pa.array(col, pa.string()) for name, col in zip(header, columns, strict=False)})
    return RawTable(table, _row_numbers(len(rows)), [], None, "xlsx")


def _json_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value, ensure_ascii=False)


def read_json_lines(path: Path, data: bytes) -> RawTable:
    """Read JSON lines (or one JSON array of objects); numbers keep their exact text."""
    encoding, utf8 = decode_bytes(data, path)
    text = utf8.decode("utf-8")
    stripped = text.lstrip()
    records: list[tuple[int, Any, str]] = []
    if stripped.startswith("["):
        try:
            items = json.loads(stripped, parse_float=str, parse_int=str)
        except json.JSONDecodeError as exc:
            raise FileRejected(path, f"not valid JSON: {exc.msg} at line {exc.lineno}") from None
        records = [(i + 1, item, "") for i, item in enumerate(items)]
    else:
        number = 0
        for line in text.splitlines():
            if not line.strip():
                continue
            number += 1
            try:
                records.append((number, json.loads(line, parse_float=str, parse_int=str), line))
            except json.JSONDecodeError as exc:
                records.append((number, None, f"not valid JSON: {exc.msg}"))
    header: dict[str, None] = {}
    for _, item, _ in records:
        if isinstance(item, dict):
            header.update(dict.fromkeys(str(k) for k in item))
    names = list(header)
    good = [(n, item) for n, item, _ in records if isinstance(item, dict)]
    bad = [
        BadRow(n, "bad_json", note if item is None else f"a JSON {type(item).__name__}, not an object", {})
        for n, item, note in records
        if not isinstance(item, dict)
    ]
    if not names and not good:
        if bad:
            raise FileRejected(path, "not JSON lines: no line is a JSON object")
        raise FileRejected(path, "no rows and no columns: the file is empty")
    columns = {
        name: pa.array([_json_cell(item.get(name)) for _, item in good], pa.string()) for name in names
    }
    return RawTable(pa.table(columns), pa.array([n for n, _ in good], pa.int64()), bad, encoding, "jsonl")


def read_parquet(path: Path) -> RawTable:
    """Read Parquet; numbers become their exact text, timestamps stay timestamps."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except Exception as exc:  # a corrupt or foreign file
        raise FileRejected(path, f"not a readable Parquet file: {exc.__class__.__name__}: {exc}") from None
    names = _dedupe_header(table.column_names)
    columns = {}
    for name, column in zip(names, table.columns, strict=False):
        kind = column.type
        if pa.types.is_dictionary(kind):
            column = column.cast(kind.value_type)
            kind = column.type
        if pa.types.is_timestamp(kind):
            columns[name] = column
            continue
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
            column = pc.cast(column, pa.string())
        columns[name] = pc.fill_null(column, "")
    table = pa.table(columns) if columns else pa.table({})
    return RawTable(table, _row_numbers(table.num_rows), [], None, "parquet")


def _row_numbers(n: int) -> pa.Array:
    import numpy as np

    return pa.array(np.arange(1, n + 1, dtype=np.int64))


def read_raw(path: Path) -> RawTable:
    """Read any supported file by its content (magic bytes) and, failing that, its suffix."""
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
        return read_excel(path)
    data = path.read_bytes()
    if suffix in JSON_SUFFIXES or data.lstrip(b"\xef\xbb\xbf \r\n\t")[:1] in (b"{", b"["):
        return read_json_lines(path, data)
    return read_delimited(path, data)
