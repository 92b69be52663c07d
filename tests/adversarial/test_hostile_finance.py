"""`campaignctl finance` against hostile payout files and output folders (hardening round 4).

A payment reference names its e-invoice file only through `safe_csv.safe_name`; every file
goes through the one writer (exclusive temporary files, no link followed below `--out`, the
e-invoices replaced as one set); every payout row is paid, held, counted as nothing to pay
or refused naming row and field; creator ids are masked by the one rule for ids, the same
as `payouts` masks them; an NRIC is written in ASCII digits.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from repo_paths import FIXTURES

from creator_ops.cli import main

FIX = FIXTURES / "finance"
PAYOUTS = (FIX / "payouts.csv").read_text(encoding="utf-8")
PAYEES = (FIX / "payees.csv").read_text(encoding="utf-8")
HEADER = "payment_reference,creator_id,amount_myr\n"


def _finance(tmp_path: Path, capsys, *, payouts: str | None = None, payees: str | None = None,
             out: Path | None = None) -> tuple[int, str, str]:  # fmt: skip
    files = {}
    for name, text, default in (("payouts", payouts, PAYOUTS), ("payees", payees, PAYEES)):
        files[name] = tmp_path / f"{name}.csv"
        files[name].write_text(text if text is not None else default, encoding="utf-8")
    code = main(["finance", "--spec", str(FIX / "spec.yaml"), "--payouts", str(files["payouts"]),
                 "--company", str(FIX / "company.yaml"), "--payees", str(files["payees"]),
                 "--out", str(out or tmp_path / "out")])  # fmt: skip
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


@pytest.mark.parametrize(
    "reference",
    ["/abs/path/X", "../../X", "a/b/REF", "..", ".hidden", "REF\\x", "REF\x00X", "siti.leak@gmail.com",
     "PAY-0127712468", "R" * 121, "", " ", "CON", "nul", "COM1", "REF.", "R\u00c9F-1"],
)  # fmt: skip
def test_a_reference_that_cannot_name_a_file_is_exit_2_naming_row_and_field(tmp_path, capsys, reference):
    before = _tree(tmp_path)
    payouts = HEADER + f"OK-1,amir,10.00\n{json.dumps(reference)},bella,20.00\n"
    code, _, err = _finance(tmp_path, capsys, payouts=payouts)
    assert code == 2, err
    assert "payouts.csv: row 2: payment_reference:" in err and "Traceback" not in err, err
    assert "siti.leak" not in err and "0127712468" not in err
    assert _tree(tmp_path) - before <= {"payouts.csv", "payees.csv"}  # nothing written anywhere
    assert not Path("/abs/path/X").exists()


@pytest.mark.parametrize(
    ("payouts", "expected"),
    [
        (HEADER + "R-1,amir,10.00\nR-1,bella,20.00\n", "row 2: payment_reference: given twice (also row 1)"),
        (HEADER + "R-1,amir,10.00\nr-1,bella,20.00\n", "row 2: payment_reference: given twice"),  # one file on a
        (HEADER + "R-1,amir,10.00\nR-2,@Amir ,20.00\n", "row 2: creator_id: creator listed twice (also row 1, "
                                                          "under another payment reference)"),
        (HEADER + "R-1,amir,10.00\nR-2,bella,-20.00\n", "row 2: amount_myr: a negative total"),
        (PAYOUTS.replace("chong,1262.50,3,25.25,0.00,0.00,0.00,25.25", "chong,0,0,0,0,0,0,-25.25"),
         "row 3: total_myr: a negative total"),
    ],
)  # fmt: skip
def test_every_payout_row_is_paid_held_counted_or_refused(tmp_path, capsys, payouts, expected):
    code, _, err = _finance(tmp_path, capsys, payouts=payouts)
    assert code == 2 and expected in err and "Traceback" not in err, err
    assert not (tmp_path / "out" / "payments.csv").exists()


def test_rows_are_accounted_for(tmp_path, capsys):
    code, out, err = _finance(tmp_path, capsys)
    assert code == 0, err
    figures = json.loads(out)
    assert figures["rows_in"] == 9 and figures["nothing_to_pay"] == 1  # ivan's 0.00
    assert figures["paid"] + figures["held"] + figures["nothing_to_pay"] == figures["rows_in"]


def test_out_that_is_a_link_is_refused_and_links_below_out_are_never_written_through(tmp_path, capsys):
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "link").symlink_to(real, target_is_directory=True)
    code, _, err = _finance(tmp_path, capsys, out=tmp_path / "link")
    assert code == 2 and "is a symbolic link" in err and not any(real.iterdir()), err

    # an einvoices folder that is a link to somewhere else: replaced, the other place untouched
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("victim")
    (out / "einvoices").symlink_to(elsewhere, target_is_directory=True)
    code, _, err = _finance(tmp_path, capsys)
    assert code == 0, err
    assert _tree(elsewhere) == {"keep.txt"} and (elsewhere / "keep.txt").read_text() == "victim"
    assert (out / "einvoices").is_dir() and not (out / "einvoices").is_symlink()
    invoices = sorted((out / "einvoices").iterdir())
    assert invoices and all(oct(p.stat().st_mode & 0o777) == "0o600" for p in invoices)


def test_a_planted_link_at_the_old_temporary_name_is_never_followed(tmp_path, capsys):
    out = tmp_path / "out"
    code, _, _ = _finance(tmp_path, capsys)
    assert code == 0
    victim = tmp_path / "victim.txt"
    victim.write_text("victim")
    os.chmod(victim, 0o644)
    for invoice in (out / "einvoices").iterdir():  # the names a predictable writer would use
        (out / "einvoices" / f".{invoice.name}.tmp").symlink_to(victim)
    (out / ".payments.csv.tmp").symlink_to(victim)
    assert _finance(tmp_path, capsys)[0] == 0
    assert victim.read_text() == "victim" and oct(victim.stat().st_mode & 0o777) == "0o644"


def test_a_rerun_replaces_the_previous_set_of_invoices(tmp_path, capsys):
    first = HEADER + "REF-A,amir,10.00\nREF-B,bella,20.00\n"
    assert _finance(tmp_path, capsys, payouts=first)[0] == 0
    assert {p.name for p in (tmp_path / "out" / "einvoices").iterdir()} == {"REF-A.json", "REF-B.json"}
    assert _finance(tmp_path, capsys, payouts=HEADER + "REF-A,amir,10.00\n")[0] == 0
    assert [p.name for p in (tmp_path / "out").rglob("*") if p.is_file()] != []
    assert {p.name for p in (tmp_path / "out" / "einvoices").iterdir()} == {"REF-A.json"}  # bella's identity gone
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.startswith(".")]  # no temporary left


def test_a_digit_only_username_goes_from_payouts_to_finance(tmp_path, capsys, monkeypatch):
    """One rule for ids: `payouts` and `finance` mask `0127712468` to the same token, so the payee is found."""
    monkeypatch.setenv("AIRFLOW_VAR_PII_HASH_KEY", "finance-key")
    spec = tmp_path / "spec.yaml"
    spec.write_text((FIX / "spec.yaml").read_text() + "incentives:\n  budget_myr: 100000\n  tiers: "
                    "[{min_gmv_myr: 1000, bonus_myr: 50}]\n")  # fmt: skip
    (tmp_path / "orders.csv").write_text(
        "order_id,line_id,creator_id,order_time,gmv,status\n1,1,0127712468,2027-03-03 10:00,1200.00,completed\n"
        "2,1,siti.leak@gmail.com,2027-03-03 10:00,1500.00,completed\n"
    )
    (tmp_path / "enrollments.csv").write_text(
        "creator_id,registered_at,is_new_creator\n0127712468,2027-02-20 10:00,no\nsiti.leak@gmail.com,2027-02-20 10:00,no\n"
    )
    assert main(["payouts", "--spec", str(spec), "--orders", str(tmp_path / "orders.csv"), "--enrollments",
                 str(tmp_path / "enrollments.csv"), "--out", str(tmp_path / "payouts.csv")]) == 0  # fmt: skip
    capsys.readouterr()
    payouts = (tmp_path / "payouts.csv").read_text(encoding="utf-8-sig")
    assert "0127712468" not in payouts and "[phone:" in payouts and "[email:" in payouts
    payees = PAYEES.replace("amir,individual", "0127712468,individual").replace("@Bella,", "Siti.Leak@gmail.com,")
    # an NRIC in Arabic-Indic digits is written in ASCII
    payees = payees.replace(
        "900101-14-5671", "\u0669\u0660\u0660\u0661\u0660\u0661-\u0661\u0664-\u0665\u0666\u0667\u0661"
    )
    (tmp_path / "payees.csv").write_text(payees, encoding="utf-8")
    code = main(
        [
            "finance",
            "--spec",
            str(spec),
            "--payouts",
            str(tmp_path / "payouts.csv"),
            "--company",
            str(FIX / "company.yaml"),
            "--payees",
            str(tmp_path / "payees.csv"),
            "--out",
            str(tmp_path / "out"),
        ]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    figures = json.loads(captured.out)
    assert (figures["paid"], figures["held"]) == (2, 0), figures  # both found their payee
    written = "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "out").glob("*.*"))
    assert "0127712468" not in written and "siti.leak" not in written.lower() and "[phone:" in written
    invoices = "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "out" / "einvoices").iterdir())
    assert "900101145671" in invoices and "\u0669" not in invoices


def test_a_personal_data_id_without_the_key_is_refused_not_merged(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("AIRFLOW_VAR_PII_HASH_KEY", raising=False)
    code, _, err = _finance(tmp_path, capsys, payouts=HEADER + "R-1,0127712468,10.00\nR-2,0127712469,20.00\n")
    assert code == 2 and "row 1: creator_id: an id that is personal data" in err and "0127712468" not in err, err


@pytest.mark.parametrize("command", ["ingest", "ecosystem", "review"])
def test_every_folder_out_that_is_a_link_is_exit_2(tmp_path, capsys, command):
    """docs/hardening.md: a `--out` that is a symbolic link is refused before any work, for every folder --out."""
    from ecosystem_fixture import write_campaigns

    real = tmp_path / "real"
    real.mkdir()
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    campaigns = write_campaigns(tmp_path / "campaigns")
    data = campaigns / "c1"
    argv = {
        "ingest": ["ingest", "enrollments", str(data / "enrollments.csv"), "--out", str(link)],
        "ecosystem": ["ecosystem", "--campaigns", str(campaigns), "--out", str(link)],
        "review": ["review", "--spec", str(data / "spec.yaml"), "--data", str(data), "--out", str(link)],
    }[command]
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2 and "is a symbolic link" in err and "Traceback" not in err, err
    assert not any(real.iterdir())


def test_no_step_writes_through_a_link_below_the_output_root(tmp_path, monkeypatch):
    """The Airflow steps' writers (no --out): the output root may be a link, nothing below it may."""
    from creator_ops.core.paths import OutputTargetError
    from creator_ops.core.safe_csv import write_atomically

    real_root, elsewhere = tmp_path / "real_output", tmp_path / "elsewhere"
    real_root.mkdir()
    elsewhere.mkdir()
    (tmp_path / "output").symlink_to(real_root, target_is_directory=True)  # a root that is a link: fine
    monkeypatch.setenv("CREATOR_OPS_OUTPUT_ROOT", str(tmp_path / "output"))
    written = write_atomically(tmp_path / "output" / "c1" / "recruitment" / "shortlist.csv", b"a\n")
    assert (real_root / "c1" / "recruitment" / "shortlist.csv").read_bytes() == b"a\n" and written.exists()
    (real_root / "c2").symlink_to(elsewhere, target_is_directory=True)  # a campaign folder that is a link
    with pytest.raises(OutputTargetError, match="is a symbolic link"):
        write_atomically(tmp_path / "output" / "c2" / "finance" / "payments.csv", b"x\n")
    assert not any(elsewhere.iterdir())


@pytest.mark.parametrize("key", ["finance-key", None])
def test_ingest_payees_masks_creator_ids_by_the_one_rule(tmp_path, capsys, monkeypatch, key):
    """accepted.csv never holds a creator id that is an e-mail or phone; without the key such rows are quarantined."""
    if key:
        monkeypatch.setenv("AIRFLOW_VAR_PII_HASH_KEY", key)
    else:
        monkeypatch.delenv("AIRFLOW_VAR_PII_HASH_KEY", raising=False)
    payees = tmp_path / "payees.csv"
    payees.write_text(PAYEES.replace("amir,individual", "siti.leak@gmail.com,individual")
                      .replace("chong,sole", "0127712468,sole"), encoding="utf-8")  # fmt: skip
    assert main(["ingest", "payees", str(payees), "--out", str(tmp_path / "out")]) == 0
    counts = json.loads(capsys.readouterr().out)
    written = "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "out").iterdir())
    assert "siti.leak" not in written and "0127712468" not in written
    if key:
        assert counts["quarantined"] == 0 and "[email:" in written and "[phone:" in written
    else:
        assert counts == {"rows_in": 7, "accepted": 5, "quarantined": 2} and written.count("pii_key_missing") == 2
