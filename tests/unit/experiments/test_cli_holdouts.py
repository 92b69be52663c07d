"""`campaignctl allocate` and `campaignctl match` leave the spec's holdout out (SPEC 12), and say how many."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from creator_ops.cli import main
from creator_ops.core.experiments import in_holdout

SPEC = """id: cli_holdouts
name: CLI holdouts
type: scd
timeline: {event_start: 2027-03-10}
traffic: {budget_myr: 100000, cpm_myr: 10, step_myr: 100, efficiency: [1.0, 0.5]}
experiments: {traffic: {holdout_share: 0.3}, samples: {holdout_share: 0.3}}
"""
N = 60


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "spec.yaml").write_text(SPEC)
    (tmp_path / "plain.yaml").write_text(SPEC.split("experiments:")[0])
    (tmp_path / "content.csv").write_text(
        "content_id,creator_id,content_type,posted_at,views,gmv_myr\n"
        + "".join(f"v{i},@C{i:02d} ,VIDEO,2027-03-09 10:00:00,{1000 + 37 * i},{10 + i}.00\n" for i in range(N))
    )
    (tmp_path / "creators.csv").write_text(
        "creator_id,category,followers,gmv_30d_myr\n" + "".join(f"c{i:02d},beauty,5000,{100 + i}.00\n" for i in range(N))
    )
    (tmp_path / "products.csv").write_text("product_id,name,category,price_myr,sample_quota\np1,Serum,beauty,20.00,100\n")
    return tmp_path


def _rows(path: Path) -> list[dict]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def _held(mechanism: str) -> set[str]:
    return {f"c{i:02d}" for i in range(N) if in_holdout("cli_holdouts", mechanism, f"c{i:02d}", "0.3")}


def test_allocate_gives_the_holdout_nothing(files, capsys):
    assert main(["allocate", "--spec", str(files / "spec.yaml"), "--content", str(files / "content.csv"),
                 "--out", str(files / "alloc.csv")]) == 0  # fmt: skip
    summary = json.loads(capsys.readouterr().out)
    held = _held("traffic")
    assert len(held) >= 8 and summary["held_out_creators"] == len(held)
    rows = _rows(files / "alloc.csv")
    assert {r["creator_id"] for r in rows} == {f"c{i:02d}" for i in range(N)} - held  # ids normalised first
    assert any("held out of traffic" in n for n in summary["notes"])
    # without experiments everyone is a candidate
    assert main(["allocate", "--spec", str(files / "plain.yaml"), "--content", str(files / "content.csv"),
                 "--out", str(files / "all.csv")]) == 0  # fmt: skip
    assert len(_rows(files / "all.csv")) == N and "held_out_creators" not in json.loads(capsys.readouterr().out)


def test_match_gives_the_holdout_no_pair(files, capsys):
    assert main(["match", "--spec", str(files / "spec.yaml"), "--creators", str(files / "creators.csv"),
                 "--products", str(files / "products.csv"), "--out", str(files / "pairs.csv")]) == 0  # fmt: skip
    summary = json.loads(capsys.readouterr().out)
    held = _held("samples")
    paired = {r["creator_id"] for r in _rows(files / "pairs.csv")}
    assert paired == {f"c{i:02d}" for i in range(N)} - held and summary["held_out_creators"] == len(held)
    assert "ranking score" in summary["value_meaning"] and "not a forecast" in summary["value_meaning"]
