"""`campaignctl allocate` and `campaignctl match` leave the spec's holdout out (SPEC 12), and say how many."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
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
    spent = {r["creator_id"] for r in rows if Decimal(r["spend_myr"]) > 0}
    assert spent == {f"c{i:02d}" for i in range(N)} - held  # ids normalised first
    # SPEC 15: the plan over every candidate gives the holdout ghost rows: spend 0, what it would have got beside
    ghosts = [r for r in rows if r["creator_id"] in held]
    assert {r["creator_id"] for r in ghosts} == held and summary["ghosts"] == len(held)
    assert all(r["spend_myr"] == r["expected_gmv_myr"] == "0.00" and Decimal(r["ghost_spend_myr"]) > 0 for r in ghosts)
    assert Decimal(summary["held_back_myr"]) == sum(Decimal(r["ghost_spend_myr"]) for r in ghosts)
    assert any("held out of traffic" in n and "held back with the holdout" in n for n in summary["notes"])
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
    # SPEC 15: the holdout's pairs are ghosts, in pairs_ghosts.csv beside the list, never in it
    assert {r["creator_id"] for r in _rows(files / "pairs_ghosts.csv")} == held
    assert summary["held_back_samples"] == len(held) and "held back with the holdout" in summary["held_back"]
    assert "ranking score" in summary["value_meaning"] and "not a forecast" in summary["value_meaning"]


def _review_json(path: Path, campaign_type: str, calibration: str | None) -> Path:
    traffic = {"calibration": None if calibration is None else float(calibration)}
    path.write_text(json.dumps({"campaign": {"id": "earlier_scd", "type": campaign_type}, "experiments": {"traffic": traffic}}))
    return path


def test_allocate_calibrates_from_an_earlier_review_of_the_same_type(files, capsys):
    spec = files / "calibrated.yaml"
    spec.write_text(SPEC.replace("efficiency: [1.0, 0.5]}", "efficiency: [1.0, 0.5], calibrate: true}"))
    args = ["allocate", "--spec", str(spec), "--content", str(files / "content.csv")]
    assert main([*args, "--out", str(files / "one.csv")]) == 0
    plain = json.loads(capsys.readouterr().out)
    assert plain["calibration"]["factor"] == "1.000000" and "no --calibration-from" in plain["calibration"]["source"]
    review = _review_json(files / "review.json", "scd", "0.25")
    assert main([*args, "--out", str(files / "quarter.csv"), "--calibration-from", str(review)]) == 0
    scaled = json.loads(capsys.readouterr().out)
    assert scaled["calibration"]["factor"] == "0.250000" and "earlier_scd" in scaled["calibration"]["source"]
    # the same spend goes to the same creators; what it is expected to add is a quarter
    one = {r["creator_id"]: r for r in _rows(files / "one.csv")}
    quarter = {r["creator_id"]: r for r in _rows(files / "quarter.csv")}
    assert {c: r["spend_myr"] for c, r in one.items()} == {c: r["spend_myr"] for c, r in quarter.items()}
    total = sum(Decimal(r["expected_gmv_myr"]) for r in one.values())
    assert sum(Decimal(r["expected_gmv_myr"]) for r in quarter.values()) == pytest.approx(total / 4, abs=Decimal("0.5"))
    # a negative calibration counts as 0 (SPEC 12: at least 0)
    assert main([*args, "--out", str(files / "zero.csv"), "--calibration-from",
                 str(_review_json(files / "neg.json", "scd", "-0.4"))]) == 0  # fmt: skip
    assert json.loads(capsys.readouterr().out)["calibration"]["factor"] == "0.000000"


@pytest.mark.parametrize(
    ("campaign_type", "calibration", "field"),
    [("mega_sale", "0.5", "campaign.type"), ("scd", None, "experiments.traffic.calibration")],
)
def test_allocate_calibration_from_a_wrong_review_is_exit_2_naming_the_field(files, capsys, campaign_type,
                                                                             calibration, field):
    spec = files / "calibrated.yaml"
    spec.write_text(SPEC.replace("efficiency: [1.0, 0.5]}", "efficiency: [1.0, 0.5], calibrate: true}"))
    review = _review_json(files / "bad.json", campaign_type, calibration)
    code = main(["allocate", "--spec", str(spec), "--content", str(files / "content.csv"), "--out",
                 str(files / "x.csv"), "--calibration-from", str(review)])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and "bad.json" in err and field in err and "Traceback" not in err
