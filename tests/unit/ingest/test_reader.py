"""Reading whole exports: formats, encodings, delimiters, aliases, reconciliation and rejection."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from creator_ops.core.ingest import DATASETS, FileRejected, PiiKeyMissing, ReadResult, read_dataset
from creator_ops.core.ingest.pii import keyed_hash

KEY = b"unit-test-pii-key"

UTC = dt.UTC
DATASET_OF = {
    "orders": "orders",
    "enrollments": "enrollments",
    "creators": "creators",
    "surveys": "surveys",
    "exclusions": "exclusions",
}


def _dataset(name: str) -> str:
    return next((d for prefix, d in DATASET_OF.items() if name.startswith(prefix)), "orders")


def _read(files: dict[str, Path], name: str) -> ReadResult:
    return read_dataset(files[name], _dataset(name), tz="Asia/Kuala_Lumpur", pii_key=KEY)


READABLE = [
    "orders_affiliate_export.csv",
    "orders_canonical_semicolon.csv",
    "orders_affiliate.xlsx",
    "orders_native.parquet",
    "orders_ragged.csv",
    "enrollments_messy.tsv",
    "enrollments_unicode_text.txt",
    "enrollments_utf16_nobom.csv",
    "creators_pull.csv",
    "creators_windows1252.csv",
    "surveys_google_forms.csv",
    "exclusions.jsonl",
]


@pytest.mark.parametrize("name", READABLE)
def test_every_row_is_accepted_or_quarantined(export_files, name: str) -> None:
    result = _read(export_files, name)
    assert result.rows_in == len(result.accepted) + len(result.quarantined)
    numbers = sorted(result.accepted["row_number"].tolist() + result.quarantined["row_number"].tolist())
    assert numbers == list(range(1, result.rows_in + 1))
    assert result.quarantined["reason"].str.fullmatch(r"[a-z_]+").all()


def test_affiliate_seller_export_loads_as_it_is(export_files) -> None:
    result = _read(export_files, "orders_affiliate_export.csv")
    df = result.accepted
    assert result.encoding == "utf-8-sig"
    assert df["order_id"].tolist()[0] == "5770000000000000001"  # 19 digits, still text
    assert df["creator_id"].tolist()[:2] == ["aisyah.beauty", "aisyah.beauty"]
    assert df["gmv_sen"].tolist() == [123450, 8990, 200000, 200000, 0]
    assert str(df["gmv_sen"].dtype) == "int64"
    # "Fully returned or refunded = Yes" makes the line returned, the platform's status kept aside.
    assert df["status"].tolist() == ["completed", "returned", "processing", "completed", "cancelled"]
    assert df["source_status"].tolist()[1] == "COMPLETED"
    assert df["order_time"].tolist()[0] == dt.datetime(2026, 12, 12, 2, 15, tzinfo=UTC)
    # duplicates are kept in input order for the payout engine's rule 1
    assert df["row_number"].tolist() == [1, 2, 3, 4, 5]


def test_canonical_semicolon_file_quarantines_each_problem_with_its_reason(export_files) -> None:
    result = _read(export_files, "orders_canonical_semicolon.csv")
    reasons = dict(zip(result.quarantined["row_number"], result.quarantined["reason"], strict=False))
    assert reasons == {
        1: "bad_money",
        4: "missing_key",
        5: "missing_key",
        6: "missing_key",
        7: "bad_timestamp",
        8: "negative_gmv",
        9: "bad_id",
        10: "bad_money",
        11: "empty_row",
        12: "bad_timestamp",
    }
    fields = dict(zip(result.quarantined["row_number"], result.quarantined["field"], strict=False))
    assert (fields[4], fields[5], fields[6], fields[12]) == (
        "order_id",
        "line_id",
        "creator_id",
        "updated_at",
    )
    accepted = result.accepted
    assert accepted["status"].tolist() == [
        "completed",
        "delivered",
        "completed",
    ]  # "Completed " trimmed, lowered
    assert accepted["updated_at"].isna().tolist() == [True, False, False]
    assert accepted["row_number"].tolist() == [2, 3, 13]


def test_xlsx_numbers_stay_exact_text_and_datetimes_are_local(export_files) -> None:
    result = _read(export_files, "orders_affiliate.xlsx")
    df = result.accepted
    assert df["order_id"].tolist() == ["5770000000", "7000000000", "5770000003"]  # not 7.0e+09
    assert df["line_id"].tolist() == ["1729000000000001", "A-1", "3"]
    assert df["gmv_sen"].tolist() == [123450, 8990, 10]
    assert df["order_time"].tolist()[0] == dt.datetime(2026, 12, 12, 2, 15, tzinfo=UTC)
    assert df["status"].tolist()[1] == "returned"
    assert result.quarantined["reason"].tolist() == ["negative_gmv", "empty_row"]
    assert result.rows_in == 5  # the formatted empty rows at the bottom are not rows


def test_parquet_native_types(export_files) -> None:
    result = _read(export_files, "orders_native.parquet")
    df = result.accepted
    assert df["order_id"].tolist() == ["7000000001", "7000000002", "7000000003"]
    assert df["gmv_sen"].tolist() == [123450, 10, 700000000000]
    assert df["order_time"].tolist()[1] == dt.datetime(2026, 12, 12, 15, 59, 59, tzinfo=UTC)
    assert df["updated_at"].tolist()[0] == dt.datetime(2026, 12, 20, tzinfo=UTC)
    assert result.quarantined["reason"].tolist() == ["missing_key"]


def test_ragged_rows_are_quarantined_not_lost(export_files) -> None:
    result = _read(export_files, "orders_ragged.csv")
    assert result.accepted["order_id"].tolist() == ["1", "4"]
    assert result.quarantined["reason"].tolist() == ["wrong_field_count", "wrong_field_count"]
    assert json.loads(result.quarantined["raw_json"][0])["extra_1"] == "extra"


@pytest.mark.parametrize("name", ["enrollments_unicode_text.txt", "enrollments_utf16_nobom.csv"])
def test_utf16_unicode_text(export_files, name: str) -> None:
    result = _read(export_files, name)
    assert result.encoding.startswith("utf-16")
    assert result.accepted["creator_id"].tolist() == ["siti.nur", "கவிதா", "李伟"]
    assert result.accepted["is_new_creator"].tolist() == [True, False, True]


def test_enrollments_tab_separated_with_malay_booleans(export_files) -> None:
    result = _read(export_files, "enrollments_messy.tsv")
    df = result.accepted
    assert df["creator_id"].tolist() == ["siti.nur", "ahmad_k", "siti.nur", "raj.kumar"]
    assert df["is_new_creator"].tolist() == [True, False, True, False]  # blank means not new
    assert df["registered_at"].tolist()[0] == dt.datetime(2026, 12, 1, 1, 30, tzinfo=UTC)
    assert dict(zip(result.quarantined["row_number"], result.quarantined["reason"], strict=False)) == {
        4: "bad_boolean",
        5: "missing_key",
        6: "bad_timestamp",
    }


def test_windows_1252_text_is_decoded(export_files) -> None:
    result = _read(export_files, "creators_windows1252.csv")
    assert result.encoding == "cp1252"
    assert result.accepted["handle"].tolist() == ["Café Crème"]
    raw = json.loads(result.quarantined["raw_json"][0])
    assert raw["Handle"] == "Café Lover \u2019s \u20ac"  # curly quote and euro sign survive


def test_creators_counts_money_categories_and_duplicates(export_files) -> None:
    result = _read(export_files, "creators_pull.csv")
    df = result.accepted
    # AISYAH.BEAUTY's second row (row 4) replaces her first: the row landed last wins
    assert df["creator_id"].tolist() == ["weijie_home", "kavitha.style", "aisyah.beauty"]
    assert df["followers"].tolist() == [1200000, 8900, 1000]
    assert df["avg_views_30d"].tolist() == [250000, 1200, 1]
    assert df["gmv_30d_sen"].tolist() == [1200000, 89000, 100]
    assert df["category"].tolist() == ["home_living", "fashion", "beauty"]
    assert df["handle"].tolist()[1] == "கவிதா ஸ்டைல்"
    assert result.quarantined["reason"].tolist() == ["duplicate_in_file", "bad_number", "missing_key"]


def test_surveys_long_answers_and_language(export_files) -> None:
    result = _read(export_files, "surveys_google_forms.csv")
    assert result.accepted["creator_id"].tolist() == ["siti.nur", "ahmad_k", "kavitha.style"]
    assert result.accepted["submitted_at"].tolist()[0] == dt.datetime(2026, 11, 25, 2, 15, tzinfo=UTC)
    answers = result.answers
    assert len(answers) == 6  # blank answers are not answers
    assert set(answers["question"]) == {
        "Apa yang anda suka tentang kempen ini?",
        "你会推荐给朋友吗？",
        "Any other comments?",
    }  # the e-mail column is personal data, never a question
    by_answer = dict(zip(answers["answer"], answers["language"], strict=False))
    assert by_answer["会，非常推荐"] == "zh"
    assert by_answer["நல்ல பிரச்சாரம்"] == "ta"
    assert by_answer["Komisen lebih tinggi"] == "ms"
    assert by_answer["I would like faster payouts\nand better vouchers"] == "en"  # multi-line cell kept whole
    assert result.quarantined["reason"].tolist() == ["missing_value"]


def test_json_lines_with_broken_lines(export_files) -> None:
    result = _read(export_files, "exclusions.jsonl")
    assert result.accepted["creator_id"].tolist() == ["weijie_home", "fraud.acc", "7000000000"]
    assert result.quarantined["reason"].tolist() == [
        "duplicate_in_file",  # "@Fraud.Acc" listed again later: the later row wins
        "bad_json",
        "bad_json",
        "missing_key",
    ]


@pytest.mark.parametrize(
    ("name", "cause"),
    [
        ("orders_missing_columns.csv", "missing required column(s) for orders: line_id"),
        ("empty.csv", "empty"),
        ("orders_garbage.csv", "undecodable"),
        ("orders_truncated.xlsx", "not a readable XLSX"),
        ("orders_legacy.xls", "legacy .xls"),
    ],
)
def test_unreadable_files_are_rejected_naming_file_and_cause(export_files, name: str, cause: str) -> None:
    with pytest.raises(FileRejected) as info:
        _read(export_files, name)
    assert cause in info.value.cause
    assert name in str(info.value)


def test_header_aliases_ignore_case_and_spacing(tmp_path: Path) -> None:
    path = tmp_path / "aliases.csv"
    path.write_text(
        "  ORDER id ,Line-ID,creator  ID,Order_Time,STATUS,GMV (RM)\n1,2,@X,2026-12-12 10:00,ok,1\n"
    )
    result = read_dataset(path, "orders", pii_key=KEY)
    assert result.accepted[["order_id", "line_id", "creator_id", "gmv_sen"]].values.tolist() == [
        ["1", "2", "x", 100]
    ]


def test_gmv_sen_column_is_never_read_as_ringgit(tmp_path: Path) -> None:
    path = tmp_path / "sen.csv"
    path.write_text(
        "order_id,line_id,creator_id,order_time,status,gmv_sen\n1,1,a,2026-12-12 10:00,completed,100\n"
    )
    with pytest.raises(FileRejected, match="gmv_sen"):
        read_dataset(path, "orders", pii_key=KEY)


def test_values_wider_than_the_warehouse_column_are_quarantined(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    path.write_text(
        f"order_id,line_id,creator_id,order_time,status,gmv\n1,1,a,2026-12-12 10:00,{'x' * 41},1\n"
    )
    result = read_dataset(path, "orders", pii_key=KEY)
    assert result.quarantined["reason"].tolist() == ["too_long"]


def test_header_only_file_has_no_rows(tmp_path: Path) -> None:
    path = tmp_path / "header.csv"
    path.write_text("creator_id,reason\n")
    result = read_dataset(path, "exclusions", pii_key=KEY)
    assert (result.rows_in, len(result.accepted), len(result.quarantined)) == (0, 0, 0)


def test_personal_data_is_hashed_everywhere_and_matches_across_files(export_files) -> None:
    result = _read(export_files, "enrollments_messy.tsv")
    texts = result.accepted.to_csv() + result.quarantined.to_csv()
    for clear in ("example.com", "Siti.Nur@", "345 6789", "3456789"):
        assert clear not in texts
    hashes = result.accepted["email_hash"].tolist()
    # "Siti.Nur@Example.COM " and "siti.nur@example.com" are the same person
    assert hashes[0] == hashes[2] == keyed_hash(KEY, "email", "siti.nur@example.com")
    # "012-345 6789" and "0123456789" are the same phone, in E.164
    phones = result.accepted["phone_hash"].tolist()
    assert phones[0] == phones[2] == keyed_hash(KEY, "phone", "+60123456789")
    raw = json.loads(result.quarantined["raw_json"][1])
    assert raw["E-mail"] == "hmac-sha256:" + keyed_hash(KEY, "email", "nobody@example.com")


def test_personal_data_without_a_key_stops_with_a_clear_error(export_files) -> None:
    with pytest.raises(PiiKeyMissing, match="pii_hash_key"):
        read_dataset(export_files["creators_pull.csv"], "creators", pii_key=None)


def test_unknown_dataset_is_an_error(export_files) -> None:
    with pytest.raises(ValueError, match="unknown data set"):
        read_dataset(export_files["creators_pull.csv"], "payouts", pii_key=KEY)
    assert DATASETS == (
        "creators", "enrollments", "surveys", "orders", "exclusions", "products", "invitations", "samples", "content",
    )  # fmt: skip
