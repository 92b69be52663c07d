"""Every cell normalization: money to sen, counts, timestamps to UTC, creator ids, booleans, ids."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from creator_ops.core.ingest import normalize as nz

KL = "Asia/Kuala_Lumpur"
UTC = dt.UTC


@pytest.mark.parametrize(
    ("text", "sen"),
    [
        ("1,234.50", 123450),
        ("RM1,234.50", 123450),
        ("RM 1,234.50", 123450),
        ("myr 12", 1200),
        ("0.1", 10),
        ("12.500", 1250),
        (".5", 50),
        ("1234567", 123456700),
        ("-5.5", -550),
        ("-RM2", -200),
        ("RM-3.10", -310),
        ("\u00a012.00\u00a0", 1200),  # non-breaking spaces from spreadsheets
    ],
)
def test_money_becomes_exact_sen(text: str, sen: int) -> None:
    parsed = nz.parse_money_sen(pa.array([text]))
    assert parsed.values.to_pylist() == [sen]
    assert parsed.bad.to_pylist() == [False]


@pytest.mark.parametrize(
    "text", ["12,50", "1.234,50", "12.505", "abc", "RM", "1,2345.00", "--1", "1e5", "12.34.5"]
)
def test_ambiguous_or_broken_money_is_bad_never_guessed(text: str) -> None:
    parsed = nz.parse_money_sen(pa.array([text]))
    assert parsed.values.to_pylist() == [None]
    assert parsed.bad.to_pylist() == [True]


def test_blank_money_is_missing_not_bad() -> None:
    parsed = nz.parse_money_sen(pa.array(["", "  "]))
    assert parsed.missing.to_pylist() == [True, True]
    assert parsed.bad.to_pylist() == [False, False]
    assert parsed.values.to_pylist() == [None, None]


@given(st.integers(min_value=0, max_value=10**13))
def test_money_round_trips_any_amount_exactly(sen: int) -> None:
    text = f"RM{sen // 100:,}.{sen % 100:02d}"
    assert nz.parse_money_sen(pa.array([text])).values.to_pylist() == [sen]


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("12.3K", 12300),
        ("1.2M", 1_200_000),
        ("1,234", 1234),
        ("500", 500),
        ("12.35k", 12350),
        ("3B", 3 * 10**9),
        ("2.5rb", 2500),
        ("1.5 jt", 1_500_000),
        ("1.2345K", 1235),
        ("0.5", 1),
    ],
)
def test_counts_with_suffixes(text: str, count: int) -> None:
    assert nz.parse_count(pa.array([text])).values.to_pylist() == [count]


@pytest.mark.parametrize("text", ["lots", "12.3X", "1,23", "K"])
def test_bad_counts(text: str) -> None:
    assert nz.parse_count(pa.array([text])).bad.to_pylist() == [True]


@pytest.mark.parametrize(
    ("text", "utc"),
    [
        ("2026-12-12T10:00:00+08:00", dt.datetime(2026, 12, 12, 2, tzinfo=UTC)),
        ("2026-12-12T02:00:00Z", dt.datetime(2026, 12, 12, 2, tzinfo=UTC)),
        ("2026-12-12T10:00:00.25-01:30", dt.datetime(2026, 12, 12, 11, 30, 0, 250000, tzinfo=UTC)),
        ("2026-12-12 10:00:00", dt.datetime(2026, 12, 12, 2, tzinfo=UTC)),  # no offset: campaign-local
        ("2026-12-12T10:00", dt.datetime(2026, 12, 12, 2, tzinfo=UTC)),
        ("2026-12-12", dt.datetime(2026, 12, 11, 16, tzinfo=UTC)),
        ("12/12/2026 10:00", dt.datetime(2026, 12, 12, 2, tzinfo=UTC)),
        ("12/12/2026 10:00:05", dt.datetime(2026, 12, 12, 2, 0, 5, tzinfo=UTC)),
        ("01/02/2027 00:30", dt.datetime(2027, 1, 31, 16, 30, tzinfo=UTC)),  # day first: 1 February
        ("12/12/2026 12:30 AM", dt.datetime(2026, 12, 11, 16, 30, tzinfo=UTC)),
        ("2026/11/25 10:15:00 PM GMT+8", dt.datetime(2026, 11, 25, 14, 15, tzinfo=UTC)),
        ("2026-12-12 10:00 UTC", dt.datetime(2026, 12, 12, 10, tzinfo=UTC)),
    ],
)
def test_timestamps_become_utc(text: str, utc: dt.datetime) -> None:
    parsed = nz.parse_timestamp(pa.array([text]), KL)
    assert parsed.values.to_pylist() == [utc]


def test_offsetless_timestamps_use_the_campaign_time_zone() -> None:
    parsed = nz.parse_timestamp(pa.array(["2026-12-12 10:00:00"]), "Asia/Tokyo")
    assert parsed.values.to_pylist() == [dt.datetime(2026, 12, 12, 1, tzinfo=UTC)]


@pytest.mark.parametrize(
    "text", ["31/02/2026 10:00", "2026-13-01", "2026-12-12 25:00", "yesterday", "12/12/26 10:00"]
)
def test_impossible_timestamps_are_bad(text: str) -> None:
    parsed = nz.parse_timestamp(pa.array([text]), KL)
    assert parsed.bad.to_pylist() == [True]
    assert parsed.values.to_pylist() == [None]


def test_native_timestamps_naive_are_local_aware_are_kept() -> None:
    naive = pa.array([dt.datetime(2026, 12, 12, 10)], pa.timestamp("ms"))
    aware = pa.array([dt.datetime(2026, 12, 12, 10, tzinfo=UTC)], pa.timestamp("us", "UTC"))
    assert nz.parse_timestamp(naive, KL).values.to_pylist() == [dt.datetime(2026, 12, 12, 2, tzinfo=UTC)]
    assert nz.parse_timestamp(aware, KL).values.to_pylist() == [dt.datetime(2026, 12, 12, 10, tzinfo=UTC)]


def test_creator_ids_trim_drop_one_at_and_lower() -> None:
    parsed = nz.parse_creator_id(pa.array([" @Alice ", "@@bob", "CAROL", "", "@"]))
    assert parsed.values.to_pylist() == ["alice", "@bob", "carol", None, None]
    assert parsed.missing.to_pylist() == [False, False, False, True, True]


def test_booleans_in_english_and_malay() -> None:
    parsed = nz.parse_bool(pa.array(["Yes", "no", "YA", "tidak", "1", "0", "TRUE", "", "maybe"]))
    assert parsed.values.to_pylist() == [True, False, True, False, True, False, True, None, None]
    assert parsed.bad.to_pylist() == [False] * 8 + [True]


def test_ids_stay_text_and_excel_scientific_notation_is_bad() -> None:
    parsed = nz.parse_id(pa.array(["7000000000", " 0012 ", "7.00E+09", "5.77E+18"]))
    assert parsed.values.to_pylist() == ["7000000000", "0012", None, None]
    assert parsed.bad.to_pylist() == [False, False, True, True]
