"""Milestone and problem alerts delivered through the Slack and SMTP providers to loopback servers."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from alert_specs import spec_data
from sqlalchemy import select

from creator_ops.airflow.notifiers import CampaignTaskFailureNotifier, senders_for
from creator_ops.core.spec import parse_spec
from creator_ops.core.steps import StepContext
from creator_ops.steps.milestones import check_milestones, drain_alerts
from creator_ops.warehouse.outbox import outbox_counts
from creator_ops.warehouse.schema import (
    alert_outbox,
    enrollments,
    ingested_files,
    order_lines,
    payout_calculations,
    quality_results,
)

pytestmark = pytest.mark.integration

MYT = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 12, 8, 1, 0, tzinfo=dt.UTC)
# the daily run covering Mon 7 Dec (MYT): registration closes Wed 9 Dec 23:59:59, so "48 h before" is due
RUN = (dt.datetime(2026, 12, 7, tzinfo=MYT), dt.datetime(2026, 12, 8, tzinfo=MYT))
PII = ("siti.aminah@gmail.com", "012-345 6789")


def _ctx(engine, spec, run_id="scheduled__2026-12-07", now=NOW, interval=RUN):
    return StepContext(spec=spec, spec_path=Path("test.yaml"), run_id=run_id, interval_start=interval[0],
                       interval_end=interval[1], engine=engine, clock=lambda: now)


def _file(conn, file_id, dataset, run_id, rows_in=10, quarantined=0, name=None):
    # each file its own landing path: a file re-landed under the same path supersedes the earlier one
    conn.execute(ingested_files.insert(), [dict(
        file_id=file_id, campaign_id="my_1212_2026", dataset=dataset,
        source_uri=f"/landing/{name or f'{dataset}_{file_id}.csv'}",
        sha256=f"{file_id:064d}", size_bytes=1, status="accepted", rows_in=rows_in,
        rows_accepted=rows_in - quarantined, rows_quarantined=quarantined, run_id=run_id, ingested_at=NOW)])


def _enroll(engine, file_id, creators, when=dt.datetime(2026, 11, 30, tzinfo=dt.UTC)):
    with engine.begin() as conn:
        _file(conn, file_id, "enrollments", "seed", rows_in=len(creators))
        conn.execute(enrollments.insert(), [dict(file_id=file_id, row_number=i, campaign_id="my_1212_2026",
                                                  creator_id=c, registered_at=when, is_new_creator=False)
                                             for i, c in enumerate(creators)])


def _keys_delivered(loopback):
    slack = [b["blocks"][-1]["elements"][0]["text"].rsplit(" · ", 1)[-1] for b in loopback.slack.delivered]
    mail = [m.text.rsplit("alert ", 1)[-1].splitlines()[0] for m in loopback.smtp.messages]
    return slack, mail


def test_milestone_alerts_are_sent_once_across_reruns(warehouse_engine, loopback, spec):
    _enroll(warehouse_engine, 1, [f"c{i}" for i in range(60)])
    senders = senders_for(spec)
    for _ in range(3):  # the run, then two reruns of it
        check_milestones(_ctx(warehouse_engine, spec))
        drain_alerts(_ctx(warehouse_engine, spec), senders)
    slack, mail = _keys_delivered(loopback)
    expected = ["milestone:my_1212_2026:creators_enrolled:0.5", "time_milestone:my_1212_2026:registration_closes:48h"]
    assert sorted(slack) == sorted(mail) == sorted(expected)
    # the next day crosses 100 %: only the new milestone goes out
    _enroll(warehouse_engine, 2, [f"d{i}" for i in range(40)])
    next_day = (RUN[0] + dt.timedelta(days=1), RUN[1] + dt.timedelta(days=1))
    for _ in range(2):
        check_milestones(_ctx(warehouse_engine, spec, "scheduled__2026-12-08", interval=next_day))
        drain_alerts(_ctx(warehouse_engine, spec, "scheduled__2026-12-08"), senders)
    slack, mail = _keys_delivered(loopback)
    assert sorted(slack) == sorted(mail) == sorted([*expected, "milestone:my_1212_2026:creators_enrolled:1"])
    message = next(m for m in loopback.smtp.messages if "100% of target" in m.subject)
    assert message.recipients == ["creator-ops-my@example.com"]
    assert "100 creators against a target of 100" in message.text and "<table" in message.html


def test_eligible_gmv_milestone_counts_only_eligible_lines(warehouse_engine, loopback, spec):
    _enroll(warehouse_engine, 1, ["a", "b"])
    live = dt.datetime(2026, 12, 11, 17, tzinfo=dt.UTC)  # 12 Dec 01:00 MYT
    lines = [  # (order, line, creator, status, sen, updated_at)
        ("o1", "1", "a", "COMPLETED", 300_000, None),
        ("o2", "1", "b", " delivered ", 150_000, None),
        ("o3", "1", "a", "CANCELLED", 900_000, None),  # not eligible
        ("o4", "1", "zz", "completed", 900_000, None),  # not enrolled
        ("o5", "1", "b", "completed", 900_000, live),  # superseded by the later update below
        ("o5", "1", "b", "cancelled", 900_000, live + dt.timedelta(hours=1)),
        ("o6", "1", "a", "settled", 100_000, None),
    ]
    with warehouse_engine.begin() as conn:
        _file(conn, 5, "orders", "live", rows_in=len(lines))
        conn.execute(order_lines.insert(), [dict(
            file_id=5, row_number=i, campaign_id="my_1212_2026", order_id=o, line_id=ln, creator_id=c,
            order_time=live, status=s, gmv_sen=sen, updated_at=u) for i, (o, ln, c, s, sen, u) in enumerate(lines)])
    interval = (live, live + dt.timedelta(hours=1))
    summary = check_milestones(_ctx(warehouse_engine, spec, "scheduled__live", interval=interval))
    assert summary["eligible_gmv_sen"] == 550_000  # RM 5,500 of 10,000: the 50 % milestone
    assert "milestone:my_1212_2026:gmv_myr:0.5" in summary["milestones_reached"]


def test_retry_after_http_500_delivers_once(warehouse_engine, loopback, spec):
    _enroll(warehouse_engine, 1, [f"c{i}" for i in range(50)])
    loopback.slack.script(["error"])
    check_milestones(_ctx(warehouse_engine, spec))
    first = drain_alerts(_ctx(warehouse_engine, spec), senders_for(spec))
    assert first["failed"] >= 1 and len(loopback.smtp.messages) == 2
    with warehouse_engine.connect() as conn:
        pending = conn.execute(select(alert_outbox).where(alert_outbox.c.status == "pending")).mappings().all()
    assert {r["channel"] for r in pending} == {"slack"}
    assert all("HTTP 500" in r["last_error"] and r["attempts"] == 1 for r in pending[:1])
    # a drain before the backoff has passed leaves them alone; after it, they go out once
    drain_alerts(_ctx(warehouse_engine, spec, now=NOW + dt.timedelta(seconds=10)), senders_for(spec))
    assert len(loopback.slack.delivered) == 0
    drain_alerts(_ctx(warehouse_engine, spec, now=NOW + dt.timedelta(hours=2)), senders_for(spec))
    slack, mail = _keys_delivered(loopback)
    assert len(slack) == len(set(slack)) == 2 and sorted(slack) == sorted(mail)
    assert outbox_counts(warehouse_engine) == {"sent": 4}


def test_retry_after_a_hanging_endpoint_times_out(warehouse_engine, loopback, spec):
    _enroll(warehouse_engine, 1, [f"c{i}" for i in range(50)])
    loopback.slack.set_mode("hang")
    check_milestones(_ctx(warehouse_engine, spec))
    started = dt.datetime.now()
    result = drain_alerts(_ctx(warehouse_engine, spec), senders_for(spec))
    # one timeout (1 s) marks the channel down for this drain instead of waiting once per row
    assert (dt.datetime.now() - started).total_seconds() < 8
    assert result["failed"] == 2 and any("timed out" in e or "Timeout" in e for e in result["errors"])
    loopback.slack.set_mode("ok")
    drain_alerts(_ctx(warehouse_engine, spec, now=NOW + dt.timedelta(hours=2)), senders_for(spec))
    slack, mail = _keys_delivered(loopback)
    assert len(slack) == len(set(slack)) == 2
    assert outbox_counts(warehouse_engine) == {"sent": 4}


def test_smtp_server_down_then_back(warehouse_engine, loopback, spec, monkeypatch):
    _enroll(warehouse_engine, 1, [f"c{i}" for i in range(50)])
    conn = json.loads(loopback.connection_env()["AIRFLOW_CONN_SMTP_CREATOR_OPS"])
    loopback.smtp.stop()
    check_milestones(_ctx(warehouse_engine, spec))
    result = drain_alerts(_ctx(warehouse_engine, spec), senders_for(spec))
    assert result["sent"] == 2 and result["failed"] == 2
    loopback.smtp.start()
    conn["port"] = loopback.smtp.port
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_CREATOR_OPS", json.dumps(conn))
    drain_alerts(_ctx(warehouse_engine, spec, now=NOW + dt.timedelta(hours=2)), senders_for(spec))
    assert len(loopback.smtp.messages) == 2 and len(loopback.slack.delivered) == 2
    assert len({m.message_id for m in loopback.smtp.messages}) == 2


def test_bot_api_channel_when_the_spec_names_one(warehouse_engine, loopback):
    spec = parse_spec(spec_data(alerts={"slack_conn_id": "slack_api_creator_ops", "slack_channel": "#creator-ops"}),
                      "bot.yaml")
    _enroll(warehouse_engine, 1, [f"c{i}" for i in range(50)])
    check_milestones(_ctx(warehouse_engine, spec))
    assert drain_alerts(_ctx(warehouse_engine, spec), senders_for(spec))["sent"] == 2
    paths = {r.path for r in loopback.slack.requests}
    assert paths == {"/api/chat.postMessage"}
    assert loopback.smtp.messages == []


def test_problem_alerts_name_the_failure_and_mask_personal_data(warehouse_engine, loopback, spec):
    run_id = "scheduled__2026-12-07"
    with warehouse_engine.begin() as conn:
        _file(conn, 7, "enrollments", run_id, rows_in=200, quarantined=11, name="enrollments_0712.csv")
        _file(conn, 8, "creators", run_id, rows_in=200, quarantined=10)  # exactly 5 %: allowed
        conn.execute(quality_results.insert(), [dict(
            campaign_id="my_1212_2026", dataset="enrollments", file_id=7, run_id=run_id, suite="enrollments",
            success=False, evaluated=6, failed=1, validated_at=NOW,
            failed_expectations_json=json.dumps([{"expectation_type": "expect_column_values_to_not_be_null",
                                                  "kwargs": {"column": "registered_at"}, "unexpected_count": 3}]),
            sample_json=json.dumps([{"creator_id": "nur", "contact": PII[0], "phone": PII[1]}]))])
        conn.execute(payout_calculations.insert(), [dict(
            calculation_id="calc1", campaign_id="my_1212_2026", run_id="r", state="calculated", spec_sha256="s",
            inputs_sha256="i", creators=12, total_sen=123_456, budget_sen=1, scaled=False,
            calculated_at=NOW - dt.timedelta(hours=30))])
    summary = check_milestones(_ctx(warehouse_engine, spec, run_id))
    assert summary["alerts"] == {"quality_failed": 1, "quarantine_share": 1, "payout_waiting": 1,
                                 "time_milestone": 1}
    drain_alerts(_ctx(warehouse_engine, spec, run_id), senders_for(spec))
    subjects = sorted(m.subject for m in loopback.smtp.messages)
    assert any("Data quality failed: enrollments" in s for s in subjects)
    assert any("5.5% of enrollments rows quarantined" in s for s in subjects)
    assert any("Payout waiting for approval for 30 h" in s for s in subjects)
    quality = next(m for m in loopback.smtp.messages if "Data quality" in m.subject)
    assert "expect_column_values_to_not_be_null on registered_at (3 unexpected)" in quality.text
    assert "[email hidden]" in quality.text and "[phone hidden]" in quality.html
    everything = json.dumps(loopback.slack.delivered) + "".join(m.raw.decode() for m in loopback.smtp.messages)
    for secret in PII:
        assert secret not in everything


def test_task_failure_notifier_queues_and_sends_the_failure(warehouse_engine, loopback, tmp_path):
    import yaml

    spec_file = tmp_path / "my_1212_2026.yaml"
    data = spec_data()
    data["timeline"] = {"event_start": "2026-12-12"}
    spec_file.write_text(yaml.safe_dump(json.loads(json.dumps(data, default=str))))

    class TaskInstance:  # what the callback reads from Airflow's runtime task instance
        dag_id, task_id, run_id, try_number = "campaign__my_1212_2026", "orders.ingest", "manual__1", 3
        log_url = "http://127.0.0.1:8080/dags/campaign__my_1212_2026/runs/manual__1/tasks/orders.ingest?try_number=3"

    notifier = CampaignTaskFailureNotifier(spec_path=str(spec_file), engine_factory=lambda: warehouse_engine)
    context = {"ti": TaskInstance(), "run_id": "manual__1", "exception": ValueError(f"bad row {PII[0]}")}
    notifier(context)
    notifier(context)  # a second call for the same try alerts nothing new
    assert len(loopback.slack.delivered) == 1 and len(loopback.smtp.messages) == 1
    mail = loopback.smtp.messages[0]
    assert mail.subject.endswith("Task orders.ingest failed")
    assert TaskInstance.log_url in mail.text and PII[0] not in mail.raw.decode()
    assert "try 3" in mail.text
