"""Personal data in the round-4 forms and sinks (hardening round 4).

The forms: MyKad numbers split by dots, slashes or spaced dashes; e-mail addresses with an
ideographic full stop, spaces around `@` and `.`, or an IP literal; phone numbers with the
letter O for a zero. The sinks: a spec's name and a survey's title (review.*, stdout), an
ecosystem folder's name, an XLSX sheet name in ingest's note, `allocate`'s `--out` echo.
"""

from __future__ import annotations

import json

import pytest
from ecosystem_fixture import write_campaigns

from creator_ops.cli import main
from creator_ops.core.masking import mask_pii

KEY = b"round-4"


@pytest.mark.parametrize(
    ("text", "kind", "same_as"),
    [
        ("IC 901231.14.5678.", "ic", "901231-14-5678"),
        ("no. 901231/14/5678", "ic", "901231-14-5678"),
        ("ic: 901231 - 14 - 5678 ok", "ic", "901231-14-5678"),
        ("mail siti.leak@gmail\u3002com", "email", "siti.leak@gmail.com"),
        ("mail siti.leak@gmail\uff61com", "email", "siti.leak@gmail.com"),
        ("mail siti.leak @ gmail . com please", "email", "siti.leak@gmail.com"),
        ("mail siti @ mybrand.com.my", "email", "siti@mybrand.com.my"),
        ("mail siti@[10.0.0.1] now", "email", None),
        ("call O12-345 67O9", "phone", "012-345 6709"),
        ("call o12 3456 789", "phone", "012 3456 789"),
    ],
)  # fmt: skip
def test_the_round_4_forms_are_masked_and_keyed_as_what_they_write(text, kind, same_as):
    masked = mask_pii(text, KEY)
    assert f"[{kind}:" in masked, masked
    assert not any(ch.isdigit() for ch in masked.split(f"[{kind}:")[0]) or kind != "phone"
    if same_as is not None:  # the same person gets the same token, disguised or not
        assert mask_pii(same_as, KEY) in masked


@pytest.mark.parametrize(
    "text",
    ["meet @ noon. com", "Room 1203 Floor 12", "version 1.2.3.4", "2026.11.11 10:00", "Good 0o17 job",
     "很好。谢谢", "order 901231.14 shipped", "ratio 0.5 of 1000000", "see @john. Thanks"],
)  # fmt: skip
def test_text_that_only_looks_like_them_stays(text):
    assert mask_pii(text, KEY) == text


SPEC = """id: leaky_name
name: "Siti's sale, call 012-345 6789 or siti.leak@gmail.com"
type: scd
timeline: {event_start: 2027-03-10}
incentives: {budget_myr: 1000, tiers: [{min_gmv_myr: 10, bonus_myr: 5}]}
surveys:
  - {id: post, title: "Ask siti.leak @ gmail . com or 901231.14.5678", opens: 2027-03-11, closes: 2027-03-20}
"""


def test_a_spec_name_and_survey_title_never_reach_a_sink_in_clear(tmp_path, capsys):
    data = tmp_path / "data"
    data.mkdir()
    (data / "orders.csv").write_text(
        "order_id,line_id,creator_id,order_time,gmv,status\n1,1,alice,2027-03-10 10:00,100.00,completed\n"
    )
    (data / "enrollments.csv").write_text("creator_id,registered_at,is_new_creator\nalice,2027-03-01 10:00,yes\n")
    (tmp_path / "spec.yaml").write_text(SPEC)
    assert main(["review", "--spec", str(tmp_path / "spec.yaml"), "--data", str(data), "--out",
                 str(tmp_path / "out")]) == 0  # fmt: skip
    printed = capsys.readouterr().out
    everything = printed + "".join(p.read_text() for p in (tmp_path / "out").iterdir())
    for leak in ("345 6789", "siti.leak", "901231"):
        assert leak not in everything, leak
    assert "[phone hidden]" in printed
    review = json.loads((tmp_path / "out" / "review.json").read_text())
    assert review["campaign"]["name"].startswith("Siti's sale, call [phone hidden]")


def test_an_ecosystem_folder_named_after_a_person_is_printed_masked(tmp_path, capsys):
    root = write_campaigns(tmp_path / "campaigns")
    (root / "c1").rename(root / "c1_siti.leak@gmail.com_0127712468")
    assert main(["ecosystem", "--campaigns", str(root), "--out", str(tmp_path / "out")]) == 0
    printed = capsys.readouterr().out
    assert "siti.leak" not in printed and "0127712468" not in printed and "([email hidden]_[phone hidden])" in printed


def test_allocate_echoes_its_out_path_masked(tmp_path, capsys):
    (tmp_path / "spec.yaml").write_text(
        "id: leaky_out\nname: Leaky out\ntype: scd\ntimeline: {event_start: 2027-03-10}\n"
        "traffic: {budget_myr: 100, cpm_myr: 10, step_myr: 100, efficiency: [1.0]}\n"
    )
    (tmp_path / "content.csv").write_text(
        "content_id,creator_id,content_type,posted_at,views,gmv\nv1,alice,VIDEO,2027-03-09 10:00,1000,50.00\n"
    )
    out = tmp_path / "siti.leak@gmail.com" / "alloc.csv"
    assert main(["allocate", "--spec", str(tmp_path / "spec.yaml"), "--content", str(tmp_path / "content.csv"),
                 "--out", str(out)]) == 0  # fmt: skip
    summary = json.loads(capsys.readouterr().out)
    assert out.exists() and "siti.leak" not in summary["out"] and "[email hidden]" in summary["out"]


def test_an_xlsx_sheet_named_after_a_person_is_masked_in_the_note(tmp_path, capsys):
    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = "Summary 0127712468"
    book.active.append(["total"])
    data = book.create_sheet("siti.leak@gmail.com")
    data.append(["creator_id", "registered_at", "is_new_creator"])
    data.append(["alice", "2027-03-01 10:00", "yes"])
    book.save(tmp_path / "enrollments.xlsx")
    assert main(["ingest", "enrollments", str(tmp_path / "enrollments.xlsx"), "--out", str(tmp_path / "out")]) == 0
    printed = capsys.readouterr().err  # the note goes to stderr, the JSON summary to stdout
    assert "worksheet" in printed and "siti.leak" not in printed and "0127712468" not in printed, printed


def test_survey_answers_in_the_round_4_forms_are_masked_through_ingest(tmp_path, capsys, monkeypatch):
    """The reader's vectorised path (mask_array's pre-filter) lets every round-4 form through to the masker."""
    monkeypatch.setenv("AIRFLOW_VAR_PII_HASH_KEY", "round-4")
    answers = ["901231.14.5678", "901231/14/5678", "901231 - 14 - 5678", "siti.leak@gmail\u3002com",
               "siti.leak @ gmail . com", "siti@[10.0.0.1]", "call O12-345 67O9"]  # fmt: skip
    path = tmp_path / "surveys.csv"
    path.write_text("Timestamp,Creator,Any comments?\n" + "".join(
        f'2027-03-12 10:00:00,c{i},"{a}"\n' for i, a in enumerate(answers)), encoding="utf-8")  # fmt: skip
    assert main(["ingest", "surveys", str(path), "--out", str(tmp_path / "out")]) == 0, capsys.readouterr().err
    written = "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "out").iterdir())
    for leak in ("901231", "siti.leak", "siti@", "10.0.0.1", "345 67"):
        assert leak not in written, leak
