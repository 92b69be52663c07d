"""Personal data in disguise (hardening round 3): found on a normalised view, hidden in every sink.

Full-width e-mails and digits, en-dash and minus-sign phones, phones split by zero-width
spaces, accented (composed or decomposed) local parts, other scripts' digits. Checked in
accepted.csv, quarantine raw_json, answers, the warehouse (SQLite and PostgreSQL), review.*,
match and allocate files; and in validate's message, the UI's import error, landed file
names (ingested_files, the archive, run reports, `files list`), `files retire --reason/--by`.
"""

from __future__ import annotations

import json
import logging
import re
import runpy
from pathlib import Path

import pytest
from repo_paths import ROOT

from creator_ops.cli import main
from creator_ops.core.masking import EMAIL_MASK, PHONE_MASK, mask_array, mask_pii, normalise

KEY = b"adversarial-test-key"
DISGUISES = {
    "full-width e-mail": "ｌｅａｋｙｆｗ＠ｇｍａｉｌ．ｃｏｍ",
    "full-width digits": "０１２７１８４４６３",
    "en-dash phone": "012–718–4463",
    "em-dash phone": "012—718—4463",
    "minus-sign phone": "012−718−4463",
    "zero-width split phone": "012\u200b718\u200b4463",
    "zero-width in every gap": "\u200b".join("0127184463"),
    "word-joiner phone": "012\u2060718\u20604463",
    "direction-mark phone": "012\u200e718\u200f4463",
    "full-width hyphen and ideographic space": "０１２－７１８\u3000４４６３",
    "no-break-space phone": "012\u00a0718\u00a04463",
    "arabic-indic digits": "٠١٢٧١٨٤٤٦٣",
    "accented local part": "zoë.unileak@gmail.com",
    "decomposed accent": "zoe\u0308.unileak@gmail.com",
    "zero-width in an e-mail": "leaky\u200bfw@gmail\u200b.com",
    "full-width +60": "＋６０ １２７１８ ４４６３",
    "spelled-out e-mail": "leakyfw (at) gmail (dot) com",
    "bracketed at": "leakyfw[at]gmail.com",
}
CLEAR = ("leakyfw@gmail.com", "unileak", "leakyfw")
PHONE_DIGITS = ("0127184463", "127184463")


def assert_clean(text: str, where: str) -> None:
    """Fail if `text`, read through the normalised view, still holds a planted e-mail or phone."""
    view = normalise(text).lower()
    for secret in CLEAR:
        assert secret not in view, f"{where}: {secret!r} in clear"
    for digits in PHONE_DIGITS:  # the digits standing on their own, whatever separates them
        pattern = rf"(?<![0-9a-f]){'[^0-9a-z]{0,3}'.join(digits)}(?![0-9])"
        assert not re.search(pattern, view), f"{where}: the phone's digits in clear"
    assert not re.search(r"[\w.%+\-]+@(?:[^\W_]|-)+\.[a-z]{2,}", view), f"{where}: an e-mail address in clear"


# --------------------------------------------------------------------------- the masking function


@pytest.mark.parametrize("name", sorted(DISGUISES))
def test_each_disguise_is_masked_and_the_rest_stays_as_written(name):
    disguised = DISGUISES[name]
    before, after = "Terima kasih！ ", " 很好 ｏｋ\u200b"  # full-width and zero-width text that is no PII stays
    masked = mask_pii(before + disguised + after)
    marker = EMAIL_MASK if "@" in normalise(disguised) or "at" in disguised else PHONE_MASK
    assert masked == before + marker + after  # before: in clear
    keyed = mask_pii(disguised, KEY)
    plain = "leakyfw@gmail.com" if "leaky" in normalise(disguised) else (
        "zoë.unileak@gmail.com" if "unileak" in disguised else "0127184463"
    )
    assert keyed == mask_pii(plain, KEY)  # the same person gets the same token, disguised or not
    assert mask_array(__import__("pyarrow").array([disguised, "x"]), KEY).to_pylist() == [keyed, "x"]


@pytest.mark.parametrize("typed", ["901231-14-5678", "901231 14 5678", "９０１２３１－１４－５６７８", "901231–14–5678"])
def test_identity_card_numbers_are_masked_in_any_disguise(typed):
    assert mask_pii(f"IC {typed}, thanks") == "IC [ic hidden], thanks"
    assert mask_pii(typed, KEY) == mask_pii("901231-14-5678", KEY) != mask_pii("901231-14-5679", KEY)


def test_ids_and_text_that_only_look_odd_are_left_alone():
    for text in ("ｏｒｄｅｒ １２３", "２０２６－１２－１２", "SKU–12–34", "RM１,２３４.５０", "12\u200b345", "901231145678",
                 "123456-12-1234", "2026-12-12 10:00:00.123456"):
        assert mask_pii(text) == text and mask_pii(text, KEY) == text


# --------------------------------------------------------------------------- every sink, by command


def _files(folder: Path) -> dict[str, Path]:
    disguises = list(DISGUISES.values())
    orders = ["Order ID,SKU ID,Creator Username,Time Created,Order Status,Payment Amount"]
    enrollments = ["creator_id,registered_at,is_new_creator"]
    creators = ["creator_id,category,followers,gmv_30d"]
    content = ["content_id,creator_id,content_type,posted_at,views,gmv"]
    surveys = ["Timestamp,Creator,Any comments?"]
    for i, d in enumerate(disguises):
        cell = '"' + d + '"'
        orders.append(f"o{i},1,{cell},2027-03-10 12:00:00,COMPLETED,1500.00")
        orders.append(f"q{i},1,{cell},2027-03-10 12:00:00,COMPLETED,not money")  # quarantined, raw_json kept
        enrollments.append(f"{cell},2027-03-01 09:00:00,yes")
        creators.append(f"{cell},beauty,{5000 + i},100.00")
        content.append(f"v{i},{cell},VIDEO,2027-03-10 10:00,{1000 + i},{50 + i}.00")
        surveys.append(f'2027-03-12 10:00:00,c{i},"Bagus, hubungi saya di {d} terima kasih"')
    texts = {
        "orders.csv": orders, "enrollments.csv": enrollments, "creators.csv": creators, "content.csv": content,
        "surveys.csv": surveys,
        "products.csv": ["product_id,category,sample_quota,priority,min_followers,name,price",
                         "p1,beauty,50,1,100,Serum,20.00"],
    }  # fmt: skip
    paths = {}
    for name, lines in texts.items():
        paths[name.split(".")[0]] = folder / name
        (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return paths


SPEC = """id: round3_pii_2027
name: "<script>alert('review')</script> Round 3"
type: scd
timeline: {event_start: 2027-03-10}
incentives:
  budget_myr: 100000
  tiers: [{min_gmv_myr: 1000, bonus_myr: 50}]
  commission_bonus: {rate: 0.045, cap_myr: 500}
  new_creator_bonus_myr: 20
  leaderboard: {prizes_myr: [5000, 3000]}
surveys:
  - {id: post_event, title: "After the event <img src=x onerror=alert(1)>", opens: 2027-03-11, closes: 2027-03-20}
traffic: {budget_myr: 250, cpm_myr: 10, step_myr: 100, efficiency: [1.0, 0.5]}
"""


@pytest.fixture
def exports(tmp_path, monkeypatch) -> dict[str, Path]:
    monkeypatch.setenv("AIRFLOW_VAR_PII_HASH_KEY", KEY.decode())
    data = tmp_path / "data"
    data.mkdir()
    paths = _files(data)
    (tmp_path / "spec.yaml").write_text(SPEC, encoding="utf-8")
    paths["spec"] = tmp_path / "spec.yaml"
    paths["data"] = data
    return paths


def _written(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8-sig") for p in sorted(folder.rglob("*")) if p.is_file()}


def test_ingest_writes_no_disguised_pii(exports, tmp_path, capsys):
    for dataset in ("orders", "enrollments", "creators", "content", "surveys"):
        out = tmp_path / f"ingest_{dataset}"
        assert main(["ingest", dataset, str(exports[dataset]), "--out", str(out)]) == 0
        captured = capsys.readouterr()
        assert_clean(captured.out + captured.err, f"ingest {dataset} output")
        files = _written(out)
        assert "accepted.csv" in files and "quarantine.csv" in files
        for name, text in files.items():
            assert_clean(text, f"ingest {dataset} {name}")  # before: every disguise in clear
    quarantine = (tmp_path / "ingest_orders" / "quarantine.csv").read_text()
    assert quarantine.count("bad_money") == len(DISGUISES) and "[email:" in quarantine and "[phone:" in quarantine
    answers = (tmp_path / "ingest_surveys" / "answers.csv").read_text()
    assert answers.count("Bagus, hubungi saya di [") == len(DISGUISES)  # the rest of the answer as written


def test_review_match_allocate_and_payouts_write_no_disguised_pii_and_review_md_escapes_html(exports, tmp_path, capsys):
    spec = str(exports["spec"])
    assert main(["review", "--spec", spec, "--data", str(exports["data"]), "--out", str(tmp_path / "review")]) == 0
    assert main(["match", "--spec", spec, "--creators", str(exports["creators"]),
                 "--products", str(exports["products"]), "--out", str(tmp_path / "mm" / "pairs.csv")]) == 0
    assert main(["allocate", "--spec", spec, "--content", str(exports["content"]),
                 "--out", str(tmp_path / "tr" / "allocation.csv")]) == 0  # fmt: skip
    assert main(["payouts", "--spec", spec, "--orders", str(exports["orders"]),
                 "--enrollments", str(exports["enrollments"]), "--out", str(tmp_path / "po" / "payouts.csv")]) == 0
    captured = capsys.readouterr()
    assert_clean(captured.out + captured.err, "review/match/allocate output")
    written = {name: text for folder in ("review", "mm", "tr", "po") for name, text in _written(tmp_path / folder).items()}
    assert set(written) == {"review.json", "review.md", "review.html", "pairs.csv", "pairs_ghosts.csv",
                            "allocation.csv", "payouts.csv"}  # fmt: skip
    for name, text in written.items():
        assert_clean(text, name)
    assert written["pairs.csv"].count("[email:") + written["pairs.csv"].count("[phone:") >= 1
    assert written["allocation.csv"].count("[email:") + written["allocation.csv"].count("[phone:") >= 1
    markdown = written["review.md"]
    assert "<script>" not in markdown and "<img" not in markdown  # before: passed through unescaped
    assert "&lt;script&gt;alert('review')&lt;/script&gt; Round 3" in markdown
    assert "<script>" not in written["review.html"]


# --------------------------------------------------------------------------- the warehouse, file names, files


LEAKY_NAME = "export_adv.leak+promo@gmail.com_0127184463.csv"


@pytest.mark.integration
def test_the_warehouse_file_names_run_reports_and_files_command_hold_no_disguised_pii(
    warehouse_engine, exports, landing, make_ctx, tmp_path, capsys, caplog, monkeypatch
):
    from sqlalchemy import select

    from creator_ops.steps.ingest import ingest
    from creator_ops.steps.report import summarize_run
    from creator_ops.warehouse import schema

    monkeypatch.setenv("CREATOR_OPS_OUTPUT_ROOT", str(tmp_path / "output"))
    landing("orders", exports["orders"], LEAKY_NAME)
    landing("enrollments", exports["enrollments"], "zoë.unileak@gmail.com.csv")
    landing("surveys", exports["surveys"], "surveys_０１２７１８４４６３.csv")
    landing("creators", exports["creators"])
    landing("content", exports["content"])
    ctx = make_ctx(warehouse_engine)
    ctx.log = logging.getLogger("round3")
    summaries = []
    with caplog.at_level(logging.INFO, logger="round3"):
        for dataset in ("orders", "enrollments", "surveys", "creators", "content"):
            summaries.append(ingest(ctx, dataset))
        report = summarize_run(ctx)
    assert all(s["files"] == 1 and s["rejected"] == 0 for s in summaries), summaries
    with warehouse_engine.connect() as conn:
        for table in schema.metadata.sorted_tables:
            rows = conn.execute(select(table)).fetchall()
            assert_clean(json.dumps([list(r) for r in rows], default=str, ensure_ascii=False), table.name)
        registry = conn.execute(select(schema.ingested_files)).mappings().all()
    assert_clean(caplog.text, "log lines")
    assert_clean(json.dumps(summaries, ensure_ascii=False), "step summaries")
    assert_clean(Path(report["report"]).read_text(), "run report")
    for path in (landing.root / landing.spec.id / "_archive").rglob("*"):
        assert_clean(str(path.relative_to(landing.root)), "archived file name")
    leaky = next(r for r in registry if r["dataset"] == "orders")
    # `export_adv.leak+promo@gmail.com` is all one address; the rest of the name stays
    assert re.search(r"/orders/\[email:[0-9a-f]{16}\]_\[phone:[0-9a-f]{16}\]\.csv$", leaky["source_uri"])
    assert Path(leaky["archived_uri"]).is_file()

    url = warehouse_engine.url.render_as_string(hide_password=False)
    campaign = landing.spec.id
    for extra in ([], ["--json"]):
        assert main(["files", "list", campaign, "--warehouse", url, *extra]) == 0
        listing = capsys.readouterr().out
        assert_clean(listing, "files list")  # before: the landed name in clear
        assert "[email:" in listing and "[phone:" in listing
    code = main(["files", "retire", campaign, LEAKY_NAME, "--warehouse", url,
                 "--reason", "wrong shop; ask ｌｅａｋｙｆｗ＠ｇｍａｉｌ．ｃｏｍ or 012–718–4463",
                 "--by", "zoë.unileak@gmail.com"])  # fmt: skip
    captured = capsys.readouterr()
    assert code == 0, captured.err  # the clear name ops type still finds the file stored masked
    assert_clean(captured.out + captured.err, "files retire output")  # before: reason and by printed in clear
    assert "retired" in captured.out and "wrong shop; ask [email hidden] or [phone hidden]" in captured.out
    with warehouse_engine.connect() as conn:
        actions = conn.execute(select(schema.file_actions)).mappings().all()
    assert len(actions) == 1 and actions[0]["decided_by"] == "[email hidden]"
    assert_clean(json.dumps([dict(a) for a in actions], default=str, ensure_ascii=False), "file_actions")
    assert main(["files", "restore", campaign, str(leaky["file_id"]), "--warehouse", url, "--reason", "ok"]) == 0


# --------------------------------------------------------------------------- spec messages


BAD_SPEC = """id: round3_leak
name: Leaky
type: ｌｅａｋｙｆｗ＠ｇｍａｉｌ．ｃｏｍ
timeline: {event_start: "012–718–4463"}
alerts: {email_to: ["zoë.unileak@gmail.com x"]}
"""


def test_validate_and_the_ui_import_error_echo_no_pii_from_a_spec(tmp_path, capsys, monkeypatch):
    specs = tmp_path / "campaigns"
    specs.mkdir()
    (specs / "leaky.yaml").write_text(BAD_SPEC, encoding="utf-8")
    assert main(["validate", str(specs / "leaky.yaml")]) == 2
    err = capsys.readouterr().err
    assert "leaky.yaml: type:" in err and EMAIL_MASK in err
    assert_clean(err, "validate")  # before: the spec's values echoed in clear
    from creator_ops.core.spec import SpecError

    monkeypatch.setenv("CAMPAIGN_SPECS_DIR", str(specs))
    with pytest.raises(SpecError) as raised:  # the file Airflow shows as the DAG import error
        runpy.run_path(str(ROOT / "dags" / "campaign_spec_errors.py"))
    assert "leaky.yaml" in str(raised.value)
    assert_clean(str(raised.value), "UI import error")


# --------------------------------------------------------------------------- names stored before this round


@pytest.mark.integration
def test_migration_0016_masks_file_names_and_actions_stored_before(warehouse_engine, monkeypatch):
    import datetime as dt

    from alembic import command
    from sqlalchemy import insert, select

    from creator_ops.warehouse import schema
    from creator_ops.warehouse.db import alembic_config, upgrade

    # the revision just before 0016_hardening, whatever the chain holds
    command.downgrade(alembic_config(warehouse_engine), "0016_hardening-1")
    now = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    with warehouse_engine.begin() as conn:
        for i, name in enumerate((LEAKY_NAME, "orders_ok.csv")):
            conn.execute(insert(schema.ingested_files).values(
                file_id=i + 1, campaign_id="c", dataset="orders", source_uri=f"/landing/c/orders/{name}",
                archived_uri=f"/landing/c/_archive/orders/ab/{name}", sha256=f"{i}" * 64, size_bytes=1,
                status="rejected", rejection_reason=f"{name}: call 012–718–4463", ingested_at=now,
            ))  # fmt: skip
        conn.execute(insert(schema.file_actions).values(
            file_id=1, campaign_id="c", action="retire", status_before="rejected", status_after="retired",
            decided_by="zoë.unileak@gmail.com", reason="wrong shop, ｌｅａｋｙｆｗ＠ｇｍａｉｌ．ｃｏｍ", decided_at=now,
        ))  # fmt: skip
    monkeypatch.setenv("AIRFLOW_VAR_PII_HASH_KEY", KEY.decode())
    upgrade(warehouse_engine)
    with warehouse_engine.connect() as conn:
        files = conn.execute(select(schema.ingested_files).order_by(schema.ingested_files.c.file_id)).mappings().all()
        actions = conn.execute(select(schema.file_actions)).mappings().all()
    assert files[0]["source_uri"] == "/landing/c/orders/" + mask_pii(LEAKY_NAME, KEY)  # as new files are stored
    assert files[1]["source_uri"] == "/landing/c/orders/orders_ok.csv"
    assert (actions[0]["decided_by"], actions[0]["reason"]) == ("[email hidden]", "wrong shop, [email hidden]")
    assert_clean(json.dumps([dict(r) for r in [*files, *actions]], default=str, ensure_ascii=False), "migrated rows")
