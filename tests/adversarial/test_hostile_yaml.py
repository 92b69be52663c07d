"""Every YAML input (a campaign spec, `finance --company`) goes through the one safe loader, `core.safe_yaml`.

Hostile files: other encodings and binary, deep nesting, billion laughs, duplicate keys,
lists, mappings and `!!binary` where text belongs, and YAML 1.1 scalars that would turn a
phone number or a postcode into an octal number. Each one: exit 2 naming the file and the
field (or line), never a traceback, in well under a second.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from repo_paths import FIXTURES

from creator_ops.cli import main
from creator_ops.core.safe_yaml import MAX_DEPTH, YamlFileError, load_yaml, read_yaml_file

FIX = FIXTURES / "finance"
COMPANY = (FIX / "company.yaml").read_text(encoding="utf-8")
BILLION_LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(8)
)


def _finance(tmp_path: Path, company: Path) -> int:
    return main(["finance", "--spec", str(FIX / "spec.yaml"), "--payouts", str(FIX / "payouts.csv"),
                 "--company", str(company), "--payees", str(FIX / "payees.csv"),
                 "--prior-totals", str(FIX / "prior_totals.csv"), "--out", str(tmp_path / "out")])  # fmt: skip


HOSTILE_COMPANY = {
    # case: (file bytes, text the one-line error holds)
    "cp1252": (COMPANY.replace("Kedai", "Kédai").encode("cp1252"), "not UTF-8 text"),
    "utf-16": (COMPANY.encode("utf-16"), "UTF-16"),
    "binary": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary content"),
    "deep lists": (("name: " + "[" * 20_000 + "]" * 20_000 + "\n").encode(), f"nested more than {MAX_DEPTH}"),
    "deep blocks": ("".join(" " * i + f"k{i}:\n" for i in range(300)).encode(), "nested more than"),
    "billion laughs": (BILLION_LAUGHS.encode(), "more than 200 values"),
    "duplicate key": (COMPANY.replace("city: Kuala Lumpur", "city: Kuala Lumpur\ncity: Ipoh").encode(),
                      "duplicate key 'city'"),
    "list name": (COMPANY.replace("name: Kedai Contoh Sdn. Bhd.", "name: [Kedai, Contoh]").encode(),
                  "name: is a list"),
    "mapping address": (COMPANY.replace("address: Lot 66", "address: {line1: Lot 66}").replace(
        ", Bangunan Merdeka, Persiaran Jaya", "").encode(), "address: is a mapping"),
    "binary tin": (COMPANY.replace("tin: C21234567080", "tin: !!binary QzIxMjM0NTY3MDgw").encode(),
                   "tin: is binary data"),
    "bool city": (COMPANY.replace("city: Kuala Lumpur", "city: true").encode(), "city: is true/false"),
    "date email": (COMPANY.replace("email: finance@kedai-contoh.example", "email: 2027-01-01").encode(),
                   "email: is a date"),
    "huge number": (COMPANY.replace('brn: "202001234567"', "brn: " + "9" * 5000).encode(), "brn: not a valid"),
    "python tag": (COMPANY.replace("city: Kuala Lumpur", "city: !!python/object/apply:os.system [id]").encode(),
                   "invalid YAML"),
    "not a mapping": (b"- name\n- tin\n", "a company file is a mapping"),
    "too big": (COMPANY.encode() + b"#" * 70_000, "a company file is at most"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(HOSTILE_COMPANY))
def test_a_hostile_company_file_is_exit_2_naming_file_and_field(tmp_path, capsys, case):
    content, expected = HOSTILE_COMPANY[case]
    company = tmp_path / "company.yaml"
    company.write_bytes(content)
    started = time.perf_counter()
    code = _finance(tmp_path, company)
    elapsed = time.perf_counter() - started
    err = capsys.readouterr().err
    assert code == 2, err
    assert "company.yaml" in err and expected in err and "Traceback" not in err and err.count("\n") == 1, err
    assert elapsed < 5, f"{case} took {elapsed:.1f} s"
    assert not (tmp_path / "out" / "payments.csv").exists()


def test_a_leading_zero_stays_text_so_the_phone_and_postcode_are_as_written(tmp_path, capsys):
    """YAML 1.1 read `0321612345` as octal (every e-invoice carried +6054990053) and `05000` as 2560."""
    company = tmp_path / "company.yaml"
    company.write_text(
        COMPANY.replace('phone: "+60 3-2161 2345"', "phone: 0321612345")
        .replace('postcode: "50480"', "postcode: 05000")
        .replace('msic: "47912"', "msic: 47912")
    )
    assert _finance(tmp_path, company) == 0, capsys.readouterr().err
    documents = [json.loads(p.read_text()) for p in sorted((tmp_path / "out" / "einvoices").glob("*.json"))]
    assert documents
    buyer = documents[0]["Invoice"][0]["AccountingCustomerParty"][0]["Party"][0]
    assert buyer["Contact"][0]["Telephone"][0]["_"] in ("0321612345", "+60321612345")
    assert buyer["PostalAddress"][0]["PostalZone"][0]["_"] == "05000"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("phone: 0321612345", {"phone": "0321612345"}), ("postcode: 05000", {"postcode": "05000"}),
        ("n: 0o17", {"n": 15}), ("n: 0x1F", {"n": 31}), ("n: 010", {"n": "010"}), ("n: -0", {"n": 0}),
        ("flag: yes", {"flag": "yes"}), ("flag: off", {"flag": "off"}), ("flag: True", {"flag": True}),
        ("t: 1:30", {"t": "1:30"}), ("n: 1_000", {"n": "1_000"}), ("n: 007.5", {"n": "007.5"}),
    ],
)  # fmt: skip
def test_yaml_1_2_scalars(text, expected):
    assert load_yaml(text) == expected


def test_the_spec_loader_is_the_same_loader(tmp_path):
    """A spec with a duplicate key, deep nesting or a billion laughs: the same rules, as spec problems."""
    from creator_ops.core.spec import SpecError, load_spec

    spec = (FIX / "spec.yaml").read_text(encoding="utf-8")
    for case, text, expected in [
        ("dup", spec + "\nname: again\n", "duplicate key 'name'"),
        ("deep", spec + "\nx: " + "[" * 5_000 + "]" * 5_000 + "\n", "nested more than"),
        ("laughs", spec + "\n" + BILLION_LAUGHS, "more than 20000 values"),
        ("cp1252", None, "not UTF-8 text"),
    ]:
        path = tmp_path / f"{case}.yaml"
        path.write_bytes(text.encode() if text else spec.replace("name:", "name: caf\u00e9").encode("cp1252"))
        started = time.perf_counter()
        with pytest.raises(SpecError, match=expected) as caught:
            load_spec(path)
        assert time.perf_counter() - started < 2 and f"{case}.yaml" in str(caught.value)


def test_read_yaml_file_names_the_line_of_a_syntax_error(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("a: 1\nb: [unclosed\n")
    with pytest.raises(YamlFileError, match=r"broken.yaml: line \d+: invalid YAML"):
        read_yaml_file(path, max_bytes=1000, max_values=100)


def test_a_fifo_or_folder_given_as_a_yaml_or_review_file_is_refused_at_once(tmp_path):
    """A named pipe would block a plain open() forever: refused as not a regular file, never waited on."""
    import os

    from creator_ops.core.review.readback import ReviewFileError, read_review

    fifo = tmp_path / "spec.yaml"
    os.mkfifo(fifo)
    started = time.perf_counter()
    with pytest.raises(YamlFileError, match="not a regular file"):
        read_yaml_file(fifo, max_bytes=1000, max_values=100)
    with pytest.raises(ReviewFileError, match="not a regular file"):
        read_review(fifo)
    with pytest.raises(YamlFileError):
        read_yaml_file(tmp_path, max_bytes=1000, max_values=100)
    assert time.perf_counter() - started < 2
