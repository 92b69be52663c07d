"""Hostile review.json files given back to the product (`allocate --calibration-from`, `review --baseline`).

Every case goes through the one validated reader (`core.review.readback.read_review`):
exit 2 naming the file and the field, never a traceback, and fast (the unbounded numbers
and the deep nesting are refused while parsing, before anything makes them exact).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from creator_ops.cli import main
from creator_ops.core.review.readback import MAX_DEPTH, ReviewFileError, read_review

SPEC = """id: hostile_calibration
name: Hostile calibration
type: scd
timeline: {event_start: 2027-03-10}
traffic: {budget_myr: 1000, cpm_myr: 10, step_myr: 100, efficiency: [1.0, 0.5], calibrate: true}
incentives:
  budget_myr: 100000
  tiers: [{min_gmv_myr: 1000, bonus_myr: 50}]
"""
CONTENT = "content_id,creator_id,content_type,posted_at,views,gmv\n" + "".join(
    f"v{i},c{i},VIDEO,2027-03-09 10:00,{1000 + i},{10 + i}.00\n" for i in range(5)
)
ORDERS = "order_id,line_id,creator_id,order_time,gmv,status\n1,1,alice,2027-03-10 10:00,1200.00,completed\n"
ENROLLMENTS = "creator_id,registered_at,is_new_creator\nalice,2027-03-01 10:00,yes\n"


def _review(calibration: str) -> str:
    """A review.json as the review writes one, with `calibration` as raw JSON text."""
    return (
        '{"campaign": {"id": "earlier_scd", "name": "Earlier", "type": "scd"},\n'
        ' "gmv": {"eligible_myr": "100.00", "by_hour": {"2027-03-10T00:00:00+08:00": "100.00"}},\n'
        f' "experiments": {{"traffic": {{"calibration": {calibration}}}}}}}\n'
    )


CALIBRATION_CASES = {
    # raw JSON of experiments.traffic.calibration -> the field named in the message
    "NaN": "experiments.traffic.calibration",
    "Infinity": "experiments.traffic.calibration",
    "-Infinity": "experiments.traffic.calibration",
    '"abc"': "experiments.traffic.calibration",
    '"1e-1"': "experiments.traffic.calibration",  # a number as text is not the number
    '"0.250000"': "experiments.traffic.calibration",
    "true": "experiments.traffic.calibration",
    "[1]": "experiments.traffic.calibration",
    '{"value": 1}': "experiments.traffic.calibration",
    "1e400": "experiments.traffic.calibration",
    "1e999999999": "experiments.traffic.calibration",
    "-1e-999999999": "experiments.traffic.calibration",
    "1" + "0" * 5000: "experiments.traffic.calibration",
    "0." + "1" * 100: "experiments.traffic.calibration",
}
WHOLE_FILE_CASES = {
    "a list": ("[1, 2]", "a JSON object"),
    "campaign a list": ('{"campaign": [1], "experiments": {}}', "field campaign"),
    "campaign id a number": ('{"campaign": {"id": 5, "type": "scd"}}', "field campaign.id"),
    "no campaign": ('{"experiments": {"traffic": {"calibration": 0.5}}}', "field campaign.id"),
    "experiments a list": ('{"campaign": {"id": "x", "type": "scd"}, "experiments": [1]}', "field experiments"),
    "traffic text": ('{"campaign": {"id": "x", "type": "scd"}, "experiments": {"traffic": "0.5"}}',
                     "field experiments.traffic"),
    "deep lists": ("[" * 100_000 + "]" * 100_000, "nested 100000 levels"),
    "deep objects": ('{"campaign": ' + '{"a": ' * 50_000 + "1" + "}" * 50_001, "nested"),
    "not json": ('{"campaign": {"id": "x",', "not a review.json"),
    "duplicate key": ('{"campaign": {"id": "x", "type": "scd", "type": "mega_sale"}}', 'the key "type" is given twice'),
    "lone surrogate": ('{"campaign": {"id": "x", "name": "\\ud800"}}', "field campaign.name: text with a lone surrogate"),
    "empty": ("", "not a review.json"),
}  # fmt: skip


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "spec.yaml").write_text(SPEC)
    (tmp_path / "content.csv").write_text(CONTENT)
    data = tmp_path / "data"
    data.mkdir()
    (data / "orders.csv").write_text(ORDERS)
    (data / "enrollments.csv").write_text(ENROLLMENTS)
    return tmp_path


def _allocate(files: Path, review: Path) -> int:
    return main(["allocate", "--spec", str(files / "spec.yaml"), "--content", str(files / "content.csv"),
                 "--out", str(files / "alloc.csv"), "--calibration-from", str(review)])  # fmt: skip


def _exit_2_naming(capsys, code: int, path: Path, text: str, started: float) -> None:
    err = capsys.readouterr().err
    assert code == 2, err
    assert path.name in err and text in err and "Traceback" not in err and err.count("\n") == 1, err
    assert time.perf_counter() - started < 5, "a hostile review.json must be refused fast"


@pytest.mark.parametrize("calibration", list(CALIBRATION_CASES), ids=lambda c: c[:20])
def test_allocate_refuses_a_calibration_the_review_never_writes(files, capsys, calibration):
    review = files / "calibration.json"
    review.write_text(_review(calibration))
    started = time.perf_counter()
    code = _allocate(files, review)
    _exit_2_naming(capsys, code, review, f"field {CALIBRATION_CASES[calibration]}", started)
    assert not (files / "alloc.csv").exists()


@pytest.mark.parametrize("case", list(WHOLE_FILE_CASES))
def test_allocate_and_review_refuse_a_file_that_is_no_review(files, capsys, case):
    text, expected = WHOLE_FILE_CASES[case]
    review = files / "bad_review.json"
    review.write_text(text)
    started = time.perf_counter()
    _exit_2_naming(capsys, _allocate(files, review), review, expected, started)
    started = time.perf_counter()
    code = main(["review", "--spec", str(files / "spec.yaml"), "--data", str(files / "data"),
                 "--out", str(files / "out"), "--baseline", str(review)])  # fmt: skip
    _exit_2_naming(capsys, code, review, expected, started)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("roi", "1e999999999"), ("roi", '"1.5"'), ("gmv", "[1]"), ("gmv.eligible_myr", "12.5"),
        ("gmv.by_hour", '["100.00"]'), ("gmv.by_hour.h0", "100"), ("funnel.enrolled", "1.5"),
        ("funnel.enrolled", "true"), ("campaign.name", '{"x": 1}'), ("targets.gmv_myr.attainment", '"0.5"'),
        ("surveys.post.responses", '"2"'), ("notes", "[NaN]"), ("what_if", '[{"gmv": 1e400}]'),
    ],
)  # fmt: skip
def test_review_baseline_with_a_wrong_type_names_the_field(files, capsys, field, value):
    """A field the baseline comparison reads, or any number anywhere, of a type the review never writes."""
    review = {"campaign": {"id": "earlier", "name": "Earlier", "type": "scd"}, "gmv": {"eligible_myr": "1.00"}}
    node = review
    parts = field.split(".")
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = "__VALUE__"
    path = files / "baseline.json"
    path.write_text(json.dumps(review).replace('"__VALUE__"', value))
    started = time.perf_counter()
    code = main(["review", "--spec", str(files / "spec.yaml"), "--data", str(files / "data"),
                 "--out", str(files / "out"), "--baseline", str(path)])  # fmt: skip
    shown = field.split(".h0")[0] + (".h0" if ".h0" in field else "")
    _exit_2_naming(capsys, code, path, f"field {shown.replace('what_if', 'what_if[0].gmv')}", started)
    assert not (files / "out" / "review.json").exists()


def test_a_review_written_by_the_review_reads_back_as_its_own_types(files):
    """The reader accepts what `campaignctl review` writes, and gives Money and Ratio as `loads` does."""
    from creator_ops.core.review import loads

    assert main(["review", "--spec", str(files / "spec.yaml"), "--data", str(files / "data"),
                 "--out", str(files / "out")]) == 0  # fmt: skip
    path = files / "out" / "review.json"
    assert read_review(path) == loads(path.read_text())
    # and a review of it as the baseline runs
    assert main(["review", "--spec", str(files / "spec.yaml"), "--data", str(files / "data"),
                 "--out", str(files / "again"), "--baseline", str(path)]) == 0  # fmt: skip


def test_size_encoding_and_depth_limits(tmp_path):
    big = tmp_path / "big.json"
    big.write_bytes(b'{"campaign": {"id": "x"}, "notes": ["' + b"a" * (17 * 1024 * 1024) + b'"]}')
    with pytest.raises(ReviewFileError, match="more than 16,777,216 bytes"):
        read_review(big)
    cp1252 = tmp_path / "cp1252.json"
    cp1252.write_bytes('{"campaign": {"id": "caf\u00e9"}}'.encode("cp1252"))
    with pytest.raises(ReviewFileError, match="not UTF-8"):
        read_review(cp1252)
    deep_ok = tmp_path / "deep_ok.json"
    nest = MAX_DEPTH - 1
    deep_ok.write_text('{"campaign": {"id": "x"}, "notes": ' + "[" * nest + "]" * nest + "}")
    assert read_review(deep_ok)["campaign"]["id"] == "x"
    brackets_in_text = tmp_path / "text.json"  # brackets inside strings are not nesting
    brackets_in_text.write_text(json.dumps({"campaign": {"id": "x", "name": "[" * 10_000}}))
    assert read_review(brackets_in_text)["campaign"]["name"] == "[" * 10_000
