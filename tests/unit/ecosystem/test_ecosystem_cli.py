"""`campaignctl ecosystem` against hand-computed figures (SPEC section 13), and its bad input."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from ecosystem_fixture import ORDER, write_campaigns

from creator_ops.cli import main


def _g(enrolled, new, returning, reactivated, churned, quick):
    return {"enrolled": enrolled, "new": new, "returning": returning, "reactivated": reactivated,
            "churned": churned, "quick_ratio": quick}  # fmt: skip


# worked by hand from tests/ecosystem_fixture.py
GROWTH = {
    "c1": _g(3, 3, 0, 0, 0, None),  # first campaign: all new; d enrolled late, not counted
    "c2": _g(3, 1, 2, 0, 1, "1.000000"),  # d new; a, c returning; b churned
    "c3_alpha": _g(2, 1, 1, 0, 2, "0.500000"),  # e new, c returning; a, d churned
    "c3_beta": _g(2, 0, 1, 1, 1, "1.000000"),  # e returning, b reactivated (skipped two); c churned
    "c5": _g(3, 1, 1, 1, 1, "2.000000"),  # f new, b returning, a reactivated; e churned
}
SELLING = {
    "c1": _g(2, 2, 0, 0, 0, None),  # a, b (c cancelled, d not enrolled)
    "c2": _g(2, 2, 0, 0, 2, "1.000000"),  # c, d; a excluded; a, b churned
    "c3_alpha": _g(1, 1, 0, 0, 2, "0.500000"),  # e
    "c3_beta": _g(2, 0, 1, 1, 0, None),  # e returning, b reactivated
    "c5": _g(1, 0, 0, 1, 2, "0.500000"),  # a reactivated; b, e churned
}
T, TWO, ONE, ZERO = "1.000000", "0.666667", "0.333333", "0.000000"


def _r(enrolled, enrolled_share, selling, selling_share):
    return {"enrolled": enrolled, "enrolled_share": enrolled_share, "selling": selling, "selling_share": selling_share}


RETENTION = {
    "c1": {
        "c1": _r(3, T, 2, TWO),
        "c2": _r(2, TWO, 1, ONE),
        "c3_alpha": _r(1, ONE, 0, ZERO),
        "c3_beta": _r(1, ONE, 1, ONE),
        "c5": _r(2, TWO, 1, ONE),
    },  # fmt: skip
    "c2": {
        "c2": _r(1, T, 1, T),
        "c3_alpha": _r(0, ZERO, 0, ZERO),
        "c3_beta": _r(0, ZERO, 0, ZERO),
        "c5": _r(0, ZERO, 0, ZERO),
    },  # fmt: skip
    "c3_alpha": {"c3_alpha": _r(1, T, 1, T), "c3_beta": _r(1, T, 1, T), "c5": _r(0, ZERO, 0, ZERO)},
    "c5": {"c5": _r(1, T, 0, ZERO)},  # c3_beta brought nobody new: no cohort
}
SCORECARD = [
    # creator_id, state, campaigns_enrolled, campaigns_selling, eligible_gmv_myr, first, last, shipped, posted, rate
    ["a", "reactivated", "3", "2", "1100.00", "c1", "c5", "2", "1", "0.500000"],
    ["b", "returning", "3", "2", "120.00", "c1", "c5", "1", "1", "1.000000"],
    ["d", "dormant", "1", "1", "40.00", "c2", "c2", "0", "0", ""],
    ["c", "dormant", "3", "1", "20.00", "c1", "c3_alpha", "0", "0", ""],
    ["e", "churned", "2", "2", "15.00", "c3_alpha", "c3_beta", "0", "0", ""],
    ["f", "new", "1", "0", "0.00", "c5", "c5", "0", "0", ""],
]


@pytest.fixture()
def campaigns(tmp_path) -> Path:
    return write_campaigns(tmp_path / "campaigns")


def ecosystem(campaigns: Path, out: Path) -> int:
    return main(["ecosystem", "--campaigns", str(campaigns), "--out", str(out)])


def _plain(value):
    """JSON as read with Decimal-free numbers: ratios compared as their six-decimal text."""
    return json.loads(value, parse_float=lambda text: text)


def test_figures_match_the_hand_computed_ones(campaigns, tmp_path, capsys):
    assert ecosystem(campaigns, tmp_path / "out") == 0
    data = _plain((tmp_path / "out" / "ecosystem.json").read_text(encoding="utf-8"))
    assert data["campaigns"] == ORDER
    assert data["growth"] == GROWTH
    assert data["selling_growth"] == {k: {"selling": v["enrolled"], **v} for k, v in SELLING.items()}
    assert data["retention"] == RETENTION
    assert data["states"] == {"new": 1, "returning": 1, "reactivated": 1, "churned": 1, "dormant": 2}
    assert data["lost"] == {"campaign": "c5", "previous": "c3_beta", "previous_sellers": 2,
                            "sellers_not_enrolled": 1, "gmv_myr": "5.00", "creator_ids": ["e"]}  # fmt: skip
    with open(tmp_path / "out" / "creators.csv", encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["creator_id", "state", "campaigns_enrolled", "campaigns_selling", "eligible_gmv_myr",
                       "first_campaign", "last_campaign", "samples_shipped", "samples_posted", "post_rate"]  # fmt: skip
    assert rows[1:] == SCORECARD
    printed = capsys.readouterr().out
    assert "c5: enrolled 3 = 1 new + 1 returning + 1 reactivated, 1 churned, quick 2.00" in printed
    assert "Creators lost: 1 of 2 sellers of c3_beta did not enrol in c5" in printed


def test_second_run_is_byte_identical(campaigns, tmp_path):
    assert ecosystem(campaigns, tmp_path / "one") == 0
    assert ecosystem(campaigns, tmp_path / "two") == 0
    for name in ("ecosystem.json", "creators.csv", "ecosystem.html"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes(), name


def test_a_single_campaign_is_all_new(tmp_path):
    root = tmp_path / "one"
    shutil.copytree(write_campaigns(tmp_path / "all") / "c1", root / "c1")
    assert ecosystem(root, tmp_path / "out") == 0
    data = _plain((tmp_path / "out" / "ecosystem.json").read_text(encoding="utf-8"))
    assert data["growth"] == {"c1": GROWTH["c1"]}
    assert data["states"] == {"new": 3, "returning": 0, "reactivated": 0, "churned": 0, "dormant": 0}
    assert data["lost"]["previous"] is None and data["lost"]["sellers_not_enrolled"] == 0


def test_creators_csv_is_formula_safe(tmp_path):
    root = write_campaigns(tmp_path / "c")
    enrol = root / "c5" / "enrollments.csv"
    enrol.write_text(enrol.read_text(encoding="utf-8") + "=cmd|x,2027-04-01 10:00:00,yes\n", encoding="utf-8")
    assert ecosystem(root, tmp_path / "out") == 0
    text = (tmp_path / "out" / "creators.csv").read_text(encoding="utf-8-sig")
    assert "\n'=cmd|x," in text and "\n=cmd" not in text


@pytest.mark.parametrize(
    ("breakage", "expected"),
    [
        (lambda root: (root / "c2" / "spec.yaml").unlink(), ["c2", "spec.yaml", "missing"]),
        (lambda root: (root / "c5" / "orders.csv").unlink(), ["c5", "orders.csv", "missing", "orders"]),
        (
            lambda root: (root / "c5" / "spec.yaml").write_text(
                (root / "c2" / "spec.yaml").read_text(encoding="utf-8"), encoding="utf-8"
            ),
            ["c5", "spec.yaml", "field id", "'c2'"],
        ),
        (
            lambda root: (root / "c1" / "spec.yaml").write_text("id: c1\nname: x\ntype: scd\n", encoding="utf-8"),
            ["c1", "spec.yaml", "timeline"],
        ),  # fmt: skip
    ],
    ids=["folder-without-spec", "folder-without-orders", "duplicate-id", "invalid-spec"],
)
def test_bad_input_exits_2_naming_folder_file_and_field(campaigns, tmp_path, capsys, breakage, expected):
    breakage(campaigns)
    assert ecosystem(campaigns, tmp_path / "out") == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    for part in expected:
        assert part in err, (part, err)
    assert not (tmp_path / "out" / "ecosystem.json").exists()


def test_empty_folder_exits_2(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert ecosystem(tmp_path / "empty", tmp_path / "out") == 2
    assert "no campaign folders" in capsys.readouterr().err
