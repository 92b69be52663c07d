"""The review stage's step on a real warehouse (SQLite and PostgreSQL) agrees with `campaignctl review` on the same files.

The same export files are ingested into the warehouse by the ingestion step and read by
the command line's readers; the two reviews must be byte-identical. Then a previous
campaign of the same type is registered and becomes the baseline; the "campaign review
ready" alert is queued once per phase.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from creator_ops.cli import main as campaignctl
from creator_ops.core.spec import load_spec
from creator_ops.core.steps import StepContext
from creator_ops.steps.ingest import ingest
from creator_ops.steps.review import build_review
from creator_ops.steps.run_record import register_run
from creator_ops.warehouse.schema import alert_outbox

pytestmark = pytest.mark.integration
NPS = "How likely are you to recommend the programme? (0-10)"
CSAT = "How satisfied are you with the samples? (1-5)"


def spec_text(campaign_id: str, name: str, event_start: str) -> str:
    return f"""\
id: {campaign_id}
name: {name}
type: scd
timeline: {{event_start: {event_start}}}
targets: {{creators_enrolled: 4, gmv_myr: 10000, survey_responses: 4}}
incentives:
  budget_myr: 10000
  tiers: [{{min_gmv_myr: 1000, bonus_myr: 50}}, {{min_gmv_myr: 5000, bonus_myr: 300}}]
  commission_bonus: {{rate: 0.045, cap_myr: 500}}
  new_creator_bonus_myr: 20
  leaderboard: {{prizes_myr: [5000, 3000]}}
alerts: {{slack_conn_id: slack_review_test}}
surveys:
  - id: post_event
    title: After the event
    opens: event_end
    closes: event_end + 7d
    nps_question: "  {NPS.upper()} "
    csat_question: {CSAT}
review:
  what_if:
    - name: small_budget
      incentives: {{budget_myr: 8100, tiers: [{{min_gmv_myr: 1000, bonus_myr: 500}}], leaderboard: {{prizes_myr: [5000, 3000]}}}}
"""


def export_files(year: int, gmv_scale: int = 1) -> dict[str, str]:
    day = f"{year}-03-10"
    return {
        "orders.csv": (
            "order_id,line_id,creator_id,order_time,status,gmv_myr,product_id,content_type,commission_myr\n"
            f"o1,1,@Alice,{day} 12:00:00,completed,{6000 * gmv_scale}.00,P1, video ,10.00\n"
            f"o2,1,bob,{day} 02:30:00,Delivered,{1500 * gmv_scale}.00,P2,LIVE,5.00\n"
            f"o3,1,carol,{day} 05:00:00,cancelled,800.00,P1,VIDEO,7.00\n"
            f"o4,1,xavier,{day} 05:00:00,completed,9900.00,P1,VIDEO,90.00\n"
        ),
        "enrollments.csv": (
            "creator_id,registered_at,is_new_creator\n"
            f"alice,{year}-03-01 09:00:00,yes\nbob,{year}-03-01 09:00:00,no\n"
            f"carol,{year}-03-01 09:00:00,no\nxavier,{year}-03-01 09:00:00,no\n"
        ),
        "exclusions.csv": "creator_id,reason\nxavier,fraud\n",
        "invitations.csv": (
            "creator_id,invited_at,account_manager\n"
            f"alice,{year}-02-28 10:00:00,aisyah\nbob,{year}-02-28 10:00:00,wei\n"
            f"dina,{year}-02-28 10:00:00,wei\nxavier,{year}-02-28 10:00:00,aisyah\n"
        ),
        "samples.csv": (
            "sample_id,creator_id,product_id,requested_at,status\n"
            f"s1,alice,P1,{year}-03-02 10:00:00,COMPLETED\n"
            f"s2,bob,P2,{year}-03-02 10:00:00,PENDING\n"
            f"s3,dina,P1,{year}-03-02 10:00:00,shipped\n"
            f"s2,bob,P2,{year}-03-03 10:00:00,Shipped\n"
        ),
        "products.csv": (
            "product_id,name,category,price_myr,sample_quota\n"
            "P1,Serum,beauty,30.00,10\nP2,Tudung,fashion,45.50,10\n"
        ),
        "content.csv": (
            "content_id,creator_id,content_type,posted_at,views,gmv_myr\n"
            f"v1,alice,VIDEO,{year}-03-05 10:00:00,1000,0\nv2,carol,VIDEO,{year}-02-20 10:00:00,50,0\n"
        ),
        "surveys.csv": (
            f'Timestamp,Creator,"{NPS}",{CSAT},Any comments?\n'
            f"{year}-03-12 10:00:00,alice,10,5,Produk bagus dan penghantaran cepat\n"
            f"{year}-03-12 11:00:00,bob, 6 ,4,The sample arrived late and the box was damaged\n"
            f"{year}-03-12 12:00:00,carol,9,n/a,样品很好，直播效果不错\n"
            f"{year}-03-09 12:00:00,carol,0,1,before the survey opened\n"
        ),
    }


def write_campaign(folder: Path, campaign_id: str, name: str, year: int, gmv_scale: int = 1) -> tuple[Path, Path]:
    data = folder / campaign_id / "data"
    data.mkdir(parents=True)
    for file_name, content in export_files(year, gmv_scale).items():
        (data / file_name).write_text(content, encoding="utf-8")
    spec_path = folder / campaign_id / "spec.yaml"
    spec_path.write_text(spec_text(campaign_id, name, f"{year}-03-10"), encoding="utf-8")
    return spec_path, data


def ingest_and_register(engine, spec_path: Path, data: Path, landing: Path) -> StepContext:
    spec = load_spec(spec_path)
    start = spec.timeline.settlement_date
    ctx = StepContext(
        spec=spec, spec_path=spec_path, run_id=f"scheduled__{spec.id}", interval_start=start,
        interval_end=start + dt.timedelta(days=1), engine=engine, clock=lambda: start,
    )  # fmt: skip
    register_run(ctx)
    for file in sorted(data.iterdir()):
        target = landing / spec.id / file.stem / file.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(file, target)
        summary = ingest(ctx, file.stem)
        assert summary["rejected"] == 0 and summary["quarantined"] == 0, summary
    return ctx


def test_warehouse_review_equals_the_command_line_review_then_compares_with_the_previous_campaign(
    warehouse_engine, tmp_path, monkeypatch
):
    landing = tmp_path / "landing"
    monkeypatch.setenv("CREATOR_OPS_LANDING_ROOT", str(landing))
    monkeypatch.setenv("CREATOR_OPS_OUTPUT_ROOT", str(tmp_path / "output"))
    spec_path, data = write_campaign(tmp_path, "scd_2027", "SCD 2027", 2027)
    ctx = ingest_and_register(warehouse_engine, spec_path, data, landing)

    out = build_review(ctx, review_url="http://airflow.example/creator-ops/campaigns/scd_2027/review")
    stage_json = Path(out["files"]["json"]).read_bytes()
    assert campaignctl(["review", "--spec", str(spec_path), "--data", str(data), "--out", str(tmp_path / "cli")]) == 0
    assert stage_json == (tmp_path / "cli" / "review.json").read_bytes()

    review = json.loads(stage_json)
    assert review["funnel"] == {
        "invited": 4, "enrolled": 4, "enrolled_from_invite": 3, "sampled": 2, "sampled_posted": 1,
        "posting": 1, "selling": 2, "sampled_selling": 2,
    }  # fmt: skip
    assert review["gmv"]["eligible_myr"] == "7500.00"
    assert review["gmv"]["by_content_type"] == {"VIDEO": "6000.00", "LIVE": "1500.00"}
    # alice is a new creator: 8,687.50 of tier, commission bonus and prizes + 20.00
    assert review["cost"] == {
        "incentives_myr": "8707.50", "commission_myr": "15.00", "samples_myr": "105.50", "total_myr": "8828.00",
    }  # fmt: skip
    survey = review["surveys"]["post_event"]
    # carol's 03-09 answer predates the survey; of 10, 6 and 9: 2 promoters, 1 detractor; CSAT 5 and 4 of 2 valid
    assert survey["responses"] == 3 and survey["nps"] == 33.333333 and survey["csat"] == 100.0
    assert review["targets"]["survey_responses"]["actual"] == 4
    small = review["what_if"][0]
    assert small["name"] == "small_budget" and small["scaled"] is True and small["total_myr"] == "8100.00"
    assert review["baseline"] is None

    rows = _review_alerts(warehouse_engine)
    assert [(r.alert_key, r.channel) for r in rows] == [("review_ready:scd_2027:settlement", "slack")]
    payload = json.loads(rows[0].payload_json)
    assert "Campaign review ready" in payload["text"] and "RM 7,500.00" in payload["text"]
    assert "http://airflow.example/creator-ops/campaigns/scd_2027/review" in rows[0].payload_json
    build_review(ctx)
    assert len(_review_alerts(warehouse_engine)) == 1  # once per phase, however often the task reruns

    old_path, old_data = write_campaign(tmp_path, "scd_2026", "SCD 2026", 2026, gmv_scale=2)
    ingest_and_register(warehouse_engine, old_path, old_data, landing)
    later_path, later_data = write_campaign(tmp_path, "scd_2028", "SCD 2028", 2028)
    ingest_and_register(warehouse_engine, later_path, later_data, landing)  # after this one: never the baseline
    compared = json.loads(Path(build_review(ctx)["files"]["json"]).read_text())
    baseline = compared["baseline"]
    assert (baseline["campaign_id"], baseline["source"]) == ("scd_2026", "warehouse")
    assert baseline["delta"]["gmv"]["eligible_myr"] == "-7500.00"  # 7,500 now against 15,000
    assert baseline["delta"]["funnel"]["selling"] == 0
    assert len(baseline["gmv_by_hour"]) == 24


def _review_alerts(engine):
    with engine.connect() as conn:
        return conn.execute(
            select(alert_outbox.c.alert_key, alert_outbox.c.channel, alert_outbox.c.payload_json)
            .where(alert_outbox.c.kind == "review_ready")
            .order_by(alert_outbox.c.alert_key)
        ).all()
