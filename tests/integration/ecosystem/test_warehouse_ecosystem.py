"""The ecosystem read from the warehouse (SQLite and PostgreSQL) is the ecosystem the command line writes.

The hand-computed fixture's five campaigns are ingested through the real steps; the
warehouse build must write the same bytes as `campaignctl ecosystem` over the same files,
take only campaigns that had a settlement or payout run, and the "creators lost" alert
must be queued once, with counts and no creator id.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from ecosystem_fixture import ORDER, write_campaigns
from loading import load_folder
from sqlalchemy import select

from creator_ops.cli import main as campaignctl
from creator_ops.core.spec import load_spec
from creator_ops.core.steps import StepContext
from creator_ops.steps.ecosystem import build_ecosystem, creators_lost
from creator_ops.warehouse.schema import alert_outbox

pytestmark = pytest.mark.integration


@pytest.fixture()
def campaigns(tmp_path):
    root = write_campaigns(tmp_path / "campaigns")
    alerts = "alerts: {slack_conn_id: slack_eco_test}\n"
    spec = root / "c5" / "spec.yaml"
    spec.write_text(spec.read_text(encoding="utf-8") + alerts, encoding="utf-8")
    return root


def test_warehouse_and_command_line_write_the_same_files(warehouse_engine, campaigns, tmp_path, monkeypatch):
    monkeypatch.setenv("CREATOR_OPS_DEMO", "1")
    landing = tmp_path / "landing"
    for folder in sorted(campaigns.iterdir()):
        load_folder(warehouse_engine, folder, landing)
    summary = build_ecosystem(warehouse_engine, tmp_path / "from_warehouse")
    assert summary["campaigns"] == ORDER
    assert campaignctl(["ecosystem", "--campaigns", str(campaigns), "--out", str(tmp_path / "from_files")]) == 0
    for name in ("ecosystem.json", "creators.csv", "ecosystem.html"):
        assert (tmp_path / "from_warehouse" / name).read_bytes() == (tmp_path / "from_files" / name).read_bytes(), name


def test_only_settled_campaigns_take_part(warehouse_engine, campaigns, tmp_path, monkeypatch):
    monkeypatch.setenv("CREATOR_OPS_DEMO", "1")
    landing = tmp_path / "landing"
    for folder in sorted(campaigns.iterdir()):
        load_folder(warehouse_engine, folder, landing, settle=folder.name != "c5")
    summary = build_ecosystem(warehouse_engine, tmp_path / "out")
    assert summary["campaigns"] == ORDER[:-1]
    data = json.loads((tmp_path / "out" / "ecosystem.json").read_text(encoding="utf-8"))
    # c3_beta is now the latest: b reactivated, e returning; c churned; a, d dormant
    assert data["states"] == {"new": 0, "returning": 1, "reactivated": 1, "churned": 1, "dormant": 2}


def test_creators_lost_alert_counts_once_and_names_nobody(warehouse_engine, campaigns, tmp_path, monkeypatch):
    monkeypatch.setenv("CREATOR_OPS_DEMO", "1")
    landing = tmp_path / "landing"
    for folder in sorted(campaigns.iterdir()):
        load_folder(warehouse_engine, folder, landing)
    spec_path = campaigns / "c5" / "spec.yaml"
    spec = load_spec(spec_path)
    moment = spec.timeline.settlement_date
    ctx = StepContext(
        spec, spec_path, "settle", moment, moment + dt.timedelta(days=1), warehouse_engine,
        clock=lambda: dt.datetime(2027, 5, 1, tzinfo=dt.UTC),
    )  # fmt: skip
    first = creators_lost(ctx)
    again = creators_lost(ctx)
    assert first == {"previous": "c3_beta", "previous_sellers": 2, "sellers_not_enrolled": 1, "alert_rows_queued": 1}
    assert again["alert_rows_queued"] == 0  # one alert per campaign, however often settlement reruns
    with warehouse_engine.connect() as conn:
        rows = conn.execute(select(alert_outbox).where(alert_outbox.c.kind == "creators_lost")).mappings().all()
    assert len(rows) == 1
    row = rows[0]
    assert row["subject"] == "[WARNING] Campaign c5: Creators lost: 1 of 2 sellers did not enrol"
    text = row["payload_json"]
    assert "1 of the 2 creators who sold in Campaign c3_beta did not enrol in Campaign c5" in text
    assert "RM 5.00" in text
    for creator in ('"e"', " e ", "b,", "creator_id"):
        assert creator not in text


def test_the_airflow_run_stamps_the_page_with_its_moment(warehouse_engine, campaigns, tmp_path, monkeypatch):
    """ecosystem.html built by a run says "figures as of …, built …" in local time (issue 30)."""
    import datetime as dt

    monkeypatch.setenv("CREATOR_OPS_DEMO", "1")
    landing = tmp_path / "landing"
    for folder in sorted(campaigns.iterdir()):
        load_folder(warehouse_engine, folder, landing)
    built = dt.datetime(2027, 1, 2, 1, 30, tzinfo=dt.UTC)
    build_ecosystem(warehouse_engine, tmp_path / "out", built_at=built)
    html = (tmp_path / "out" / "ecosystem.html").read_text(encoding="utf-8")
    assert '<p class="muted" id="moment">Figures as of ' in html
    assert "built Sat 02 Jan 2027 09:30; times in Asia/Kuala_Lumpur." in html
