"""Hostile data files: every one is read (every row accepted or quarantined) or rejected whole with a reason.

One property for the whole generated corpus, through the reader, the command line and
the ingest step: exit 0 or 2 (never 1), `rows_in = accepted + quarantined`, a rejection
names its cause, no cell a spreadsheet would run, and none of the planted e-mail
addresses or phone numbers in clear anywhere: accepted rows, quarantine payloads,
answers, messages, log lines, warehouse tables.
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
from pathlib import Path

import pytest
from broken_files import PLANTED, PLANTED_DIGITS, corpus
from repo_paths import TESTS

from creator_ops.core.ingest import FileRejected, read_dataset
from creator_ops.core.masking import EMAIL_PATTERN
from creator_ops.core.safe_csv import FORMULA_PREFIXES

KEY = b"adversarial-test-key"


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> list[tuple[str, Path]]:
    return corpus(tmp_path_factory.mktemp("hostile"), random.Random(14))


def assert_no_clear_pii(text: str, where: str) -> None:
    """Fail if `text` holds a planted e-mail or phone number (as written, or its bare digits)."""
    for secret in PLANTED:
        assert secret.lower() not in text.lower(), f"{where}: {secret!r} in clear"
    digits = re.sub(r"\D", "", text)
    for secret in PLANTED_DIGITS:
        assert secret not in digits or _only_in_ids(text, secret), f"{where}: digits of a phone in clear"
    assert not EMAIL_PATTERN.search(text), f"{where}: an e-mail address in clear"


def _only_in_ids(text: str, digits: str) -> bool:
    # long order ids and hex hashes may contain the digits by chance, not as a number of their own
    return not re.search(rf"(?<!\d){'[^0-9a-f]{0,3}'.join(digits)}(?!\d)", text)


def _table_text(table) -> str:
    return json.dumps(table.to_pylist(), ensure_ascii=False, default=str) if table is not None else ""


def test_every_hostile_file_is_read_or_rejected_whole(files):
    outcomes = {"read": 0, "rejected": 0}
    for dataset, path in files:
        try:
            result = read_dataset(path, dataset, pii_key=KEY)
        except FileRejected as exc:
            outcomes["rejected"] += 1
            assert exc.cause and str(path) in str(exc)
            assert_no_clear_pii(exc.cause, f"{path.name} rejection")
            continue
        outcomes["read"] += 1
        assert result.rows_in == result.n_accepted + result.n_quarantined, path.name
        reasons = result.quarantined_table.column("reason").to_pylist()
        assert all(re.fullmatch(r"[a-z_]+", r or "") for r in reasons), set(reasons)  # machine-readable
        for name, table in (("accepted", result.accepted_table), ("quarantine", result.quarantined_table),
                            ("answers", result.answers_table)):
            assert_no_clear_pii(_table_text(table), f"{path.name} {name}")
        assert_no_clear_pii(" ".join(result.columns_seen + result.questions + [result.note or ""]), path.name)
    assert outcomes["read"] >= 40 and outcomes["rejected"] >= 70, outcomes


def test_the_reported_examples(files):
    by_name = {p.name: (d, p) for d, p in files}
    dataset, path = by_name["orders__huge_field.csv"]
    with pytest.raises(FileRejected, match="more than"):
        read_dataset(path, dataset, pii_key=KEY)
    dataset, path = by_name["creators__nested.parquet"]
    result = read_dataset(path, dataset, pii_key=KEY)  # extra nested columns are read as JSON text
    assert result.n_accepted > 0
    dataset, path = by_name["orders__duplicate_columns.csv"]
    with pytest.raises(FileRejected, match="duplicate column 'order_id'"):
        read_dataset(path, dataset, pii_key=KEY)
    dataset, path = by_name["orders__second_sheet.xlsx"]
    result = read_dataset(path, dataset, pii_key=KEY)
    assert result.n_accepted + result.n_quarantined == 12 and result.note == "read worksheet 'Data'; not read: 'Summary'"
    dataset, path = by_name["orders__two_data_sheets.xlsx"]
    with pytest.raises(FileRejected, match="several worksheets.*'Week 1', 'Week 2'"):
        read_dataset(path, dataset, pii_key=KEY)
    dataset, path = by_name["orders__bomb.xlsx"]
    with pytest.raises(FileRejected, match="zip bomb"):
        read_dataset(path, dataset, pii_key=KEY)
    dataset, path = by_name["exclusions__broken_lines.jsonl"]
    result = read_dataset(path, dataset, pii_key=KEY)
    broken = [json.loads(r) for r, why in zip(result.quarantined["raw_json"], result.quarantined["reason"], strict=True)
              if why == "bad_json"]
    assert any("broken line [email:" in row.get("line", "") for row in broken)  # kept, and masked
    dataset, path = by_name["orders__headerless_pii.csv"]
    with pytest.raises(FileRejected) as rejected:
        read_dataset(path, dataset, pii_key=KEY)
    assert "[email hidden]" in rejected.value.cause and "[phone hidden]" in rejected.value.cause


def _csv_cells(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8-sig")
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def test_the_command_line_exits_0_or_2_and_leaks_nothing(files, tmp_path, capsys, monkeypatch):
    _command_line_property([f for f in files if f[0] in ("orders", "surveys", "creators")], tmp_path, capsys, monkeypatch)


@pytest.mark.slow
def test_the_command_line_exits_0_or_2_and_leaks_nothing_on_every_data_set(files, tmp_path, capsys, monkeypatch):
    _command_line_property(files, tmp_path, capsys, monkeypatch)


def _command_line_property(files, tmp_path, capsys, monkeypatch) -> None:
    from creator_ops.cli import main

    monkeypatch.setenv("AIRFLOW_VAR_PII_HASH_KEY", KEY.decode())
    for i, (dataset, path) in enumerate(files):
        out = tmp_path / f"out{i}"
        code = main(["ingest", dataset, str(path), "--out", str(out)])
        captured = capsys.readouterr()
        assert code in (0, 2), (path.name, captured.err)
        assert "internal error" not in captured.err and "Traceback" not in captured.err
        assert_no_clear_pii(captured.out + captured.err, f"{path.name} output")
        if code == 2:
            assert captured.err.count("\n") == 1 and "rejected" in captured.err, captured.err
            continue
        summary = json.loads(captured.out)
        assert summary["rows_in"] == summary["accepted"] + summary["quarantined"]
        for written in out.glob("*.csv"):
            cells = _csv_cells(written)
            assert_no_clear_pii("\n".join(cells), f"{path.name} {written.name}")
            risky = [c for c in cells if c.startswith(FORMULA_PREFIXES) and not re.fullmatch(r"[+-]?[\d.]+", c)]
            assert not risky, (path.name, written.name, risky[:3])


@pytest.mark.integration
def test_the_ingest_step_registers_every_file_and_never_blocks_the_good_one(
    warehouse_engine, files, landing, make_ctx, caplog
):
    import logging

    from sqlalchemy import select

    from creator_ops.core.problems import rejected_file_alerts
    from creator_ops.steps.ingest import ingest
    from creator_ops.warehouse import queries, schema

    orders = [(d, p) for d, p in files if d == "orders"]
    for _, path in orders:
        landing("orders", path)
    good = TESTS / "fixtures" / "ingest" / "orders_canonical_semicolon.csv"
    landing("orders", good, "zzz_good.csv")
    ctx = make_ctx(warehouse_engine)
    ctx.log = logging.getLogger("adversarial")
    with caplog.at_level(logging.INFO, logger="adversarial"):
        summary = ingest(ctx, "orders")
    assert summary["files"] == len({p.read_bytes() for _, p in orders} | {good.read_bytes()})
    with warehouse_engine.connect() as conn:
        registry = [dict(r._mapping) for r in conn.execute(select(schema.ingested_files))]
        tables = {
            name: _table_text_rows(conn.execute(select(table)).fetchall())
            for name, table in (("quarantine", schema.quarantine), ("order_lines", schema.order_lines))
        }
    assert len(registry) == summary["files"]
    for row in registry:
        assert row["rows_in"] == row["rows_accepted"] + row["rows_quarantined"]
        assert (row["status"] == "rejected") == bool(row["rejection_reason"])
        assert row["archived_uri"]
    assert any(r["status"] == "accepted" and r["source_uri"].endswith("zzz_good.csv") for r in registry)
    assert sum(r["status"] == "rejected" for r in registry) >= 15
    text = json.dumps(registry, default=str, ensure_ascii=False)
    assert_no_clear_pii(text.replace(str(landing.root), ""), "ingested_files")
    for name, text in tables.items():
        assert_no_clear_pii(text, name)
    assert_no_clear_pii(caplog.text, "log lines")
    alerts = rejected_file_alerts(queries.rejected_files(warehouse_engine, ctx.campaign_id, ctx.run_id), ctx.spec, ctx.run_id)
    assert len(alerts) == sum(r["status"] == "rejected" for r in registry)
    assert_no_clear_pii(json.dumps([a.data for a in alerts], ensure_ascii=False), "alerts")


def _table_text_rows(rows) -> str:
    return json.dumps([list(r) for r in rows], default=str, ensure_ascii=False)
