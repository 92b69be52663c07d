"""Real exports that broke (hardening round 3): fractional seconds, a runaway quote, a NUL byte past 4 KB.

Each case runs through the reader, `campaignctl ingest` and, where the warehouse is
involved, the ingest step on SQLite and PostgreSQL.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from creator_ops.cli import main
from creator_ops.core.ingest import FileRejected, read_dataset

KEY = b"adversarial-test-key"
HEADER = "order_id,line_id,creator_id,order_time,gmv,status"


def _orders(*lines: str) -> str:
    return "\n".join([HEADER, *lines]) + "\n"


def _line(i: int, when: str = "2026-12-12 10:00:00", creator: str = "@c") -> str:
    return f"{i},1,{creator}{i},{when},10.00,completed"


def _ingest(tmp_path, capsys, name: str, content: str | bytes, dataset: str = "orders"):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    out = tmp_path / f"out_{name}"
    code = main(["ingest", dataset, str(path), "--out", str(out)])
    captured = capsys.readouterr()
    return code, captured, out


def _rows(path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


# --------------------------------------------------------------------------- fractional seconds


def test_fractional_seconds_are_read_and_written_to_the_microsecond(tmp_path, capsys):
    content = _orders(
        _line(1, "2026-12-12 10:00:00.123"),
        _line(2, "2026-12-12 10:00:00.5"),
        _line(3, "2026-12-12 10:00:00.123456789"),
        _line(4, "\"2026-12-12T10:00:00,25+08:00\""),  # a decimal comma, quoted in the CSV
        _line(5, "12/12/2026 10:00:00.000"),
        _line(6, "2026-12-12 10:00:00.123456789123Z"),
    )
    code, captured, out = _ingest(tmp_path, capsys, "fractions.csv", content)
    assert code == 0, captured.err  # before: exit 1, "Casting from timestamp[us] to timestamp[s] would lose data"
    assert json.loads(captured.out) == {"rows_in": 6, "accepted": 6, "quarantined": 0}
    assert [r["order_time"] for r in _rows(out / "accepted.csv")] == [
        "2026-12-12T02:00:00.123Z",
        "2026-12-12T02:00:00.5Z",
        "2026-12-12T02:00:00.123456Z",  # nanoseconds truncated to the microsecond, the warehouse's precision
        "2026-12-12T02:00:00.25Z",
        "2026-12-12T02:00:00Z",  # a zero fraction is a whole second
        "2026-12-12T10:00:00.123456Z",  # any number of digits; UTC given
    ]


def test_native_nanosecond_parquet_timestamps_are_truncated_not_refused(tmp_path, capsys):
    path = tmp_path / "orders.parquet"
    table = pa.table(
        {
            "order_id": ["1"], "line_id": ["1"], "creator_id": ["a"], "gmv": ["1.00"], "status": ["completed"],
            "order_time": pa.array([1797040800123456789], pa.timestamp("ns", "UTC")),
        }
    )  # fmt: skip
    pq.write_table(table, path)
    result = read_dataset(path, "orders", pii_key=KEY)
    assert result.accepted_table.column("order_time")[0].as_py() == dt.datetime(
        2026, 12, 12, 2, 0, 0, 123456, tzinfo=dt.UTC
    )


@pytest.mark.integration
def test_fractional_seconds_reach_the_warehouse_exactly(warehouse_engine, landing, make_ctx, tmp_path):
    from sqlalchemy import select

    from creator_ops.steps.ingest import ingest
    from creator_ops.warehouse import schema

    source = tmp_path / "orders_fractions.csv"
    source.write_text(_orders(_line(1, "2026-12-12 10:00:00.123"), _line(2, "2026-12-12 10:00:00.123456789")))
    landing("orders", source)
    summary = ingest(make_ctx(warehouse_engine), "orders")
    assert (summary["accepted"], summary["rejected"]) == (2, 0)
    with warehouse_engine.connect() as conn:
        times = conn.execute(select(schema.order_lines.c.order_time).order_by(schema.order_lines.c.order_id)).scalars()
        micros = [t.microsecond for t in times]
    assert micros == [123000, 123456]


# --------------------------------------------------------------------------- an unbalanced quote

UNBALANCED = {
    # name: (lines, physical data lines, quarantined as unbalanced_quote)
    "mid_cell": ([_line(1), '2,1,"@b,2026-12-12 10:00:00,10.00,completed', _line(3), _line(4), _line(5)], 5, [2]),
    "last_cell": ([_line(1), '2,1,@b,2026-12-12 10:00:00,10.00,"completed', _line(3), _line(4), _line(5)], 5, [2]),
    "closed_by_a_later_stray_quote": (
        [_line(1), '2,1,"@b,2026-12-12 10:00:00,10.00,completed', _line(3), '4,1,@d",2026-12-12', _line(5)], 5, [2],
    ),
    "two_runaways": (
        ['1,1,"@a,2026-12-12 10:00:00,10.00,completed', _line(2), '3,1,"@c,2026-12-12', _line(4), _line(5)],
        5,
        [1, 3],
    ),
    "first_line": (['1,1,"@a,2026-12-12 10:00:00,10.00,completed', _line(2), _line(3)], 3, [1]),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(UNBALANCED))
def test_an_unbalanced_quote_accounts_for_every_physical_line(tmp_path, capsys, case):
    lines, physical, damaged = UNBALANCED[case]
    code, captured, out = _ingest(tmp_path, capsys, f"{case}.csv", _orders(*lines))
    assert code == 0, captured.err
    summary = json.loads(captured.out)
    assert summary["rows_in"] == physical  # before: 5 data lines in, rows_in 2 out
    assert summary["accepted"] + summary["quarantined"] == physical
    quarantine = _rows(out / "quarantine.csv")
    runaway = [int(r["row_number"]) for r in quarantine if r["reason"] == "unbalanced_quote"]
    assert runaway == damaged
    for row in quarantine:
        if row["reason"] == "unbalanced_quote":
            line = int(row["detail"].split(":")[0].removeprefix("line "))
            assert json.loads(row["raw_json"])["line"] == lines[line - 2]  # names its physical line, keeps its text
    accepted_ids = {r["order_id"] for r in _rows(out / "accepted.csv")}
    untouched = {line.split(",")[0] for line in lines if '"' not in line}
    assert untouched <= accepted_ids  # the lines a quote swallowed are rows again


def test_a_real_multi_line_cell_stays_one_row(tmp_path, capsys):
    content = _orders(_line(1), '2,1,@b,2026-12-12 10:00:00,10.00,"comp\nleted"', _line(3))
    code, captured, out = _ingest(tmp_path, capsys, "multiline.csv", content)
    assert code == 0 and json.loads(captured.out)["rows_in"] == 3
    assert [r["source_status"] for r in _rows(out / "accepted.csv")] == ["completed", "comp\nleted", "completed"]


@pytest.mark.integration
def test_an_unbalanced_quote_is_counted_in_the_registry(warehouse_engine, landing, make_ctx, tmp_path):
    from sqlalchemy import select

    from creator_ops.steps.ingest import ingest
    from creator_ops.warehouse import schema

    source = tmp_path / "orders_quote.csv"
    source.write_text(_orders(*UNBALANCED["mid_cell"][0]))
    landing("orders", source)
    ingest(make_ctx(warehouse_engine), "orders")
    with warehouse_engine.connect() as conn:
        row = conn.execute(select(schema.ingested_files)).mappings().one()
        reasons = conn.execute(select(schema.quarantine.c.reason)).scalars().all()
    assert (row["rows_in"], row["rows_accepted"], row["rows_quarantined"]) == (5, 4, 1)
    assert reasons == ["unbalanced_quote"]


# --------------------------------------------------------------------------- NUL bytes


def _nul_past_4k() -> bytes:
    text = _orders(*(_line(i) for i in range(300))).encode()
    assert len(text) > 8192
    return text[:6000] + b"\x00" + text[6000:]


def test_a_nul_byte_anywhere_rejects_the_file_naming_its_line(tmp_path, capsys):
    content = _nul_past_4k()
    line = content[:6000].count(b"\n") + 1
    code, captured, _ = _ingest(tmp_path, capsys, "nul.csv", content)
    assert code == 2 and captured.err.count("\n") == 1
    assert f"NUL byte on line {line}, byte 6,001" in captured.err


@pytest.mark.parametrize("form", ["jsonl", "parquet"])
def test_a_nul_character_inside_a_cell_rejects_the_file_naming_column_and_row(tmp_path, form):
    rows = [{"order_id": str(i), "line_id": "1", "creator_id": "a\x00b" if i == 2 else "a",
             "order_time": "2026-12-12 10:00", "gmv": "1", "status": "completed"} for i in range(1, 4)]  # fmt: skip
    path = tmp_path / f"orders.{form}"
    if form == "jsonl":
        path.write_text("\n".join(json.dumps(r) for r in rows))  # JSON escapes it as \u0000
    else:
        pq.write_table(pa.Table.from_pylist(rows), path)
    with pytest.raises(FileRejected, match=r"column 'creator_id', data row 2: a NUL character"):
        read_dataset(path, "orders", pii_key=KEY)


@pytest.mark.integration
def test_a_nul_file_is_registered_rejected_and_reruns_do_not_fail(warehouse_engine, landing, make_ctx, tmp_path, caplog):
    from sqlalchemy import select

    from creator_ops.steps.ingest import ingest
    from creator_ops.warehouse import schema

    source = tmp_path / "orders_nul.csv"
    source.write_bytes(_nul_past_4k())
    landing("orders", source)
    jsonl = tmp_path / "orders_nul.jsonl"
    jsonl.write_text(json.dumps({"order_id": "1", "line_id": "1", "creator_id": "a\x00", "order_time": "2026-12-12",
                                 "gmv": "1", "status": "completed"}))  # fmt: skip
    landing("orders", jsonl)
    ctx = make_ctx(warehouse_engine)
    ctx.log = logging.getLogger("round3")
    first = ingest(ctx, "orders")  # before: the PostgreSQL load failed and nothing was recorded
    assert (first["files"], first["rejected"]) == (2, 2)
    again = ingest(make_ctx(warehouse_engine, run_id="manual__rerun"), "orders")
    assert (again["files"], again["already_ingested"]) == (0, 2)
    with warehouse_engine.connect() as conn:
        rows = conn.execute(select(schema.ingested_files)).mappings().all()
    assert sorted(r["status"] for r in rows) == ["rejected", "rejected"]
    assert all("NUL" in r["rejection_reason"] and r["archived_uri"] for r in rows)


def test_a_runaway_quote_past_the_cell_limit_is_quarantined_and_the_rest_read(tmp_path, capsys):
    lines = [_line(1), '2,1,"@b,2026-12-12 10:00:00,10.00,completed', *(_line(i) for i in range(3, 30_001))]
    assert sum(map(len, lines)) > 1 << 20  # the swallowed cell passes the 1 MiB cell limit
    code, captured, out = _ingest(tmp_path, capsys, "runaway_big.csv", _orders(*lines))
    assert code == 0, captured.err  # before: the whole file rejected, naming no line
    assert json.loads(captured.out) == {"rows_in": 30_000, "accepted": 29_999, "quarantined": 1}
    assert _rows(out / "quarantine.csv")[0]["detail"].startswith("line 3: a quote opens and is not closed")


def test_a_closed_cell_past_the_limit_still_rejects_the_file_naming_its_line(tmp_path, capsys):
    code, captured, _ = _ingest(tmp_path, capsys, "huge.csv", _orders(_line(1), _line(2)) + '"' + "A" * (2 << 20) + '"\n')
    assert code == 2 and "line 4: a cell of more than 1,048,576 characters" in captured.err
