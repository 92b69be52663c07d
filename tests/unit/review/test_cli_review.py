"""`campaignctl review`: files in, three review files out; bad input exits 2 naming the file and the field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from creator_ops.cli import main

SPEC = """\
id: test_scd
name: Test SCD
type: scd
timeline: {event_start: 2027-03-10}
targets: {creators_enrolled: 4, gmv_myr: 10000, survey_responses: 6}
incentives:
  budget_myr: 100000
  tiers: [{min_gmv_myr: 1000, bonus_myr: 50}, {min_gmv_myr: 5000, bonus_myr: 300}]
  commission_bonus: {rate: 0.045, cap_myr: 500}
  new_creator_bonus_myr: 20
  leaderboard: {prizes_myr: [5000, 3000]}
surveys:
  - {id: post_event, title: After the event, opens: 2027-03-11, closes: 2027-03-20}
"""
FILES = {
    # the affiliate center's own export headers, money with RM and thousands separators, a negative line
    "orders.csv": (
        "Order ID,SKU ID,Creator Username,Time Created,Order Status,Payment Amount\n"
        'o1,1,@Alice ,2027-03-10 12:00:00,COMPLETED,"6,000.00"\n'
        "o2,1,bob,10/03/2027 02:30,Completed,RM1500.00\n"
        "o3,1,carol,2027-03-10 05:00:00,CANCELLED,800.00\n"
        "o4,1,zed,2027-03-10 05:00:00,COMPLETED,-5.00\n"
    ),
    "enrollments.csv": (
        "creator_id,registered_at,is_new_creator\n"
        "alice,2027-03-01 09:00:00,yes\nbob,2027-03-01 09:00:00,no\ncarol,2027-03-01 09:00:00,no\n"
    ),
    "surveys.csv": (
        "Timestamp,Creator,Email,Any comments?\n"
        "2027-03-12 10:00:00,alice,alice@example.com,Produk bagus dan penghantaran cepat\n"
        "2027-03-12 11:00:00,bob,,The sample arrived late; call me at 012-345 6789\n"
    ),
}


@pytest.fixture()
def data(tmp_path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    for name, content in FILES.items():
        (folder / name).write_text(content, encoding="utf-8")
    (tmp_path / "spec.yaml").write_text(SPEC, encoding="utf-8")
    return folder


def review(tmp_path: Path, data: Path, out: str = "out", *extra: str) -> int:
    return main(
        ["review", "--spec", str(tmp_path / "spec.yaml"), "--data", str(data), "--out", str(tmp_path / out), *extra]
    )


def test_writes_the_three_files_and_prints_the_headline(tmp_path, data, capsys):
    assert review(tmp_path, data) == 0
    printed = capsys.readouterr().out
    assert "orders: 4 rows, 3 accepted, 1 quarantined (negative_gmv 1)" in printed
    assert "Eligible GMV: RM 7,500.00" in printed
    result = json.loads((tmp_path / "out" / "review.json").read_text())
    assert result["gmv"]["eligible_myr"] == "7500.00"
    assert result["funnel"]["selling"] == 2 and result["funnel"]["enrolled"] == 3
    assert result["targets"]["survey_responses"] == {"target": 6, "actual": 2, "attainment": 0.333333}
    assert result["surveys"]["post_event"]["responses"] == 2
    assert (tmp_path / "out" / "review.html").stat().st_size > 10_000
    text = (tmp_path / "out" / "review.json").read_text() + (tmp_path / "out" / "review.html").read_text()
    assert "alice@example.com" not in text and "345 6789" not in text  # personal data never in clear


def test_same_inputs_give_byte_identical_review_json(tmp_path, data):
    assert review(tmp_path, data, "one") == 0
    assert review(tmp_path, data, "two") == 0
    assert (tmp_path / "one" / "review.json").read_bytes() == (tmp_path / "two" / "review.json").read_bytes()


def test_baseline_file_gives_deltas(tmp_path, data, capsys):
    assert review(tmp_path, data, "old") == 0
    (data / "orders.csv").write_text(FILES["orders.csv"].replace('"6,000.00"', '"7,000.00"'), encoding="utf-8")
    assert review(tmp_path, data, "new", "--baseline", str(tmp_path / "old" / "review.json")) == 0
    result = json.loads((tmp_path / "new" / "review.json").read_text())
    assert result["baseline"]["delta"]["gmv"]["eligible_myr"] == "1000.00"
    assert result["baseline"]["campaign_id"] == "test_scd"


def test_projection_backtest_reads_gmv_placed_from_the_files_and_the_baseline(tmp_path, data):
    """SPEC 12's backtest: GMV placed (every status) per hour, and the share of it that ended eligible."""
    assert review(tmp_path, data, "old") == 0
    old = json.loads((tmp_path / "old" / "review.json").read_text())
    # alice 6,000 and bob 1,500 completed, carol 800 cancelled (placed, never eligible); zed's negative line is out
    placed = sum(float(v) for v in old["gmv"]["placed_by_hour"].values())
    assert placed == 8_300.00 and old["gmv"]["eligible_myr"] == "7500.00"
    assert old["projection"]["backtest_campaigns"] == ["test_scd"]
    assert old["projection"]["conversion"] == {"test_scd": round(7_500 / 8_300, 6)}
    # the next campaign of the type, replayed after the baseline's (from that file's placed and eligible hours)
    (tmp_path / "spec.yaml").write_text(SPEC.replace("id: test_scd", "id: test_scd_2"), encoding="utf-8")
    assert review(tmp_path, data, "new", "--baseline", str(tmp_path / "old" / "review.json")) == 0
    new = json.loads((tmp_path / "new" / "review.json").read_text())
    assert new["projection"]["backtest_campaigns"] == ["test_scd", "test_scd_2"]
    assert set(new["projection"]["conversion"]) == {"test_scd", "test_scd_2"}
    assert "placed_by_hour" not in new["baseline"]["delta"]["gmv"]  # the projection's input, not a compared figure
    markdown = (tmp_path / "new" / "review.md").read_text()
    assert "Share of GMV placed that ended eligible: test_scd 90.4 %, test_scd_2 90.4 %" in markdown


def test_missing_required_file_exits_2(tmp_path, data, capsys):
    (data / "enrollments.csv").unlink()
    assert review(tmp_path, data) == 2
    err = capsys.readouterr().err
    assert "no enrollments file" in err and "Traceback" not in err


def test_file_without_a_required_column_exits_2_naming_file_and_field(tmp_path, data, capsys):
    (data / "orders.csv").write_text("order_id,line_id,creator_id,status,gmv_myr\no1,1,a,completed,1.00\n")
    assert review(tmp_path, data) == 2
    err = capsys.readouterr().err
    assert "orders.csv" in err and "order_time" in err


def test_two_files_for_one_data_set_exit_2(tmp_path, data, capsys):
    (data / "orders.jsonl").write_text("{}\n")
    assert review(tmp_path, data) == 2
    assert "more than one orders file" in capsys.readouterr().err


def test_bad_baseline_exits_2(tmp_path, data, capsys):
    bad = tmp_path / "baseline.json"
    bad.write_text('{"funnel": {}}')
    assert review(tmp_path, data, "out", "--baseline", str(bad)) == 2
    assert "campaign.id" in capsys.readouterr().err
    bad.write_text("not json")
    assert review(tmp_path, data, "out", "--baseline", str(bad)) == 2


def test_invalid_spec_exits_2(tmp_path, data, capsys):
    (tmp_path / "spec.yaml").write_text(SPEC.replace("type: scd", "type: mega"))
    assert review(tmp_path, data) == 2
    assert "spec.yaml: type" in capsys.readouterr().err
