"""`campaignctl ingest` run for real as a subprocess: outputs, JSON summary, exit codes."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from repo_paths import DEMO_SPEC

CAMPAIGNCTL = Path(sys.executable).parent / "campaignctl"


def _run(*args: str, key: str | None = "cli-test-key", **env: str) -> subprocess.CompletedProcess:
    environment = {
        k: v for k, v in os.environ.items() if k not in ("AIRFLOW_VAR_PII_HASH_KEY", "CREATOR_OPS_DEMO")
    }
    if key is not None:
        environment["AIRFLOW_VAR_PII_HASH_KEY"] = key
    environment.update(env)
    return subprocess.run(
        [str(CAMPAIGNCTL), "ingest", *args], capture_output=True, text=True, env=environment, timeout=120
    )


def _rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_ingest_writes_accepted_and_quarantine_and_prints_counts(export_files, tmp_path: Path) -> None:
    done = _run("orders", str(export_files["orders_canonical_semicolon.csv"]), "--out", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"rows_in": 13, "accepted": 3, "quarantined": 10}
    accepted = _rows(tmp_path / "out" / "accepted.csv")
    quarantine = _rows(tmp_path / "out" / "quarantine.csv")
    assert len(accepted) + len(quarantine) == 13
    assert accepted[0]["order_id"] == "7000000002" and accepted[0]["gmv_myr"] == "1234.50"
    assert accepted[0]["order_time"] == "2026-12-12T02:00:00Z"
    assert {"row_number", "reason", "field", "detail", "raw_json"} <= set(quarantine[0])
    assert quarantine[0]["reason"] == "bad_money"


def test_surveys_also_write_answers(export_files, tmp_path: Path) -> None:
    done = _run("surveys", str(export_files["surveys_google_forms.csv"]), "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    answers = _rows(tmp_path / "answers.csv")
    assert {a["language"] for a in answers} == {"ms", "zh", "en", "ta"}
    text = (tmp_path / "accepted.csv").read_text(encoding="utf-8") + (tmp_path / "quarantine.csv").read_text()
    assert "example.com" not in text


def test_spec_time_zone_reads_offsetless_timestamps(export_files, tmp_path: Path) -> None:
    spec = tmp_path / "tokyo.yaml"
    spec.write_text(
        "id: tokyo_test\nname: Tokyo\ntype: scd\ntimezone: Asia/Tokyo\ntimeline: {event_start: 2026-12-12}\n"
    )
    done = _run(
        "orders",
        str(export_files["orders_affiliate_export.csv"]),
        "--out",
        str(tmp_path / "o"),
        "--spec",
        str(spec),
    )
    assert done.returncode == 0, done.stderr
    assert _rows(tmp_path / "o" / "accepted.csv")[0]["order_time"] == "2026-12-12T01:15:00Z"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("orders_missing_columns.csv", "missing required column"),
        ("orders_garbage.csv", "undecodable"),
        ("empty.csv", "empty"),
    ],
)
def test_unreadable_file_exits_2_with_one_line(export_files, tmp_path: Path, name: str, message: str) -> None:
    done = _run("orders", str(export_files[name]), "--out", str(tmp_path))
    assert done.returncode == 2
    assert message in done.stderr and name in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
    assert not (tmp_path / "accepted.csv").exists()


def test_missing_file_and_bad_spec_exit_2(export_files, tmp_path: Path) -> None:
    assert _run("orders", str(tmp_path / "nope.csv"), "--out", str(tmp_path)).returncode == 2
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\n")
    done = _run("orders", str(export_files["orders_ragged.csv"]), "--out", str(tmp_path), "--spec", str(bad))
    assert done.returncode == 2 and "invalid spec" in done.stderr


def test_without_pii_key_it_stops_unless_demo(export_files, tmp_path: Path) -> None:
    done = _run("enrollments", str(export_files["enrollments_messy.tsv"]), "--out", str(tmp_path), key=None)
    assert done.returncode == 2 and "pii_hash_key" in done.stderr
    demo = _run(
        "enrollments",
        str(export_files["enrollments_messy.tsv"]),
        "--out",
        str(tmp_path),
        key=None,
        CREATOR_OPS_DEMO="1",
    )
    assert demo.returncode == 0, demo.stderr


def test_unknown_dataset_is_a_usage_error(export_files, tmp_path: Path) -> None:
    done = _run("payouts", str(export_files["orders_ragged.csv"]), "--out", str(tmp_path))
    assert done.returncode == 2


@pytest.mark.parametrize("dataset", ["products", "invitations", "samples", "content"])
def test_ingest_takes_the_section9_data_sets(tmp_path: Path, dataset: str) -> None:
    from creator_ops.core.spec import load_spec
    from creator_ops.stand_ins.data import generate, write_dataset

    spec = load_spec(DEMO_SPEC)
    frame = generate(spec, creators=40, seed=3).frame(dataset)
    source = write_dataset(frame, tmp_path / f"{dataset}.csv", mess=True, seed=5, dataset=dataset)
    done = _run(dataset, str(source), "--out", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary == {"rows_in": len(frame), "accepted": len(frame), "quarantined": 0}
    accepted = _rows(tmp_path / "out" / "accepted.csv")
    assert len(accepted) == len(frame)
    if dataset == "products":
        assert {"product_id", "price_myr", "sample_quota", "priority", "min_followers"} <= set(accepted[0])
    if dataset == "content":
        assert {"content_type", "views", "gmv_myr"} <= set(accepted[0])


def test_surveys_accepted_csv_keeps_every_answer_in_its_language(export_files, tmp_path: Path) -> None:
    """SPEC 8: one column per question, as submitted (Malay, Chinese, Tamil), personal data hashed."""
    done = _run("surveys", str(export_files["surveys_google_forms.csv"]), "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    rows = _rows(tmp_path / "accepted.csv")
    assert [r["creator_id"] for r in rows] == ["siti.nur", "ahmad_k", "kavitha.style"]
    questions = ["Apa yang anda suka tentang kempen ini?", "你会推荐给朋友吗？", "Any other comments?"]
    assert list(rows[0])[-3:] == questions
    assert [rows[0][q] for q in questions] == ["Saya suka produk dan harga yang murah", "会，非常推荐", "Great campaign, thanks"]
    assert rows[1]["Any other comments?"] == "I would like faster payouts\nand better vouchers"
    assert rows[2][questions[0]] == "நல்ல பிரச்சாரம்" and rows[2][questions[1]] == ""
    text = (tmp_path / "accepted.csv").read_text(encoding="utf-8")
    assert "siti.nur@example.com" not in text and len(rows[0]["email_hash"]) == 64
