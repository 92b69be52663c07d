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


def _review_json(path: Path, campaign_type: str, calibration: str | None, se: str | None = "0.5",
                 campaign_id: str = "earlier_scd", event_start: str = "2026-12-12T00:00:00+08:00") -> Path:
    on_treated = {"calibration": None if calibration is None else float(calibration),
                  "calibration_se": None if se is None else float(se), "sd_adjusted_myr": "400.00"}
    path.write_text(json.dumps({"campaign": {"id": campaign_id, "type": campaign_type, "event_start": event_start},
                                "experiments": {"traffic": {"on_treated": on_treated}}}))
    return path


def test_allocate_pools_the_on_treated_calibrations_of_earlier_reviews(files, capsys):
    spec = files / "calibrated.yaml"
    spec.write_text(SPEC.replace("efficiency: [1.0, 0.5]}", "efficiency: [1.0, 0.5], calibrate: true}"))
    args = ["allocate", "--spec", str(spec), "--content", str(files / "content.csv")]
    assert main([*args, "--out", str(files / "one.csv")]) == 0
    plain = json.loads(capsys.readouterr().out)
    assert plain["calibration"] == "1.000000" and plain["calibration_pooled"] == [] and plain["mde_myr"] is None
    # SPEC 15: c* = (1 + 0.25/0.5² + 0.5/1²) / (1 + 1/0.5² + 1/1²) = 2.5 / 6
    a = _review_json(files / "a.json", "scd", "0.25", "0.5", "a", "2026-11-11T00:00:00+08:00")
    b = _review_json(files / "b.json", "scd", "0.5", "1", "b", "2026-12-12T00:00:00+08:00")
    assert main([*args, "--out", str(files / "pooled.csv"), "--calibration-from", str(a),
                 "--calibration-from", str(b)]) == 0  # fmt: skip
    pooled = json.loads(capsys.readouterr().out)
    assert pooled["calibration"] == f"{2.5 / 6:.6f}"
    half = 1.959963984540054 / 6**0.5
    assert pooled["calibration_ci95"] == [f"{2.5 / 6 - half:.6f}", f"{2.5 / 6 + half:.6f}"]
    assert [(x["campaign"], x["weight"]) for x in pooled["calibration_pooled"]] == [("a", f"{4 / 6:.6f}"),
                                                                                    ("b", f"{1 / 6:.6f}")]
    assert "a 0.250" in pooled["calibration_source"] and "weight" in pooled["calibration_source"]
    # MDE with s from the latest review (b: RM 400.00) over the plan's would-be-treated per group
    n_t, n_h = pooled["boosted_creators"], pooled["ghosts"]
    mde = (1.959963984540054 + 0.8416212335729143) * 400 * (1 / n_t + 1 / n_h) ** 0.5
    assert pooled["mde_myr"] == f"{mde:.2f}" and "per treated creator" in pooled["power"]["text"]
    # the same spend goes to the same creators; what it is expected to add is scaled by c*
    one = {r["creator_id"]: r for r in _rows(files / "one.csv")}
    scaled = {r["creator_id"]: r for r in _rows(files / "pooled.csv")}
    assert {c: r["spend_myr"] for c, r in one.items()} == {c: r["spend_myr"] for c, r in scaled.items()}
    total = sum(Decimal(r["expected_gmv_myr"]) for r in one.values())
    assert sum(Decimal(r["expected_gmv_myr"]) for r in scaled.values()) == pytest.approx(
        total * Decimal(2.5 / 6), abs=Decimal("0.5"))
    # a null calibration does not count; a negative c* is used as 0
    none = _review_json(files / "none.json", "scd", None, None, "n")
    neg = _review_json(files / "neg.json", "scd", "-9", "0.1", "neg")
    assert main([*args, "--out", str(files / "zero.csv"), "--calibration-from", str(none),
                 "--calibration-from", str(neg)]) == 0  # fmt: skip
    zero = json.loads(capsys.readouterr().out)
    assert zero["calibration"] == "0.000000" and [x["campaign"] for x in zero["calibration_pooled"]] == ["neg"]


@pytest.mark.parametrize(
    ("campaign_type", "calibration", "field"),
    [("mega_sale", "0.5", "campaign.type"), ("scd", "text", "experiments.traffic.on_treated.calibration")],
)
def test_allocate_calibration_from_a_wrong_review_is_exit_2_naming_the_field(files, capsys, campaign_type,
                                                                             calibration, field):
    spec = files / "calibrated.yaml"
    spec.write_text(SPEC.replace("efficiency: [1.0, 0.5]}", "efficiency: [1.0, 0.5], calibrate: true}"))
    good = _review_json(files / "good.json", "scd", "0.5")
    review = _review_json(files / "bad.json", campaign_type, "0.5")
    if calibration == "text":
        review.write_text(review.read_text().replace('"calibration": 0.5', '"calibration": "0.5"'))
    code = main(["allocate", "--spec", str(spec), "--content", str(files / "content.csv"), "--out",
                 str(files / "x.csv"), "--calibration-from", str(good), "--calibration-from", str(review)])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and "bad.json" in err and field in err and "Traceback" not in err
