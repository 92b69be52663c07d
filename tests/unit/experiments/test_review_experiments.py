"""`campaignctl review` with holdouts: review.json's `experiments` as SPEC 12 writes it, and bad input exiting 2."""

from __future__ import annotations

import json
import math
from decimal import Decimal
from pathlib import Path

import pytest

from creator_ops.cli import main
from creator_ops.core.experiments import Z95, in_holdout

SPEC = """\
id: exp_scd
name: Experiment SCD
type: scd
timeline: {event_start: 2027-03-10}
experiments: {traffic: {holdout_share: 0.3}, samples: {holdout_share: 0.3}}
"""
N = 40


def _creators():
    return [f"c{i:02d}" for i in range(N)]


def _gmv(i: int) -> int:
    """Eligible GMV of creator i in sen (some sell nothing)."""
    return 0 if i % 7 == 3 else 10_000 + 1_337 * i + (i * i * 97) % 5_000


def _x(i: int) -> int:
    return 8_000 + 1_100 * i if i % 5 else 0  # every fifth has 0 in the pull; c39 is missing from the pull


@pytest.fixture()
def data(tmp_path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    ids = _creators()
    orders = ["order_id,line_id,creator_id,order_time,status,gmv_myr"]
    for i, c in enumerate(ids):
        if _gmv(i):
            orders.append(f"o{i},1,{c},2027-03-10 12:00:00,completed,{Decimal(_gmv(i)) / 100:.2f}")
    orders.append("ox,1,c05,2027-03-10 12:00:00,cancelled,999.00")  # not eligible
    (folder / "orders.csv").write_text("\n".join(orders) + "\n")
    (folder / "enrollments.csv").write_text(
        "creator_id,registered_at,is_new_creator\n" + "".join(f"{c},2027-03-01 09:00:00,no\n" for c in ids)
    )
    (folder / "exclusions.csv").write_text("creator_id,reason\nc00,fraud\n")  # c00 leaves the population
    (folder / "creators.csv").write_text(
        "creator_id,followers,gmv_30d_myr\n"
        + "".join(f"{c},1000,{Decimal(_x(i)) / 100:.2f}\n" for i, c in enumerate(ids) if c != "c39")
    )
    (folder / "traffic.csv").write_text(
        "creator_id,spend_myr,expected_gmv_myr\nc01,100.00,250.00\nc02,50.00,80.00\nc01,20.00,30.00\n"
    )
    (folder / "products.csv").write_text("product_id,name,category,price_myr,sample_quota\np1,Serum,beauty,35.50,10\n")
    (folder / "samples.csv").write_text(
        "sample_id,creator_id,product_id,requested_at,status\n"
        + "".join(f"s{i},{c},p1,2027-03-02 10:00:00,SHIPPED\n" for i, c in enumerate(ids[:12]))
    )
    (tmp_path / "spec.yaml").write_text(SPEC)
    return folder


def review(tmp_path: Path, data: Path, spec: str = "spec.yaml") -> int:
    return main(["review", "--spec", str(tmp_path / spec), "--data", str(data), "--out", str(tmp_path / "out")])


def _by_hand(mechanism: str):
    """The estimate worked out here with plain Python, independently of the review's code."""
    population = [(c, i) for i, c in enumerate(_creators()) if c != "c00"]
    y = {c: _gmv(i) for c, i in population}
    x = {c: (_x(i) if c != "c39" else 0) for c, i in population}
    n = len(population)
    xbar = sum(x.values()) / n
    ybar = sum(y.values()) / n
    theta = sum((x[c] - xbar) * (y[c] - ybar) for c, _ in population) / sum((x[c] - xbar) ** 2 for c, _ in population)
    held = {c for c, _ in population if in_holdout("exp_scd", mechanism, c, 0.3)}

    def stats(values):
        t = [v for c, v in values.items() if c not in held]
        h = [v for c, v in values.items() if c in held]
        mt, mh = sum(t) / len(t), sum(h) / len(h)
        vt = sum((v - mt) ** 2 for v in t) / (len(t) - 1)
        vh = sum((v - mh) ** 2 for v in h) / (len(h) - 1)
        return mt - mh, math.sqrt(vt / len(t) + vh / len(h))

    adjusted = {c: y[c] - theta * (x[c] - xbar) for c, _ in population}
    return held, n - len(held), theta, stats(adjusted), stats(y), y


def _myr(sen: float) -> str:
    return f"{Decimal(round(sen)) / 100:.2f}"


def test_experiments_block_is_spec_12(tmp_path, data, capsys):
    assert review(tmp_path, data) == 0
    experiments = json.loads((tmp_path / "out" / "review.json").read_text())["experiments"]
    assert list(experiments) == ["traffic", "samples"]
    for mechanism in ("traffic", "samples"):
        block = experiments[mechanism]
        held, n_t, theta, (lift, se), (raw_lift, raw_se), y = _by_hand(mechanism)
        assert (block["n_treated"], block["n_holdout"]) == (n_t, len(held))
        assert block["holdout_share"] == 0.3
        assert block["theta"] == pytest.approx(round(theta, 6), abs=1e-6)
        assert block["lift_myr"] == _myr(lift)
        assert block["ci95_low_myr"] == _myr(lift - Z95 * se) and block["ci95_high_myr"] == _myr(lift + Z95 * se)
        assert block["raw"] == {
            "lift_myr": _myr(raw_lift),
            "ci95_low_myr": _myr(raw_lift - Z95 * raw_se),
            "ci95_high_myr": _myr(raw_lift + Z95 * raw_se),
        }
        treated_mean = sum(v for c, v in y.items() if c not in held) / n_t
        assert block["mean_treated_myr"] == _myr(treated_mean)
        assert block["incremental_gmv_myr"] == _myr(lift * n_t)
        assert block["incremental_gmv_ci95_myr"] == [_myr((lift - Z95 * se) * n_t), _myr((lift + Z95 * se) * n_t)]
        assert block["significant"] == ((lift - Z95 * se) > 0 or (lift + Z95 * se) < 0)
        assert block["reason"] is None
    traffic = experiments["traffic"]
    # every allocation row counts (c01 appears in two hours)
    assert traffic["spend_myr"] == "170.00" and traffic["predicted_incremental_gmv_myr"] == "360.00"
    lift = _by_hand("traffic")[3][0] * _by_hand("traffic")[1]
    assert traffic["incremental_roi"] == pytest.approx(round(lift / 17_000, 6), abs=1e-6)
    assert traffic["calibration"] == pytest.approx(round(lift / 36_000, 6), abs=1e-6)
    # samples: price of shipped samples of treated creators (c00 is excluded, so not in T)
    held = _by_hand("samples")[0]
    shipped_treated = [c for c in _creators()[:12] if c not in held and c != "c00"]
    assert experiments["samples"]["spend_myr"] == _myr(3_550 * len(shipped_treated))
    text = (tmp_path / "out" / "review.md").read_text()
    assert "## What the mechanisms caused (holdouts)" in text and "per creator, between " in text and "(95 % interval)" in text
    page = (tmp_path / "out" / "review.html").read_text()
    assert page.count("<svg") >= 2 and "lift per creator, dot = estimate" in page and "http://" not in page.replace(
        'xmlns="http://www.w3.org/2000/svg"', ""
    ).replace('xmlns:xlink="http://www.w3.org/1999/xlink"', "").split("<body>")[0]


def test_money_has_two_decimals_and_ratios_six(tmp_path, data):
    assert review(tmp_path, data) == 0
    raw = (tmp_path / "out" / "review.json").read_text()
    block = raw[raw.index('"experiments"') :]
    block = block[: block.index('"baseline"')]
    for line in block.splitlines():
        if '_myr"' in line and '"' in line.split(":", 1)[1]:
            value = line.split(":", 1)[1].strip().rstrip(",").strip('"')
            assert len(value.split(".")[1]) == 2, line
        if any(f'"{k}"' in line for k in ("theta", "incremental_roi", "calibration", "holdout_share")):
            value = line.split(":", 1)[1].strip().rstrip(",")
            assert value == "null" or len(value.split(".")[1]) == 6, line


def test_too_few_with_a_tiny_holdout(tmp_path, data):
    (tmp_path / "tiny.yaml").write_text(SPEC.replace("holdout_share: 0.3}, samples", "holdout_share: 0.01}, samples"))
    assert review(tmp_path, data, "tiny.yaml") == 0
    block = json.loads((tmp_path / "out" / "review.json").read_text())["experiments"]["traffic"]
    assert block["reason"] == "too_few" and block["n_holdout"] < 2
    assert block["lift_myr"] is None and block["theta"] is None and block["incremental_roi"] is None
    assert block["raw"] == {"lift_myr": None, "ci95_low_myr": None, "ci95_high_myr": None}
    assert block["spend_myr"] == "170.00"  # spend is a fact, not an estimate


def test_no_experiments_block_without_holdouts(tmp_path, data):
    (tmp_path / "plain.yaml").write_text(SPEC.split("experiments:")[0])
    assert review(tmp_path, data, "plain.yaml") == 0
    assert json.loads((tmp_path / "out" / "review.json").read_text())["experiments"] == {}


@pytest.mark.parametrize("spend", ["-5.00", "abc"])
def test_bad_traffic_spend_exits_2_naming_file_row_and_field(tmp_path, data, capsys, spend):
    (data / "traffic.csv").write_text(f"creator_id,spend_myr,expected_gmv_myr\nc01,10.00,1.00\nc02,{spend},1.00\n")
    assert review(tmp_path, data) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "traffic.csv" in err[0] and "row 2" in err[0] and "spend_myr" in err[0]
    assert "Traceback" not in err[0]


def test_creators_without_30_day_gmv_exit_2(tmp_path, data, capsys):
    (data / "creators.csv").write_text("creator_id,followers\nc01,1000\n")
    assert review(tmp_path, data) == 2
    err = capsys.readouterr().err.strip()
    assert "creators.csv" in err and "gmv_30d_myr" in err


def test_holdout_share_outside_range_exits_2(tmp_path, data, capsys):
    (tmp_path / "bad.yaml").write_text(SPEC.replace("holdout_share: 0.3}, samples", "holdout_share: 0.6}, samples"))
    assert review(tmp_path, data, "bad.yaml") == 2
    err = capsys.readouterr().err.strip()
    assert "bad.yaml" in err and "experiments.traffic.holdout_share" in err


# --------------------------------------------------------------------------- SPEC 15: on the would-be-treated


def _plan_files(data: Path) -> tuple[list[str], list[str], list[str], list[str]]:
    """Write a plan that chose 24 creators for boosts and 24 for samples; return (T_W, H_W) per mechanism."""
    ids = [c for c in _creators() if c != "c00"]
    chosen = ids[:30]
    t_held = [c for c in chosen if in_holdout("exp_scd", "traffic", c, 0.3)]
    s_held = [c for c in chosen if in_holdout("exp_scd", "samples", c, 0.3)]
    rows = ["creator_id,spend_myr,expected_gmv_myr,ghost_spend_myr,ghost_expected_gmv_myr"]
    for c in chosen:
        rows.append(f"{c},0.00,0.00,40.00,90.00" if c in t_held else f"{c},40.00,90.00,0.00,0.00")
    (data / "traffic.csv").write_text("\n".join(rows) + "\n")
    pairs = "creator_id,product_id,value_myr,account_manager\n"
    (data / "matchmaking.csv").write_text(pairs + "".join(f"{c},p1,10.00,\n" for c in chosen if c not in s_held))
    (data / "matchmaking_ghosts.csv").write_text(pairs + "".join(f"{c},p1,10.00,\n" for c in s_held))
    return ([c for c in chosen if c not in t_held], t_held, [c for c in chosen if c not in s_held], s_held)


def _welch(values: dict[str, float], held: set[str]):
    from scipy import stats

    t = [v for c, v in values.items() if c not in held]
    h = [v for c, v in values.items() if c in held]
    mt, mh = sum(t) / len(t), sum(h) / len(h)
    a = sum((v - mt) ** 2 for v in t) / (len(t) - 1) / len(t)
    b = sum((v - mh) ** 2 for v in h) / (len(h) - 1) / len(h)
    df = (a + b) ** 2 / (a * a / (len(t) - 1) + b * b / (len(h) - 1))
    return mt - mh, stats.t.ppf(0.975, df) * math.sqrt(a + b), df, math.sqrt(a + b)


def test_on_treated_block_is_spec_15(tmp_path, data):
    t_treated, t_held, s_treated, s_held = _plan_files(data)
    assert review(tmp_path, data) == 0
    experiments = json.loads((tmp_path / "out" / "review.json").read_text())["experiments"]
    for mechanism, treated, held in (("traffic", t_treated, t_held), ("samples", s_treated, s_held)):
        block = experiments[mechanism]["on_treated"]
        w = {c: i for i, c in enumerate(_creators()) if c in treated or c in held}
        y = {c: _gmv(i) for c, i in w.items()}
        x = {c: (_x(i) if c != "c39" else 0) for c, i in w.items()}
        xbar, ybar = sum(x.values()) / len(w), sum(y.values()) / len(w)
        theta = sum((x[c] - xbar) * (y[c] - ybar) for c in w) / sum((x[c] - xbar) ** 2 for c in w)
        lift, half, df, se = _welch({c: y[c] - theta * (x[c] - xbar) for c in w}, set(held))
        assert (block["n_treated"], block["n_holdout"]) == (len(treated), len(held))
        assert block["theta"] == pytest.approx(round(theta, 6), abs=1e-6)
        assert block["lift_myr"] == _myr(lift) and block["df"] == pytest.approx(round(df, 6), abs=1e-6)
        assert block["ci95_low_myr"] == _myr(lift - half) and block["ci95_high_myr"] == _myr(lift + half)
        assert 1 / 10_001 <= block["p_value"] <= 1
        assert block["significant"] == (((lift - half) > 0 or (lift + half) < 0) and block["p_value"] < 0.05)
        assert block["incremental_gmv_myr"] == _myr(lift * len(treated)) and block["reason"] is None
        srm = experiments[mechanism]["srm"]
        assert srm["would_be_treated"]["n"] == len(w) and srm["would_be_treated"]["holdout"] == len(held)
        assert srm["all"]["n"] == N - 1 and srm["all"]["expected_share"] == 0.3
        assert set(srm["all"]) == {"n", "expected_share", "holdout", "treated", "chi2", "p_value", "mismatch"}
        # section 12's block stays as it was, beside
        assert experiments[mechanism]["n_treated"] + experiments[mechanism]["n_holdout"] == N - 1
    traffic = experiments["traffic"]["on_treated"]
    assert traffic["spend_myr"] == _myr(4_000 * len(t_treated)) and traffic["held_back_myr"] == _myr(4_000 * len(t_held))
    predicted = 9_000 * len(t_treated)
    assert traffic["predicted_incremental_gmv_myr"] == _myr(predicted)
    lift = float(Decimal(traffic["lift_myr"])) * 100
    assert traffic["calibration"] == pytest.approx(lift * len(t_treated) / predicted, abs=2e-4)
    samples = experiments["samples"]["on_treated"]
    shipped = set(_creators()[:12])
    assert samples["held_back_myr"] == _myr(3_550 * len(s_held))
    assert samples["spend_myr"] == _myr(3_550 * len([c for c in s_treated if c in shipped]))
    assert samples["compliance"] == {"holdout_sampled": len([c for c in s_held if c in shipped]),
                                     "treated_unsampled": len([c for c in s_treated if c not in shipped])}  # fmt: skip
    text = (tmp_path / "out" / "review.md").read_text()
    assert "On the creators the plan chose" in text and "randomization p = " in text and "Sample ratio" in text
    assert text.index("On the creators the plan chose") < text.index("All enrolled creators (section 12")
    page = (tmp_path / "out" / "review.html").read_text()
    assert page.count("<svg") >= 4 and "On the creators the plan chose" in page


def test_no_plan_and_absent_ghost_columns(tmp_path, data):
    assert review(tmp_path, data) == 0  # traffic.csv without ghost columns: they are 0; no matchmaking files
    experiments = json.loads((tmp_path / "out" / "review.json").read_text())["experiments"]
    assert experiments["samples"]["on_treated"]["reason"] == "no_plan"
    assert experiments["traffic"]["on_treated"]["held_back_myr"] == "0.00"


def test_a_split_that_lost_holdout_creators_is_a_mismatch_in_words(tmp_path, data):
    many = [f"k{i:04d}" for i in range(2_000)]
    held = [c for c in many if in_holdout("srm_scd", "traffic", c, 0.1)]
    dropped = set(held[: len(held) // 4])  # a late file lost a quarter of the holdout
    (data / "enrollments.csv").write_text("creator_id,registered_at,is_new_creator\n"
                                          + "".join(f"{c},2027-03-01 09:00:00,no\n" for c in many if c not in dropped))
    (tmp_path / "srm.yaml").write_text(SPEC.replace("exp_scd", "srm_scd").replace(
        "{traffic: {holdout_share: 0.3}, samples: {holdout_share: 0.3}}", "{traffic: {holdout_share: 0.1}}"))
    assert review(tmp_path, data, "srm.yaml") == 0
    srm = json.loads((tmp_path / "out" / "review.json").read_text())["experiments"]["traffic"]["srm"]["all"]
    assert srm["mismatch"] is True and srm["p_value"] < 0.001
    assert "must not be trusted" in (tmp_path / "out" / "review.md").read_text()


@pytest.mark.parametrize(("file", "body", "field"), [
    ("traffic.csv", "creator_id,spend_myr,ghost_spend_myr\nc01,10.00,0.00\nc02,0.00,-3.00\n", "ghost_spend_myr"),
    ("traffic.csv", "creator_id,spend_myr,ghost_expected_gmv_myr\nc01,10.00,0.00\nc02,0.00,lots\n",
     "ghost_expected_gmv_myr"),
])  # fmt: skip
def test_bad_ghost_columns_exit_2_naming_file_row_and_field(tmp_path, data, capsys, file, body, field):
    (data / file).write_text(body)
    assert review(tmp_path, data) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and file in err[0] and "row 2" in err[0] and field in err[0] and "Traceback" not in err[0]


def test_a_ghost_that_is_not_in_the_holdout_exits_2(tmp_path, data, capsys):
    treated = next(c for c in _creators() if not in_holdout("exp_scd", "samples", c, 0.3))
    held = next(c for c in _creators() if in_holdout("exp_scd", "samples", c, 0.3))
    (data / "matchmaking_ghosts.csv").write_text(f"creator_id,product_id\n{held},p1\n{treated},p1\n")
    assert review(tmp_path, data) == 2
    err = capsys.readouterr().err.strip()
    assert "matchmaking_ghosts.csv" in err and "row 2" in err and "creator_id" in err and treated in err
