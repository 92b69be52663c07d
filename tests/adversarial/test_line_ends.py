"""CSV with classic-Mac line ends (a bare CR, as Excel for Mac 2011 saves "CSV (Macintosh)") reads like any other.

Before: `new-line character seen in unquoted field`, the file rejected. Now every encoding and
delimiter the readers take, with CR, LF, CRLF or a mix, gives the same rows.
"""

from __future__ import annotations

import json

import pytest

from creator_ops.cli import main
from creator_ops.core.ingest import read_dataset

ROWS = [
    ["creator_id", "registered_at", "is_new_creator"],
    ["alice", "2027-03-01 10:00", "yes"],
    ["Zoë", "2027-03-01 11:00", "no"],
    ["bob", "01/03/2027 12:00", "no"],
]


def _text(line_end: str, delimiter: str = ",") -> str:
    return "".join(delimiter.join(row) + line_end for row in ROWS)


@pytest.mark.parametrize("line_end", ["\r", "\n", "\r\n"])
@pytest.mark.parametrize(("encoding", "delimiter"), [("utf-8", ","), ("utf-8-sig", ";"), ("utf-16", "\t"),
                                                     ("cp1252", ",")])  # fmt: skip
def test_every_line_end_gives_the_same_rows(tmp_path, line_end, encoding, delimiter):
    path = tmp_path / "enrollments.csv"
    path.write_bytes(_text(line_end, delimiter).encode(encoding))
    read = read_dataset(path, "enrollments", tz="Asia/Kuala_Lumpur", pii_key=None)
    assert (read.rows_in, read.n_accepted) == (3, 3)
    assert read.accepted_table["creator_id"].to_pylist() == ["alice", "zoë", "bob"]


def test_mac_line_ends_with_a_quoted_multi_line_cell_and_no_final_line_end(tmp_path, capsys):
    path = tmp_path / "enrollments.csv"
    path.write_bytes(b'creator_id,registered_at,is_new_creator,note\ralice,2027-03-01 10:00,yes,"two\rlines"\r'
                     b"bob,2027-03-01 10:00,no,ok")  # fmt: skip
    assert main(["ingest", "enrollments", str(path), "--out", str(tmp_path / "out")]) == 0
    assert json.loads(capsys.readouterr().out) == {"rows_in": 2, "accepted": 2, "quarantined": 0}


def test_a_mixed_file_counts_every_line(tmp_path):
    path = tmp_path / "enrollments.csv"
    path.write_bytes(b"creator_id,registered_at,is_new_creator\r\nalice,2027-03-01 10:00,yes\rbob,2027-03-01 10:00,no\n"
                     b"carol,2027-03-01 10:00,maybe\r")  # fmt: skip
    read = read_dataset(path, "enrollments", tz="Asia/Kuala_Lumpur", pii_key=None)
    assert (read.rows_in, read.n_accepted, read.n_quarantined) == (3, 2, 1)
