"""`campaignctl finance` against hand-computed fixtures (SPEC section 14), and its bad-input exits.

The fixture (tests/fixtures/finance/) was computed by hand:

| creator | entity, resident | prior-year total | gross | withheld | why |
| --- | --- | --- | --- | --- | --- |
| amir | individual, yes | 100,000.00 | 1,234.56 | 0.00 | exactly at the threshold: not more than it |
| bella | individual, yes | 100,000.01 | 1,234.56 | 24.69 | one sen over: (2 × 123456 + 50) // 100 = 2469 |
| chong | sole proprietor, yes | 150,000.00 | 25.25 | 0.51 | half a sen: 2 % of 25.25 is 0.505, half up 0.51 |
| dina_co | company | 500,000.00 | 3,000.00 | 0.00 | a company is never withheld |
| esa_partners | partnership | 500,000.00 | 800.00 | 0.00 | a partnership is never withheld |
| farid | individual, no | 200,000.00 | 500.00 | 0.00 | non-resident |
| gita | individual, yes | none | 100.00 | held | payee row without identity (no_identity) |
| hafiz | no payee row | 120,000.00 | 50.00 | held | over the threshold, no payee record |
| ivan | — | — | 0.00 | — | nothing to pay: not a payment |
"""

from __future__ import annotations

import json
import shutil
import stat
from decimal import Decimal
from pathlib import Path

import pytest
from repo_paths import FIXTURES

from creator_ops.cli import main

FIX = FIXTURES / "finance"
EXPECTED = [
    ("amir", "1234.56", "0.00", "1234.56", "paid", ""),
    ("bella", "1234.56", "24.69", "1209.87", "paid", ""),
    ("chong", "25.25", "0.51", "24.74", "paid", ""),
    ("dina_co", "3000.00", "0.00", "3000.00", "paid", ""),
    ("esa_partners", "800.00", "0.00", "800.00", "paid", ""),
    ("farid", "500.00", "0.00", "500.00", "paid", ""),
    ("gita", "100.00", "0.00", "100.00", "held", "no_identity"),
    ("hafiz", "50.00", "0.00", "50.00", "held", "no_payee_record"),
]
NRICS = ("900101145671", "900101-14-5671", "910202145672", "880303075673")


def _run(out: Path, capsys, **overrides: str | None) -> tuple[int, str, str]:
    files = {
        "spec": FIX / "spec.yaml",
        "payouts": FIX / "payouts.csv",
        "company": FIX / "company.yaml",
        "payees": FIX / "payees.csv",
        "prior-totals": FIX / "prior_totals.csv",
    }
    files.update(overrides)
    argv = ["finance", "--out", str(out)]
    for name, path in files.items():
        if path is not None:
            argv += [f"--{name}", str(path)]
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _rows(path: Path) -> list[tuple[str, ...]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "payment_reference,creator_id,gross_myr,wht_myr,net_myr,status,reason"
    return [tuple(line.split(",")[1:]) for line in lines[1:]]


def test_payments_match_the_hand_computed_fixture(tmp_path: Path, capsys) -> None:
    code, out, err = _run(tmp_path / "out", capsys)
    assert code == 0, err
    figures = json.loads(out)
    assert (figures["paid"], figures["held"], figures["wht_myr"]) == (6, 2, "25.20")
    assert figures["held_reasons"] == {"no_identity": 1, "no_payee_record": 1}
    assert _rows(tmp_path / "out" / "payments.csv") == EXPECTED  # ivan (0.00) is no payment
    summary = json.loads((tmp_path / "out" / "wht_summary.json").read_text(encoding="utf-8"))
    assert summary["payout_date"] == "2027-03-24"
    assert summary["due_date"] == "2027-04-23"  # payout date + 30 days
    assert (summary["payees_withheld"], summary["wht_myr"]) == (2, "25.20")
    assert [(r["creator_id"], r["wht_myr"], r["net_myr"]) for r in summary["rows"]] == [
        ("bella", "24.69", "1209.87"),
        ("chong", "0.51", "24.74"),
    ]
    assert [(h["creator_id"], h["reason"]) for h in summary["held"]] == [
        ("gita", "no_identity"),
        ("hafiz", "no_payee_record"),
    ]


def test_one_private_einvoice_per_paid_payment_and_no_personal_data_elsewhere(tmp_path: Path, capsys) -> None:
    code, out, err = _run(tmp_path / "out", capsys)
    assert code == 0, err
    folder = tmp_path / "out" / "einvoices"
    payments = (tmp_path / "out" / "payments.csv").read_text(encoding="utf-8").splitlines()[1:]
    paid = [line.split(",")[0] for line in payments if ",paid," in line]
    assert sorted(p.stem for p in folder.iterdir()) == sorted(paid)
    for path in folder.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    bella = next(line.split(",")[0] for line in payments if ",bella," in line)
    document = json.loads((folder / f"{bella}.json").read_text(encoding="utf-8"), parse_float=Decimal)
    invoice = document["Invoice"][0]
    assert invoice["ID"] == [{"_": bella}]
    assert invoice["LegalMonetaryTotal"][0]["PayableAmount"] == [{"_": Decimal("1234.56"), "currencyID": "MYR"}]
    ids = {i["ID"][0]["schemeID"]: i["ID"][0]["_"] for i in invoice["AccountingSupplierParty"][0]["Party"][0]
           ["PartyIdentification"]}  # fmt: skip
    assert ids == {"TIN": "IG11223344050", "NRIC": "910202145672", "SST": "NA", "TTX": "NA"}
    # the NRIC holder without a TIN gets LHDN's general TIN for individuals; the foreigner the foreign one
    amir = next(line.split(",")[0] for line in payments if ",amir," in line)
    farid = next(line.split(",")[0] for line in payments if ",farid," in line)
    for reference, tin in ((amir, "EI00000000010"), (farid, "EI00000000030")):
        doc = json.loads((folder / f"{reference}.json").read_text(encoding="utf-8"))
        party = doc["Invoice"][0]["AccountingSupplierParty"][0]["Party"][0]
        assert party["PartyIdentification"][0]["ID"] == [{"_": tin, "schemeID": "TIN"}]
    # personal data: in the e-invoices (they must carry it), nowhere else the command writes or prints
    for path in (tmp_path / "out" / "payments.csv", tmp_path / "out" / "wht_summary.json"):
        text = path.read_text(encoding="utf-8")
        assert not any(n in text for n in NRICS) and "Bella Tan" not in text
    assert not any(n in out + err for n in NRICS)


def test_rerun_writes_byte_identical_documents(tmp_path: Path, capsys) -> None:
    assert _run(tmp_path / "a", capsys)[0] == 0
    assert _run(tmp_path / "b", capsys)[0] == 0
    assert _run(tmp_path / "a", capsys)[0] == 0  # again into the same folder
    for name in ("payments.csv", "wht_summary.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    first = sorted((tmp_path / "a" / "einvoices").iterdir())
    second = sorted((tmp_path / "b" / "einvoices").iterdir())
    assert [p.name for p in first] == [p.name for p in second] and len(first) == 6
    assert all(a.read_bytes() == b.read_bytes() for a, b in zip(first, second, strict=True))


def test_switches_off_nothing_withheld_or_held(tmp_path: Path, capsys) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text((FIX / "spec.yaml").read_text().replace("s107d: true, cp58: true, einvoice: true", "s107d: false"))
    code, out, err = _run(tmp_path / "out", capsys, spec=spec)
    assert code == 0, err
    assert json.loads(out)["wht_myr"] == "0.00"
    assert {row[4] for row in _rows(tmp_path / "out" / "payments.csv")} == {"paid"}
    assert not (tmp_path / "out" / "einvoices").exists()


def test_s107d_alone_holds_only_the_unknown_payee_over_the_threshold(tmp_path: Path, capsys) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text((FIX / "spec.yaml").read_text().replace("cp58: true, einvoice: true", "cp58: false"))
    code, _, err = _run(tmp_path / "out", capsys, spec=spec)
    assert code == 0, err
    held = {row[0]: row[5] for row in _rows(tmp_path / "out" / "payments.csv") if row[4] == "held"}
    assert held == {"hafiz": "no_payee_record"}  # gita's missing identity only matters for e-invoices


def _edit(tmp_path: Path, name: str, old: str, new: str) -> Path:
    path = tmp_path / name
    text = (FIX / name).read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("option", "name", "old", "new", "where"),
    [
        ("payees", "payees.csv", "dina_co,company", "dina_co,corporation", "payees.csv: row 4: entity_type:"),
        ("payees", "payees.csv", "910202145672", "9102021456", "payees.csv: row 2: id_number: an NRIC is 12 digits"),
        ("prior-totals", "prior_totals.csv", "chong,150000.00", "chong,-150.00", "prior_totals.csv: row 3: total_myr:"),
        ("company", "company.yaml", "tin: C21234567080\n", "", "company.yaml: tin: missing"),
    ],
)
def test_bad_input_exits_2_naming_file_row_and_field(tmp_path: Path, capsys, option, name, old, new, where) -> None:
    path = _edit(tmp_path, name, old, new)
    code, out, err = _run(tmp_path / "out", capsys, **{option: path})
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert where in err, err
    assert "9102021456" not in err  # the bad value itself is never echoed
    assert not (tmp_path / "out").exists()


def test_missing_file_and_missing_column_exit_2(tmp_path: Path, capsys) -> None:
    code, _, err = _run(tmp_path / "out", capsys, payees=tmp_path / "nope.csv")
    assert code == 2 and "payees file not found" in err
    broken = tmp_path / "payouts.csv"
    broken.write_text("creator_id,bonus\namir,1\n")
    code, _, err = _run(tmp_path / "out", capsys, payouts=broken)
    assert code == 2 and "total_myr" in err


def test_payees_file_in_another_format_reads_the_same(tmp_path: Path, capsys) -> None:
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    table = pacsv.read_csv(FIX / "payees.csv", convert_options=pacsv.ConvertOptions(strings_can_be_null=False,
                           column_types={n: "string" for n in ("id_number", "postcode", "tin", "phone")}))  # fmt: skip
    pq.write_table(table, tmp_path / "payees.parquet")
    shutil.copy(FIX / "payees.csv", tmp_path / "csv_payees.csv")
    assert _run(tmp_path / "a", capsys, payees=tmp_path / "payees.parquet")[0] == 0
    assert _run(tmp_path / "b", capsys, payees=tmp_path / "csv_payees.csv")[0] == 0
    assert (tmp_path / "a" / "payments.csv").read_bytes() == (tmp_path / "b" / "payments.csv").read_bytes()


def test_ingest_payees_masks_identity_and_accounts_for_every_row(tmp_path: Path, capsys) -> None:
    path = _edit(tmp_path, "payees.csv", "dina_co,company", "dina_co,corporation")
    assert main(["ingest", "payees", str(path), "--out", str(tmp_path / "out")]) == 0
    counts = json.loads(capsys.readouterr().out)
    assert counts == {"rows_in": 7, "accepted": 6, "quarantined": 1}
    accepted = (tmp_path / "out" / "accepted.csv").read_text(encoding="utf-8")
    assert "********5672" in accepted and "B. T. M. L." in accepted
    assert not any(n in accepted for n in NRICS) and "Bella Tan" not in accepted
    quarantine = (tmp_path / "out" / "quarantine.csv").read_text(encoding="utf-8").splitlines()
    assert quarantine[1].startswith("4,unknown_entity_type,entity_type,")
