"""The finance steps (SPEC 14) without Airflow, on SQLite and PostgreSQL: payees in, decisions, files, clawback.

Hand-computed: alice (resident individual, prior-year total RM120,000.00 from an approved 2026
payout of another campaign) earns 5090.36 (tier 50, commission 20.36, new creator 20, first
prize 5000) → withheld (2 × 509036 + 50) // 100 = 10181 sen, RM101.81, net 4988.55. bob
(3024.00: commission 4.00, new creator 20, second prize 3000) has no payees row → held
(no_payee_record). After approval alice's line is cut to RM500.00, so her total falls to
5030.00 (no tier, commission 10.00): the difference −60.36 is a self-billed credit note (12)
referring to alice's invoice; the withholding on the new gross is (2 × 503000 + 50) // 100
= 10060, so the difference's withholding is 10060 − 10181 = −121 sen.
"""

from __future__ import annotations

import datetime as dt
import json
import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from repo_paths import DEMO_SPEC
from sqlalchemy import select, update

from creator_ops.core.spec import load_spec
from creator_ops.core.steps import StepContext
from creator_ops.steps import finance, payouts
from creator_ops.warehouse.payout_ledger import PayoutLedger
from creator_ops.warehouse.schema import (
    alert_outbox,
    campaigns,
    enrollments,
    finance_payments,
    ingested_files,
    order_lines,
    payees,
    payout_calculations,
    payout_ledger,
    quality_results,
    quarantine,
)

pytestmark = pytest.mark.integration
T = dt.datetime(2026, 12, 12, 4, tzinfo=dt.UTC)
CAMPAIGN = "my_1212_2026"
KEY = Fernet.generate_key().decode()
COMPANY = {"name": "Kedai Contoh Sdn. Bhd.", "tin": "C21234567080", "brn": "202001234567", "address": "Lot 66, Jalan X",
           "city": "Kuala Lumpur", "state": "14", "phone": "+60321612345"}  # fmt: skip
PAYEES = (
    "Creator Username,Entity Type,Resident,Legal Name,ID Type,NRIC,TIN,Address,Postcode,City,State,Phone\n"
    "@Alice,individual,yes,Alice Wong Mei Ling,NRIC,900101-14-5671,,\"1, Jalan Satu\",50450,Kuala Lumpur,"
    "Kuala Lumpur,012-345 6789\n"
    "carol,corporation,no,Carol Sdn Bhd,BRN,201901012345,C20880099010,x,1,KL,Kuala Lumpur,0321610000\n"
)


@pytest.fixture
def spec_path(tmp_path: Path) -> Path:
    path = tmp_path / "my_1212_2026.yaml"
    lines = [line for line in DEMO_SPEC.read_text(encoding="utf-8").splitlines() if not line.startswith("finance:")]
    lines.append("finance: {s107d: true, cp58: true, einvoice: true, company_conn_id: finance_company}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _ctx(engine, spec_path: Path, run_id: str) -> StepContext:
    spec = load_spec(spec_path)
    start = spec.timeline.payout_date
    return StepContext(spec=spec, spec_path=spec_path, run_id=run_id, interval_start=start, interval_end=start,
                       engine=engine, variable={"payee_data_key": KEY}.get,
                       extras={"connection_extra": {"finance_company": COMPANY}.get}, clock=lambda: T)  # fmt: skip


def _seed(engine) -> None:
    with engine.begin() as conn:
        for file_id, dataset in ((901, "orders"), (902, "enrollments")):
            conn.execute(ingested_files.insert().values(
                file_id=file_id, campaign_id=CAMPAIGN, dataset=dataset, source_uri=f"/x/{dataset}",
                sha256=dataset.ljust(64, "0"), size_bytes=1, status="accepted", rows_in=1, rows_accepted=1,
                rows_quarantined=0, ingested_at=T,
            ))
            conn.execute(quality_results.insert().values(
                campaign_id=CAMPAIGN, dataset=dataset, file_id=file_id, run_id="q", suite=dataset, success=True,
                evaluated=1, failed=0, validated_at=T,
            ))
        for row, (creator, gmv) in enumerate((("alice", 101800), ("bob", 20000)), start=1):
            conn.execute(order_lines.insert().values(
                file_id=901, row_number=row, campaign_id=CAMPAIGN, order_id=f"o{row}", line_id="1", creator_id=creator,
                order_time=T, status="completed", gmv_sen=gmv,
            ))
            conn.execute(enrollments.insert().values(
                file_id=902, row_number=row, campaign_id=CAMPAIGN, creator_id=creator,
                registered_at=T - dt.timedelta(days=10), is_new_creator=True,
            ))
        # the prior year (2026): another campaign's approved payout of RM120,000.00 to alice
        conn.execute(campaigns.insert().values(
            campaign_id="my_ambassadors_2026", name="Ambassadors 2026", campaign_type="custom", spec_sha256="0" * 64,
            spec_json=json.dumps({"timeline": {"payout_date": "2026-06-30T00:00:00+08:00"}}), updated_at=T,
        ))
        conn.execute(payout_calculations.insert().values(
            calculation_id="c" * 64, campaign_id="my_ambassadors_2026", run_id="r", state="exported",
            spec_sha256="0" * 64, inputs_sha256="0" * 64, creators=1, total_sen=12_000_000, budget_sen=12_000_000,
            scaled=False, calculated_at=T,
        ))
        conn.execute(payout_ledger.insert().values(
            campaign_id="my_ambassadors_2026", calculation_id="c" * 64, creator_id="alice", kind="payout",
            state="exported", eligible_gmv_sen=0, eligible_orders=0, tier_bonus_sen=12_000_000,
            commission_bonus_sen=0, new_creator_bonus_sen=0, leaderboard_prize_sen=0, total_sen=12_000_000,
            created_at=T,
        ))


def _approve_run(engine, spec_path: Path, run_id: str) -> dict:
    ctx = _ctx(engine, spec_path, run_id)
    payouts.calculate(ctx)
    request = payouts.prepare_approval(ctx)
    body = request.body + finance.approval_section(ctx, request.calculation_id)
    payouts.record_decision(ctx, approved=True, by="nurul.huda", note=None)
    figures = finance.prepare_finance(ctx)
    export = payouts.export_for_finance(ctx)
    return {"ctx": ctx, "body": body, "figures": figures, "export": export}


def test_payees_withholding_held_export_einvoices_and_a_clawback(warehouse_engine, tmp_path, monkeypatch, spec_path):
    monkeypatch.setenv("CREATOR_OPS_OUTPUT_ROOT", str(tmp_path / "out"))
    monkeypatch.setenv("CREATOR_OPS_LANDING_ROOT", str(tmp_path / "landing"))
    monkeypatch.setenv("CREATOR_OPS_CAMPAIGN_SPECS_DIR", str(spec_path.parent))
    monkeypatch.setenv("CAMPAIGN_SPECS_DIR", str(spec_path.parent))
    _seed(warehouse_engine)
    landed = tmp_path / "landing" / CAMPAIGN / "payees" / "payees.csv"
    landed.parent.mkdir(parents=True)
    landed.write_text(PAYEES, encoding="utf-8")

    ingest = finance.ingest_payees(_ctx(warehouse_engine, spec_path, "scheduled__settlement"))
    (outcome,) = ingest["files"]
    assert (outcome["rows_in"], outcome["accepted"], outcome["quarantined"]) == (2, 1, 1)
    assert outcome["reasons"] == {"unknown_entity_type": 1} and outcome["quality"]["passed"]
    with warehouse_engine.connect() as conn:
        stored = conn.execute(select(payees)).mappings().one()
        q = conn.execute(select(quarantine)).mappings().one()
    assert stored["creator_id"] == "alice" and stored["id_hint"] == "********5671"
    assert "900101" not in stored["identity_token"] and "Alice" not in stored["identity_token"]
    assert q["field"] == "entity_type" and q["raw_json"] is None and "201901012345" not in (q["detail"] or "")
    assert finance.ingest_payees(_ctx(warehouse_engine, spec_path, "again"))["files"][0]["status"] == "already_ingested"

    first = _approve_run(warehouse_engine, spec_path, "scheduled__payout")
    assert "**1 payment(s) held** (RM 3,024.00)" in first["body"] and "no_payee_record" in first["body"]
    assert "900101" not in first["body"] and "Alice Wong" not in first["body"]
    figures = first["figures"]
    assert (figures["paid"], figures["held"], figures["wht_myr"], figures["einvoices"]) == (1, 1, "101.81", 1)
    folder = Path(figures["folder"])
    assert (folder / "payments.csv").read_text().splitlines()[1:] == [
        f"{_ref(warehouse_engine, 'alice')},alice,5090.36,101.81,4988.55,paid,",
        f"{_ref(warehouse_engine, 'bob', exported=False)},bob,3024.00,0.00,3024.00,held,no_payee_record",
    ]
    summary = json.loads((folder / "wht_summary.json").read_text())
    assert (summary["payout_date"], summary["due_date"], summary["payees_withheld"]) == ("2027-01-02", "2027-02-01", 1)
    # the finance export: net and withholding beside the gross, the held payment left out
    export = Path(first["export"]["file"]).read_text().splitlines()
    assert export[0] == "payment_reference,campaign_id,creator_id,amount_myr,wht_myr,net_myr,kind,calculation_id"
    assert len(export) == 2 and ",alice,5090.36,101.81,4988.55,payout," in export[1]
    (invoice_path,) = (folder / "einvoices").iterdir()
    assert stat.S_IMODE(invoice_path.stat().st_mode) == 0o600
    invoice_bytes = invoice_path.read_bytes()
    with warehouse_engine.connect() as conn:
        alerts = conn.execute(select(alert_outbox.c.kind, alert_outbox.c.payload_json)).all()
    assert [a.kind for a in alerts if a.kind == "payments_held"]
    assert not any("900101" in a.payload_json for a in alerts)

    # a rerun of the finance step writes byte-identical documents and no second alert
    again = finance.prepare_finance(first["ctx"])
    assert again["held_alert_rows"] == 0 and invoice_path.read_bytes() == invoice_bytes

    # clawback after approval: alice's line is cut to RM500.00 (a partial refund)
    with warehouse_engine.begin() as conn:
        conn.execute(update(order_lines).where(order_lines.c.creator_id == "alice").values(gmv_sen=50000))
    second = _approve_run(warehouse_engine, spec_path, "manual__recalc")
    assert (second["figures"]["credit_notes"], second["figures"]["debit_notes"]) == (1, 0)
    notes = list(Path(second["figures"]["folder"], "einvoices").iterdir())
    (note,) = [json.loads(p.read_text()) for p in notes]
    body = note["Invoice"][0]
    assert body["InvoiceTypeCode"] == [{"_": "12", "listVersionID": "1.1"}]
    assert body["BillingReference"][0]["InvoiceDocumentReference"][0]["ID"] == [{"_": invoice_path.stem}]
    assert str(body["LegalMonetaryTotal"][0]["PayableAmount"][0]["_"]) == "60.36"
    with warehouse_engine.connect() as conn:
        rows = conn.execute(select(finance_payments).where(finance_payments.c.document_type == "12")).mappings().all()
    assert [(r["creator_id"], r["gross_sen"], r["wht_sen"]) for r in rows] == [("alice", -6036, -121)]

    # CP58 for 2027: alice's monetary incentives net of the credit note, her withholding net of its correction
    cp58 = finance.build_cp58(second["ctx"], force=True)
    assert (cp58["year"], cp58["payees"], cp58["required"], cp58["statements"]) == (2027, 1, 1, 1)
    assert cp58["due_date"] == "2028-03-31"
    lines = Path(cp58["file"]).read_text().splitlines()
    assert lines[1] == "alice,individual,5030.00,0.00,5030.00,100.60,true,********5671"
    statement = next(Path(cp58["file"]).parent.glob("cp58_2027/alice.html"))
    assert stat.S_IMODE(statement.stat().st_mode) == 0o600 and "900101145671" in statement.read_text()


def _ref(engine, creator: str, exported: bool = True) -> str:
    from creator_ops.core.finance.export import payment_reference

    with engine.connect() as conn:
        calc = conn.execute(
            select(payout_calculations.c.calculation_id).where(payout_calculations.c.campaign_id == CAMPAIGN)
        ).scalar_one()
    return payment_reference(CAMPAIGN, calc, creator)


def test_rotate_key_re_encrypts_stored_payees(warehouse_engine, tmp_path, monkeypatch, spec_path):
    from creator_ops.core.finance.crypto import PayeeCipher, PayeeKeyInvalid
    from creator_ops.warehouse.payees import current_payees, rotate_key

    monkeypatch.setenv("CREATOR_OPS_LANDING_ROOT", str(tmp_path / "landing"))
    landed = tmp_path / "landing" / CAMPAIGN / "payees" / "payees.csv"
    landed.parent.mkdir(parents=True)
    landed.write_text(PAYEES, encoding="utf-8")
    finance.ingest_payees(_ctx(warehouse_engine, spec_path, "r1"))
    new = Fernet.generate_key().decode()
    assert rotate_key(warehouse_engine, PayeeCipher(f"{new},{KEY}")) == 1
    assert current_payees(warehouse_engine, PayeeCipher(new))["alice"].id_number == "900101145671"
    with pytest.raises(PayeeKeyInvalid, match="keep the old key"):
        current_payees(warehouse_engine, PayeeCipher(KEY))
    assert PayoutLedger(warehouse_engine, CAMPAIGN).calculations() == []


def test_rotate_key_command(warehouse_engine, tmp_path, monkeypatch, spec_path, capsys):
    from creator_ops.core.finance.crypto import PayeeCipher
    from creator_ops.warehouse.payees import current_payees, main

    monkeypatch.setenv("CREATOR_OPS_LANDING_ROOT", str(tmp_path / "landing"))
    landed = tmp_path / "landing" / CAMPAIGN / "payees" / "payees.csv"
    landed.parent.mkdir(parents=True)
    landed.write_text(PAYEES, encoding="utf-8")
    finance.ingest_payees(_ctx(warehouse_engine, spec_path, "r1"))
    new = Fernet.generate_key().decode()
    monkeypatch.setenv("AIRFLOW_VAR_PAYEE_DATA_KEY", f"{new},{KEY}")
    url = warehouse_engine.url.render_as_string(hide_password=False)
    assert main(["rotate-key", "--url", url]) == 0
    assert "re-encrypted 1 payee row(s) under the newest of 2 key(s)" in capsys.readouterr().out
    assert current_payees(warehouse_engine, PayeeCipher(new))["alice"].legal_name == "Alice Wong Mei Ling"
    assert main(["rotate-key", "--bogus"]) == 2


def test_cp58_waits_for_the_years_last_payout_unless_asked(warehouse_engine, tmp_path, monkeypatch, spec_path):
    import shutil

    from repo_paths import CAMPAIGNS

    from creator_ops.core.steps import StepSkipped

    folder = tmp_path / "specs"
    folder.mkdir()
    shutil.copy(spec_path, folder / spec_path.name)
    shutil.copy(CAMPAIGNS / "my_payday_jan_2027.yaml", folder)  # pays out later in 2027
    monkeypatch.setenv("CAMPAIGN_SPECS_DIR", str(folder))
    monkeypatch.setenv("CREATOR_OPS_OUTPUT_ROOT", str(tmp_path / "out"))
    with pytest.raises(StepSkipped, match="after the year's last payout: my_payday_jan_2027"):
        finance.build_cp58(_ctx(warehouse_engine, spec_path, "scheduled__2027-01-02T00:00:00+08:00"))
    on_demand = finance.build_cp58(_ctx(warehouse_engine, spec_path, "manual__2027-01-03T09:00:00+08:00"))
    assert (on_demand["year"], on_demand["payees"]) == (2027, 0) and Path(on_demand["file"]).is_file()


@pytest.mark.parametrize(
    ("switches", "header", "exported", "held", "einvoices"),
    [
        ("{einvoice: true, company_conn_id: finance_company}",
         "payment_reference,campaign_id,creator_id,amount_myr,kind,calculation_id", ["alice"], 1, 1),
        ("{cp58: true, company_conn_id: finance_company}",
         "payment_reference,campaign_id,creator_id,amount_myr,kind,calculation_id", ["alice", "bob"], 0, 0),
    ],
)  # fmt: skip
def test_each_switch_alone(warehouse_engine, tmp_path, monkeypatch, spec_path, switches, header, exported, held,
                           einvoices):  # fmt: skip
    text = spec_path.read_text(encoding="utf-8").replace(
        "finance: {s107d: true, cp58: true, einvoice: true, company_conn_id: finance_company}", f"finance: {switches}"
    )
    spec_path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("CREATOR_OPS_OUTPUT_ROOT", str(tmp_path / "out"))
    monkeypatch.setenv("CREATOR_OPS_LANDING_ROOT", str(tmp_path / "landing"))
    monkeypatch.setenv("CAMPAIGN_SPECS_DIR", str(spec_path.parent))
    _seed(warehouse_engine)
    landed = tmp_path / "landing" / CAMPAIGN / "payees" / "payees.csv"
    landed.parent.mkdir(parents=True)
    landed.write_text(PAYEES, encoding="utf-8")
    finance.ingest_payees(_ctx(warehouse_engine, spec_path, "scheduled__settlement"))
    run = _approve_run(warehouse_engine, spec_path, "scheduled__payout")
    lines = Path(run["export"]["file"]).read_text().splitlines()
    assert lines[0] == header  # withholding columns only with s107d on
    assert [line.split(",")[2] for line in lines[1:]] == exported
    assert (run["figures"]["held"], run["figures"]["einvoices"], run["figures"]["wht_myr"]) == (held, einvoices, "0.00")
    cp58 = finance.build_cp58(run["ctx"]) if "cp58" in switches else None
    if cp58:  # the payments were recorded although neither withholding nor e-invoices apply
        assert (cp58["payees"], cp58["required"]) == (2, 1)


def test_payees_take_the_one_ingestion_path_and_a_personal_file_name_is_masked(
    warehouse_engine, tmp_path, monkeypatch, spec_path, caplog
):
    monkeypatch.setenv("CREATOR_OPS_OUTPUT_ROOT", str(tmp_path / "out"))
    monkeypatch.setenv("CREATOR_OPS_LANDING_ROOT", str(tmp_path / "landing"))
    monkeypatch.setenv("AIRFLOW_VAR_PII_HASH_KEY", "test-key")
    landed = tmp_path / "landing" / CAMPAIGN / "payees" / "payees_from_alice.wong@example.com.csv"
    landed.parent.mkdir(parents=True)
    landed.write_text(PAYEES, encoding="utf-8")

    with caplog.at_level("INFO"):
        (outcome,) = finance.ingest_payees(_ctx(warehouse_engine, spec_path, "scheduled__settlement"))["files"]
    assert (outcome["status"], outcome["rows_in"], outcome["accepted"], outcome["quarantined"]) == ("accepted", 2, 1, 1)
    assert "alice.wong@example.com" not in outcome["file"]
    with warehouse_engine.connect() as conn:
        registered = conn.execute(select(ingested_files).where(ingested_files.c.dataset == "payees")).mappings().one()
    stored = json.dumps({k: str(v) for k, v in registered.items()})
    assert "alice.wong@example.com" not in stored and "[email:" in registered["source_uri"]
    assert not [p for p in (tmp_path / "landing").rglob("*") if "alice.wong@example.com" in p.name and p != landed]
    assert "alice.wong@example.com" not in caplog.text
