"""`read_dataset`: one messy export in, canonical accepted rows and reasoned quarantine out.

Every input row ends either accepted or quarantined with one machine-readable reason
(the first problem found, in this order): `wrong_field_count` / `bad_json` (the row
could not be split), `empty_row`, `missing_key`, `missing_value`, `bad_id`,
`bad_timestamp`, `bad_money`, `bad_number`, `bad_boolean`, `too_long` (wider than the
warehouse column), `negative_gmv`, `out_of_range` (a price below 0, a sample quota below 0,
a priority other than 1-3), `duplicate_in_file` (creators, exclusions and products only:
a later row of the same creator or product in the file replaces it: the row landed last wins,
in a file as across landings, `DatasetSpec.last_landed`).
Order lines are never deduplicated here: SPEC 5 rule 1 is the payout engine's job, and
`row_number` keeps the input order it needs.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from creator_ops.core.ingest import normalize as nz
from creator_ops.core.ingest.datasets import (
    DATASETS,
    SPECS,
    DatasetSpec,
    FieldSpec,
    match_columns,
    pii_headers,
)
from creator_ops.core.ingest.formats import BadRow, RawTable, read_raw
from creator_ops.core.ingest.language import detect_language
from creator_ops.core.ingest.pii import hash_values
from creator_ops.core.ingest.result import FileRejected, PiiKeyMissing, ReadResult
from creator_ops.core.masking import mask_array, mask_pii, mask_value
from creator_ops.core.order_status import RETURNED

DEFAULT_TZ = "Asia/Kuala_Lumpur"
BAD_REASON = {
    "id": "bad_id",
    "timestamp": "bad_timestamp",
    "money": "bad_money",
    "count": "bad_number",
    "integer": "bad_number",
    "bool": "bad_boolean",
}
BAD_WORDING = {
    "id": "looks like Excel scientific notation (the digits are lost)",
    "timestamp": "is not a timestamp (ISO 8601, DD/MM/YYYY HH:MM[:SS] or YYYY-MM-DD HH:MM:SS)",
    "money": "is not an amount in MYR with at most two decimals",
    "count": "is not a count (like 12,345, 12.3K or 1.2M)",
    "integer": "is not a whole number",
    "bool": "is not yes/no",
}
QUESTION_MAX_LENGTH = 400
# Kinds whose values are stored as text: each passes the one masking function (an e-mail
# address or phone number typed into a handle, an id or a remark never lands in clear).
TEXT_KINDS = ("id", "creator_id", "text", "lower", "upper", "category", "status")
QUARANTINE_SCHEMA = pa.schema(
    [
        ("row_number", pa.int64()),
        ("reason", pa.string()),
        ("field", pa.string()),
        ("detail", pa.string()),
        ("raw_json", pa.string()),
    ]
)


def _parse(field: FieldSpec, column: pa.ChunkedArray, tz: str) -> nz.Parsed:
    kind = field.kind
    if kind == "timestamp":
        return nz.parse_timestamp(column, tz)
    if kind == "category":
        parsed = nz.lower_text(column)
        return nz.Parsed(pc.replace_substring_regex(parsed.values, r"[\W_]+", "_"), parsed.missing, parsed.bad)
    return {
        "id": nz.parse_id,
        "creator_id": nz.parse_creator_id,
        "text": nz.parse_text,
        "lower": nz.lower_text,
        "status": nz.order_status_text,
        "upper": nz.upper_text,
        "money": nz.parse_money_sen,
        "count": nz.parse_count,
        "integer": nz.parse_integer,
        "bool": nz.parse_bool,
    }[kind](column)


def _null_column(field: FieldSpec, n: int) -> pa.Array:
    return pa.nulls(n, field.arrow_type)


class _Reasons:
    """Accumulates the first problem of each row, vectorized."""

    def __init__(self, n: int) -> None:
        self.reason = pa.nulls(n, pa.string())
        self.field = pa.nulls(n, pa.string())

    def add(self, mask: pa.Array, reason: str, field: str | None) -> None:
        new = pc.and_(pc.fill_null(mask, False), pc.is_null(self.reason))
        self.reason = pc.if_else(new, reason, self.reason)
        self.field = pc.if_else(new, pa.scalar(field, pa.string()), self.field)

    @property
    def ok(self) -> pa.Array:
        return pc.is_null(self.reason)


def _refuse_unkeyed_ids(path: Any, column: str, values: Any, masked: Any, row_numbers: Any) -> None:
    """An id that is personal data (a digit-only username that is a phone number) needs the key.

    With the key it becomes its keyed token (`[phone:…]`), the same in every command, so one
    creator stays one creator from `payouts` to `finance`. Without it, every such id would
    become the one marker `[phone hidden]` and different creators one: refused instead.
    """
    changed = pc.fill_null(pc.not_equal(values, masked), False)
    if not pc.any(changed).as_py():
        return
    first = pc.index(changed, True).as_py()
    row = row_numbers[first].as_py() if row_numbers is not None else first + 1
    raise PiiKeyMissing(
        f"{path}: row {row}: {column}: an id that is personal data (an e-mail, phone or IC number) and no PII "
        "hash key is configured (Airflow variable pii_hash_key / AIRFLOW_VAR_PII_HASH_KEY); without the key "
        "different people's ids would become one"
    )


def _hash_pii(table: pa.Table, pii: dict[str, str], key: bytes | None, path: Any) -> dict[str, pa.Array]:
    """Return {header: hashed column} for every personal-data column of the file."""
    if pii and key is None:
        raise PiiKeyMissing(
            f"{path}: has personal data ({', '.join(sorted(set(pii.values())))}) and no PII hash key is "
            "configured (Airflow variable pii_hash_key / AIRFLOW_VAR_PII_HASH_KEY)"
        )
    hashed = {}
    for header, kind in pii.items():
        column = table.column(header)
        if not pa.types.is_string(column.type):
            column = pc.cast(column, pa.string())
        uniques = pc.unique(column)
        digests = pa.array(hash_values(uniques.to_pylist(), kind, key), pa.string())  # type: ignore[arg-type]
        hashed[header] = pc.take(digests, pc.index_in(column, uniques))
    return hashed


def _detail(field: FieldSpec | None, reason: str, header: str | None, value: Any) -> str:
    column, kind = (field.column, field.kind) if field else (None, None)
    if reason == "empty_row":
        return "every cell is blank"
    if reason == "duplicate_in_file":
        what = "creator" if column == "creator_id" else (column or "key").removesuffix("_id")
        return f"{what} {value!r} appears again later in this file; the later row is kept (the row landed last wins)"
    if reason == "out_of_range":
        return f"{header} = {value!r} is out of range"
    if reason == "negative_gmv":
        return f"{header} = {value!r} is negative"
    if reason == "too_long":
        return f"{header} has {len(str(value))} characters, more than {field.width if field else 0}"
    if reason in ("missing_key", "missing_value"):
        return f"{header} is blank"
    return f"{header} = {value!r} {BAD_WORDING.get(kind or '', 'is not valid')}"


def _raw_json(row: dict[str, Any]) -> str:
    return json.dumps(
        {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()}, ensure_ascii=False
    )


def _quarantine_table(
    raw: RawTable,
    reasons: _Reasons,
    spec: DatasetSpec,
    mapping: dict[str, str],
    hashed_pii: dict[str, pa.Array],
    key: bytes | None,
) -> pa.Table:
    """Build the quarantine rows (row_number, reason, field, detail, raw_json with PII hashed)."""
    by_column = {f.column: f for f in spec.fields}
    index = pc.indices_nonzero(pc.invert(reasons.ok))
    rows = raw.table.take(index).to_pylist()
    for header, column in hashed_pii.items():
        for row, digest in zip(rows, column.take(index).to_pylist(), strict=False):
            row[header] = f"hmac-sha256:{digest}" if digest else None
    clear = [h for h in raw.table.column_names if h not in hashed_pii]
    for row in rows:  # every other cell, and the headers too, through the one masking function
        for header in clear:
            row[header] = mask_value(row[header], key)
    rows = [{mask_pii(h, key): v for h, v in row.items()} for row in rows]
    numbers = raw.row_numbers.take(index).to_pylist()
    reason_list = reasons.reason.take(index).to_pylist()
    field_list = reasons.field.take(index).to_pylist()
    details = []
    for row, reason, field in zip(rows, reason_list, field_list, strict=False):
        header = mapping.get(field) if field else None
        value = row.get(mask_pii(header, key)) if header else None
        details.append(mask_pii(_detail(by_column.get(field or ""), reason, header, value), key))
    out = {
        "row_number": numbers,
        "reason": reason_list,
        "field": field_list,
        "detail": details,
        "raw_json": [_raw_json(r) for r in rows],
    }
    for bad in raw.bad_rows:
        cells = dict(bad.raw)
        pii_cells = pii_headers(list(cells))
        for header, kind in pii_cells.items():
            value = cells.get(header)
            cells[header] = f"hmac-sha256:{hash_values([value], kind, key)[0]}" if value and key is not None else None
        cells = {mask_pii(h, key): (v if h in pii_cells else mask_value(v, key)) for h, v in cells.items()}
        out["row_number"].append(bad.row_number)
        out["reason"].append(bad.reason)
        out["field"].append(None)
        out["detail"].append(mask_pii(bad.detail, key))
        out["raw_json"].append(_raw_json(cells))
    table = pa.table(out, schema=QUARANTINE_SCHEMA)
    return table.sort_by("row_number") if raw.bad_rows else table


def _empty_rows(table: pa.Table) -> pa.Array:
    blank = None
    for column in table.columns:
        if pa.types.is_string(column.type):
            this = pc.equal(pc.utf8_trim_whitespace(column), "")
        else:
            this = pc.is_null(column)
        blank = this if blank is None else pc.and_(blank, this)
    return blank if blank is not None else pa.array([], pa.bool_())


def _survey_answers(
    accepted: pa.Table, raw: pa.Table, keep: pa.Array, questions: list[str], key: bytes | None
) -> pa.Table:
    """Melt the question columns of accepted rows into long form, one row per answer given (masked)."""
    parts = []
    for question in questions:
        answers = mask_array(nz.clean_text(raw.column(question).filter(keep)), key)
        present = pc.is_valid(answers)
        n = pc.sum(present).as_py() or 0
        if not n:
            continue
        parts.append(
            pa.table(
                {
                    "row_number": accepted.column("row_number").filter(present),
                    "creator_id": accepted.column("creator_id").filter(present),
                    "submitted_at": accepted.column("submitted_at").filter(present),
                    "question": pa.array([mask_pii(question, key)[:QUESTION_MAX_LENGTH]] * n, pa.string()),
                    "answer": answers.filter(present),
                }
            )
        )
    schema = pa.schema(
        [
            ("row_number", pa.int64()),
            ("creator_id", pa.string()),
            ("submitted_at", pa.timestamp("us", "UTC")),
            ("question", pa.string()),
            ("answer", pa.string()),
        ]
    )
    long = pa.concat_tables(parts).sort_by([("row_number", "ascending")]) if parts else schema.empty_table()
    uniques = pc.unique(long.column("answer"))
    languages = pa.array([detect_language(a) for a in uniques.to_pylist()], pa.string())
    return long.append_column("language", pc.take(languages, pc.index_in(long.column("answer"), uniques)))


def _out_of_range(field: FieldSpec, values: pa.Array) -> pa.Array:
    """Mark values below the field's minimum or above its maximum."""
    low = pc.less(values, field.minimum) if field.minimum is not None else None
    high = pc.greater(values, field.maximum) if field.maximum is not None else None
    return low if high is None else high if low is None else pc.or_(low, high)


def _find_problems(spec: DatasetSpec, table: pa.Table, parsed: dict[str, nz.Parsed]) -> _Reasons:
    """Return each row's first problem, checked in the documented order."""
    reasons = _Reasons(table.num_rows)
    reasons.add(_empty_rows(table), "empty_row", None)
    fields = [f for f in spec.fields if f.column in parsed]
    for field in fields:
        if field.key:
            reasons.add(parsed[field.column].missing, "missing_key", field.column)
    for field in fields:
        if not field.key and not field.blank_ok:
            reasons.add(parsed[field.column].missing, "missing_value", field.column)
    for field in fields:
        if field.kind in BAD_REASON:
            reasons.add(parsed[field.column].bad, BAD_REASON[field.kind], field.column)
    _value_problems(reasons, fields, parsed)
    if spec.unique_key and table.num_rows:
        duplicates = _replaced_later_in_file(parsed[spec.unique_key].values, reasons.ok)
        reasons.add(duplicates, "duplicate_in_file", spec.unique_key)
    return reasons


def _value_problems(reasons: _Reasons, fields: list[FieldSpec], parsed: dict[str, nz.Parsed]) -> None:
    """Add too_long, negative_gmv and out_of_range, in that order."""
    for field in fields:  # wider than the warehouse column (`FieldSpec.width`) would abort the file's load
        if field.width is not None:
            reasons.add(pc.greater(pc.utf8_length(parsed[field.column].values), field.width), "too_long", field.column)
    for money in ("gmv_sen", "gmv_30d_sen"):
        if money in parsed:
            reasons.add(pc.less(parsed[money].values, 0), "negative_gmv", money)
    for field in fields:
        if field.minimum is not None or field.maximum is not None:
            reasons.add(_out_of_range(field, parsed[field.column].values), "out_of_range", field.column)


def _canonical_columns(
    spec: DatasetSpec,
    raw: RawTable,
    mapping: dict[str, str],
    parsed: dict[str, nz.Parsed],
    hashed_pii: dict[str, pa.Array],
    key: bytes | None,
) -> dict[str, pa.Array]:
    """Return the data set's canonical columns for every row (filtered by the caller)."""
    n = raw.table.num_rows
    columns: dict[str, pa.Array] = {}
    for field in spec.fields:
        if field.kind in ("email", "phone"):
            header = mapping.get(field.column)
            columns[field.column] = hashed_pii[header] if header else pa.nulls(n, pa.string())
        elif field.column in parsed:
            columns[field.column] = parsed[field.column].values
        else:
            columns[field.column] = _null_column(field, n)
        if field.default is not None:
            columns[field.column] = pc.fill_null(columns[field.column], field.default)
    if spec.name == "enrollments":
        columns["is_new_creator"] = pc.fill_null(columns["is_new_creator"], False)
    if spec.name == "orders":
        # The affiliate export flags returns in a column of its own: such a line is "returned",
        # and the status the platform showed is kept in source_status.
        returned = pc.fill_null(columns.pop("fully_returned"), False)
        columns["source_status"] = mask_array(nz.clean_text(raw.table.column(mapping["status"])), key)
        columns["status"] = pc.if_else(returned, RETURNED, columns["status"])
    columns["row_number"] = raw.row_numbers
    return columns


def read_dataset(
    path: str | os.PathLike[str],
    dataset: str,
    *,
    tz: str = DEFAULT_TZ,
    pii_key: bytes | None = None,
) -> ReadResult:
    """Read one export of `dataset` into canonical columns; raise FileRejected if it cannot be read at all."""
    if dataset not in SPECS:
        raise ValueError(f"unknown data set {dataset!r}; expected one of {', '.join(DATASETS)}")
    path = Path(path)
    try:
        return _read(path, SPECS[dataset], tz, pii_key)
    except (FileRejected, PiiKeyMissing):
        raise
    except MemoryError:
        raise FileRejected(path, "too large to read in memory") from None
    except Exception as exc:  # any file that cannot be read is rejected whole, with its reason
        raise FileRejected(path, f"cannot be read: {type(exc).__name__}: {str(exc)[:300]}") from None


def _read(path: Path, spec: DatasetSpec, tz: str, pii_key: bytes | None) -> ReadResult:
    dataset = spec.name

    def has_required(header: list[str]) -> bool:
        found = match_columns(spec, header)
        return all(f.column in found for f in spec.fields if f.required)

    raw = read_raw(path, has_required)
    headers = raw.table.column_names
    mapping = match_columns(spec, headers)
    missing = [f for f in spec.fields if f.required and f.column not in mapping]
    if missing:
        wanted = "; ".join(f"{f.column} (any of: {', '.join(f.aliases[:6])}…)" for f in missing)
        raise FileRejected(
            path,
            f"missing required column(s) for {dataset}: {wanted}; found columns: {', '.join(headers) or 'none'}",
        )
    pii = pii_headers(headers)
    hashed_pii = _hash_pii(raw.table, pii, pii_key, path)
    parsed = {
        f.column: _parse(f, raw.table.column(mapping[f.column]), tz)
        for f in spec.fields
        if f.column in mapping and f.kind not in ("email", "phone")
    }
    for f in spec.fields:
        if f.kind in TEXT_KINDS and f.column in parsed:
            found = parsed[f.column]
            masked = mask_array(found.values, pii_key)
            if f.key and pii_key is None and masked is not found.values:
                _refuse_unkeyed_ids(path, f.column, found.values, masked, raw.row_numbers)
            parsed[f.column] = nz.Parsed(masked, found.missing, found.bad)
    reasons = _find_problems(spec, raw.table, parsed)
    keep = reasons.ok
    columns = _canonical_columns(spec, raw, mapping, parsed, hashed_pii, pii_key)
    accepted = pa.table(columns).filter(keep)

    answers, questions = None, []
    if spec.free_columns_are_questions:
        used = set(mapping.values()) | set(pii)
        questions = [h for h in headers if h not in used]
        answers = _survey_answers(accepted, raw.table, keep, questions, pii_key)
    quarantined = _quarantine_table(raw, reasons, spec, mapping, hashed_pii, pii_key)
    return ReadResult(
        path=str(path),
        dataset=dataset,
        rows_in=raw.rows_in,
        accepted_table=accepted,
        quarantined_table=quarantined,
        answers_table=answers,
        encoding=raw.encoding,
        file_format=raw.file_format,
        columns_seen=[mask_pii(h, pii_key) for h in headers],
        note=raw.note,
        questions=[mask_pii(q, pii_key)[:QUESTION_MAX_LENGTH] for q in questions],
    )


def _replaced_later_in_file(keys: pa.Array, ok: pa.Array) -> pa.Array:
    """Mark rows whose key (creator, product) appears again in a later acceptable row: the last one wins."""
    import numpy as np

    ids = pc.if_else(ok, keys, pa.scalar(None, pa.string()))
    table = pa.table({"id": ids, "i": pa.array(np.arange(len(ids), dtype=np.int64))}).filter(pc.is_valid(ids))
    last = table.group_by("id", use_threads=False).aggregate([("i", "max")])
    last_index = pc.take(last.column("i_max"), pc.index_in(ids, last.column("id")))
    return pc.and_(pc.is_valid(ids), pc.not_equal(last_index, pa.array(np.arange(len(ids), dtype=np.int64))))


__all__ = ["BadRow", "read_dataset"]
