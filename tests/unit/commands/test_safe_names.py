"""`safe_csv.safe_name`, the one place data names a file: whatever the value, a name stays in its folder or is refused."""

from __future__ import annotations

import os

from hypothesis import given
from hypothesis import strategies as st

from creator_ops.core.safe_csv import UnsafeName, replace_folder, safe_name

HOSTILE = st.one_of(
    st.text(max_size=200),
    st.text(alphabet="./\\\x00 -_aZ09@~:", max_size=40),
    st.sampled_from(["..", ".", "../x", "/etc/passwd", "a/b", "CON", "nul.json", "x.", "012-345 6789"]),
)


@given(HOSTILE)
def test_a_name_from_any_value_stays_in_its_folder_or_is_refused(value):
    try:
        name = safe_name(value, suffix=".json")
    except UnsafeName:
        return
    assert os.path.basename(name) == name and name not in (".", "..") and not name.startswith(".")
    assert "/" not in name and "\\" not in name and "\x00" not in name and name.isascii()


@given(HOSTILE)
def test_with_a_digest_every_value_gets_a_safe_name(value):
    name = safe_name(value, suffix=".html", or_digest="payee_")
    assert safe_name(name) == name  # the digest name is itself a safe name
    assert safe_name(value, suffix=".html", or_digest="payee_") == name  # the same value, the same name


def test_replace_folder_refuses_names_that_would_leave_it(tmp_path):
    for bad in ("../escape.json", "/abs.json", "a/b.json"):
        try:
            replace_folder(tmp_path / "set", {bad: b"x"})
        except UnsafeName:
            continue
        raise AssertionError(f"{bad} was written")
    assert not (tmp_path / "escape.json").exists() and not (tmp_path / "set").exists()
