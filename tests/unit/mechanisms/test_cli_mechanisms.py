"""`campaignctl match` and `campaignctl allocate`: from messy files, JSON summary, exit codes."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from creator_ops.cli import main

CAMPAIGNCTL = Path(sys.executable).parent / "campaignctl"
SPEC = """id: cli_mechanisms
name: CLI mechanisms
type: scd
timeline: {event_start: 2027-03-10}
recruitment: {account_managers: [aisyah, wei_jie]}
matchmaking: {max_products_per_creator: 1}
traffic: {budget_myr: 250, cpm_myr: 10, step_myr: 100, efficiency: [1.0, 0.5]}
"""


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    (tmp_path / "spec.yaml").write_text(SPEC, encoding="utf-8")
    # a spreadsheet export: BOM, semicolons, "RM2,000.00", "50K", "@Aina ", a header alias for the AM, an email
    (tmp_path / "creators.csv").write_text(
        "Creator Username;Category;Followers;GMV 30d (RM);AM;Email\n"
        "@Aina ;Beauty;50K;RM2,000.00;aisyah;aina@example.com\n"
        "ben;beauty;8000;1500;wei_jie;\n"
        "chong;Fashion;20,000;900.00;;\n"
        "dev;beauty;500;3000;aisyah;\n"
        "bad;beauty;lots;100;;\n",
        encoding="utf-8-sig",
    )
    products = [
        {"product_id": "serum", "name": "Serum", "category": "Beauty", "price_myr": "59.90", "sample_quota": 2, "priority": 3, "min_followers": "1K"},
        {"product_id": "tee", "name": "=HYPERLINK(\"x\")", "category": "fashion", "price_myr": "25", "sample_quota": 3},
        {"product_id": "zero", "name": "Zero", "category": "beauty", "price_myr": "10", "sample_quota": 0},
        {"product_id": "bad", "name": "Bad", "category": "beauty", "price_myr": "10", "sample_quota": -1},
    ]
    (tmp_path / "products.jsonl").write_text("\n".join(json.dumps(p) for p in products) + "\n", encoding="utf-8")
    (tmp_path / "history.csv").write_text("creator_id,category,gmv_myr\nBEN,beauty,1.00\nben,Fashion,0.50\nben,fashion,0.50\n")
    pq.write_table(
        pa.table(
            {
                "sample_id": ["x1", "x2", "x3", "x3"],
                "creator_id": ["aina", "chong", "ben", "ben"],
                "product_id": ["old", "old", "old", "old"],
                "requested_at": ["2026-11-01 10:00:00"] * 4,
                "status": ["COMPLETED", "shipped", "SHIPPED", "Cancelled"],  # x3 was cancelled after all
            }
        ),
        tmp_path / "samples.parquet",
    )
    (tmp_path / "content.csv").write_text(
        "Video ID,Creator,Content Type,Post Time,Video Views,GMV (RM)\n"
        "v1,A,video,10/03/2027 10:00,\"6,000\",RM200.00\n"
        "v2,a,live,10/03/2027 11:00,4000,100\n"
        "l1,B,LIVE,10/03/2027 12:00,10K,100\n"
        "l2,B,LIVE,not a time,10,5\n",
        encoding="utf-8",
    )
    return {p.stem: p for p in tmp_path.iterdir()}


def _run(capsys, *argv: str) -> tuple[int, dict | None, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, (json.loads(captured.out) if code == 0 else None), captured.err


def _rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_match_from_messy_files(files, tmp_path, capsys):
    out = tmp_path / "out" / "pairs.csv"
    code, summary, err = _run(
        capsys, "match", "--spec", str(files["spec"]), "--creators", str(files["creators"]),
        "--products", str(files["products"]), "--history", str(files["history"]),
        "--samples", str(files["samples"]), "--out", str(out),
    )  # fmt: skip
    assert code == 0, err
    # aina/serum: 200000 × 1 × (1+1)/(1+2) × 3 = 400000; ben/serum: 150000 × 1/2 × 1/2 × 3 = 112500
    # (ben's one shipped sample was cancelled later); chong/tee: 90000 × 1 × 1/3 × 1 = 30000
    assert _rows(out) == [
        {"creator_id": "aina", "product_id": "serum", "value_myr": "4000.00", "account_manager": "aisyah"},
        {"creator_id": "ben", "product_id": "serum", "value_myr": "1125.00", "account_manager": "wei_jie"},
        {"creator_id": "chong", "product_id": "tee", "value_myr": "300.00", "account_manager": ""},
    ]
    assert (summary["pairs"], summary["total_value_myr"]) == (3, "5425.00")
    # the third product has no sample quota: neither filled nor short (it was counted as filled)
    assert (summary["products_filled"], summary["products_short"], summary["products_without_quota"]) == (1, 1, 1)
    inputs = summary["inputs"]
    assert inputs["creators"]["quarantine_reasons"] == {"bad_number": 1}
    assert inputs["products"]["quarantine_reasons"] == {"out_of_range": 1}
    assert all(i["rows_in"] == i["accepted"] + i["quarantined"] for i in inputs.values())
    assert "example.com" not in out.read_text(encoding="utf-8-sig") + json.dumps(summary)
    assert out.read_bytes().startswith(b"creator_id,product_id,value_myr,account_manager\n")  # for programs: no BOM


def test_allocate_from_a_messy_content_file(files, tmp_path, capsys):
    out = tmp_path / "alloc.csv"
    code, summary, err = _run(
        capsys, "allocate", "--spec", str(files["spec"]), "--content", str(files["content"]), "--out", str(out)
    )
    assert code == 0, err
    assert (summary["spent_myr"], summary["expected_gmv_myr"]) == ("250.00", "462.50")
    assert summary["inputs"]["content"] == {
        "file": str(files["content"]), "rows_in": 4, "accepted": 3, "quarantined": 1,
        "quarantine_reasons": {"bad_timestamp": 1},
    }  # fmt: skip
    assert [(r["creator_id"], r["spend_myr"], r["expected_gmv_myr"]) for r in _rows(out)] == [
        ("a", "150.00", "312.50"),
        ("b", "100.00", "150.00"),
    ]


def test_bad_input_exits_2_naming_file_and_field(files, tmp_path, capsys):
    code, _, err = _run(
        capsys, "match", "--spec", str(files["spec"]), "--creators", str(files["creators"]),
        "--products", str(files["history"]), "--out", str(tmp_path / "p.csv"),
    )  # fmt: skip
    assert code == 2 and str(files["history"]) in err and "sample_quota" in err
    code, _, err = _run(
        capsys, "match", "--spec", str(files["spec"]), "--creators", str(tmp_path / "missing.csv"),
        "--products", str(files["products"]), "--out", str(tmp_path / "p.csv"),
    )  # fmt: skip
    assert code == 2 and "missing.csv" in err
    no_traffic = tmp_path / "no_traffic.yaml"
    no_traffic.write_text(SPEC.split("traffic:")[0], encoding="utf-8")
    code, _, err = _run(
        capsys, "allocate", "--spec", str(no_traffic), "--content", str(files["content"]), "--out", str(tmp_path / "a.csv")
    )
    assert code == 2 and "no_traffic.yaml" in err and "traffic" in err
    rising = tmp_path / "rising.yaml"
    rising.write_text(SPEC.replace("[1.0, 0.5]", "[0.5, 1.0]"), encoding="utf-8")
    code, _, err = _run(
        capsys, "allocate", "--spec", str(rising), "--content", str(files["content"]), "--out", str(tmp_path / "a.csv")
    )
    assert code == 2 and "rising.yaml" in err and "traffic.efficiency" in err


def test_the_installed_command_prints_only_json(files, tmp_path):
    done = subprocess.run(
        [str(CAMPAIGNCTL), "allocate", "--spec", str(files["spec"]), "--content", str(files["content"]),
         "--out", str(tmp_path / "a.csv")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["spent_myr"] == "250.00"
