"""Survey exports read by the real reader are validated in the suite's long form (one row per answer)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from repo_paths import DEMO_SPEC, ROOT

from creator_ops.core.ingest import DEMO_PII_KEY, read_dataset
from creator_ops.core.quality import (
    SURVEY_BATCH_COLUMNS,
    batch_frame,
    suite_columns,
    survey_answers_frame,
    validate_batch,
    validate_read_result,
)
from creator_ops.core.spec import load_spec

SPEC = load_spec(DEMO_SPEC)
GOOGLE_FORMS = ROOT / "tests" / "fixtures" / "ingest" / "surveys_google_forms.csv"


def read(path: Path, dataset: str = "surveys"):
    return read_dataset(path, dataset, tz=SPEC.timezone, pii_key=DEMO_PII_KEY)


def test_google_forms_export_becomes_one_row_per_answer_and_passes():
    result = read(GOOGLE_FORMS)
    frame = survey_answers_frame(result)
    assert list(frame.columns) == list(SURVEY_BATCH_COLUMNS)
    assert set(suite_columns("surveys")) <= set(frame.columns)
    # 3 accepted forms; blank answers are not answers: 3 + 2 + 1 given
    assert len(result.accepted) == 3 and len(frame) == 6
    assert frame.groupby("creator_id").size().to_dict() == {"siti.nur": 3, "ahmad_k": 2, "kavitha.style": 1}
    assert set(frame["language"]) <= {"ms", "zh", "en", "ta"}
    report = validate_batch("surveys", frame, SPEC)
    assert report.passed, report.to_dict()["failed"]
    assert report.rows == 6


def test_whole_file_check_adds_the_readers_quarantine_figures():
    result = read(GOOGLE_FORMS)  # the form without a timestamp is quarantined: 1 of 4 rows, above 5%
    report = validate_read_result(result, SPEC)
    assert report.failed_names == ["quarantine_share_below_threshold"]
    assert report.failed[0].unexpected_values == [0.25]


def test_personal_data_and_foreign_forms_in_a_real_export_fail_and_stay_masked(tmp_path):
    export = tmp_path / "survey_responses.csv"
    export.write_text(
        "Timestamp,Username,Apa pendapat anda?,Any other comments?\n"
        "2026-12-01 10:00:00,@Aina.Beauty,Bagus sekali,Call me at +60 12-345 6789\n"
        "2026-12-02 11:30:00,farid_tech,Harga murah,write to farid.rahman@gmail.com\n"
        "2026-12-03 09:15:00,mei.ling,很好,\n"
        "2026-06-01 09:00:00,old.creator,Kempen lama,from the June campaign\n",
        encoding="utf-8",
    )
    result = read(export)
    assert result.n_quarantined == 0 and len(result.accepted) == 4
    # the reader masks personal data in every answer before anything stores it ...
    stored = json.dumps(result.answers["answer"].tolist(), ensure_ascii=False)
    assert "farid.rahman@gmail.com" not in stored and "345 6789" not in stored
    assert "[email:" in stored and "[phone:" in stored
    report = validate_read_result(result, SPEC)
    assert sorted(report.failed_names) == ["submitted_while_surveys_open"]
    # ... and the suite still catches a frame that holds it in clear (defence in depth)
    frame = survey_answers_frame(result).copy()
    frame.loc[0, "answer"] = "Call me at +60 12-345 6789 or farid.rahman@gmail.com"
    unmasked = validate_batch("surveys", frame, SPEC)
    assert {"no_email_in_answers", "no_phone_in_answers"} <= set(unmasked.failed_names)
    text = json.dumps(unmasked.to_dict(), ensure_ascii=False)
    assert "farid.rahman@gmail.com" not in text and "345 6789" not in text
    by_name = {f.name: f for f in report.failed}
    assert by_name["submitted_while_surveys_open"].unexpected_count == 2  # both answers of the June form
    assert {row["creator_id"] for row in report.sample} >= {"old.creator"}


def test_the_wide_per_form_frame_is_refused_with_the_way_out():
    result = read(GOOGLE_FORMS)
    refused = r"lacks column\(s\) question, language, answer.*survey_answers_frame"
    with pytest.raises(ValueError, match=refused):
        validate_batch("surveys", result.accepted, SPEC)


def test_other_datasets_validate_their_accepted_rows():
    result = read(ROOT / "tests" / "fixtures" / "ingest" / "orders_affiliate_export.csv", "orders")
    assert batch_frame(result) is result.accepted
    with pytest.raises(ValueError, match="long form"):
        survey_answers_frame(result)
