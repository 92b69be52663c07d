"""A run held by an unanswered runbook sign-off misses its deadline in a real scheduler + triggerer run.

Starts the native topology of scripts/run_distributed.py (scheduler, dag-processor,
triggerer, api-server; LocalExecutor on PostgreSQL) with `CREATOR_OPS_DEADLINE_ALERTS=true`
and a 45-second run deadline, on a campaign folder holding one spec whose alert
connections point at loopback Slack and SMTP servers. The run is triggered over REST on
the logical date whose run opens the sign-off (three days ago: the sign-off is overdue),
so it parks in AWAITING_INPUT past its deadline. The scheduler's own timetable runs are
switched off (`[scheduler] use_job_schedule`), so that run is the only one. The scheduler then marks the deadline missed and the triggerer runs
`deadline_missed_callback`, which must write the `run_late` alert to the warehouse outbox
once per channel and deliver it right away (no drain task ran in between: the run is held).
Then the sign-off is approved over REST and the run must finish.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path

import pytest
import yaml
from cluster_helpers import load_run_distributed, postgres_down

CAMPAIGN_ID = "deadline_probe"
DAG_ID = f"campaign__{CAMPAIGN_ID}"
SIGNOFF_STEP = "finance_budget_signoff"
SIGNOFF_TASK = f"runbook.{SIGNOFF_STEP}"
RUN_ID = "held_by_signoff"
DEADLINE_MINUTES = "0.75"  # 45 s: long enough for the run to reach the sign-off, short enough for CI
DEADLINE = dt.timedelta(seconds=45)

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.slow]


def _spec_document(today: dt.date) -> dict:
    """A small campaign in recruitment now, whose budget sign-off was due three days ago."""
    return {
        "id": CAMPAIGN_ID,
        "name": "Deadline probe SCD",
        "type": "scd",
        "owners": ["creator-ops-oncall"],
        "timeline": {"event_start": (today + dt.timedelta(days=5)).isoformat()},
        "targets": {"creators_enrolled": 100},
        "alerts": {
            "slack_conn_id": "slack_creator_ops",
            "smtp_conn_id": "smtp_creator_ops",
            "email_to": ["creator-ops-my@example.com"],
        },
        "runbook": [
            {
                "id": SIGNOFF_STEP,
                "title": "Finance confirms the incentive budget",
                "due": "recruitment_opens + 2d",
                "owner": "finance",
            }
        ],
    }


def _signoff_logical_date(spec_path: Path) -> str:
    """Return the logical date of the run in which the sign-off opens (the operator's own rule)."""
    from creator_ops.core.calendar import CampaignCalendar
    from creator_ops.core.spec import load_spec

    spec = load_spec(spec_path)
    step = next(s for s in spec.runbook if s.id == SIGNOFF_STEP)
    return CampaignCalendar(spec.timeline).run_containing(spec.when(step.due)).start.isoformat()


def _late_rows(warehouse_url: str) -> list[dict]:
    from sqlalchemy import create_engine, select

    from creator_ops.warehouse.schema import alert_outbox

    engine = create_engine(warehouse_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(alert_outbox).where(alert_outbox.c.kind == "run_late").order_by(alert_outbox.c.channel)
            ).mappings()
            return [dict(r) for r in rows]
    finally:
        engine.dispose()


def _deadline_records(meta_url: str) -> list[dict]:
    """The scheduler's deadline rows for our run, with their callback's state (metadata database)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(meta_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT d.deadline_time, d.missed, c.state AS callback_state, c.output AS callback_output "
                    "FROM deadline d JOIN dag_run r ON r.id = d.dagrun_id "
                    "LEFT JOIN callback c ON c.id = d.callback_id "
                    "WHERE r.dag_id = :dag AND r.run_id = :run"
                ),
                {"dag": DAG_ID, "run": RUN_ID},
            ).mappings()
            return [dict(r) for r in rows]
    finally:
        engine.dispose()


def _wait(predicate, timeout: float, what: str, details=lambda: "", poll: float = 1.0):
    """Poll until `predicate()` is truthy; on timeout, fail with `details()` (e.g. a log tail)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(poll)
    raise TimeoutError(f"{what} not seen within {timeout:.0f}s\n{details()}")


def _ti_state(cluster, task_id: str) -> str | None:
    return next((ti["state"] for ti in cluster.task_instances(DAG_ID, RUN_ID) if ti["task_id"] == task_id), None)


@pytest.fixture
def specs_dir(tmp_path):
    folder = tmp_path / "campaigns"
    folder.mkdir()
    (folder / f"{CAMPAIGN_ID}.yaml").write_text(yaml.safe_dump(_spec_document(dt.datetime.now(dt.UTC).date())))
    return folder


@pytest.mark.timeout(420)
def test_a_run_held_past_its_deadline_alerts_once_and_completes_after_signoff(specs_dir):
    problem = postgres_down()
    if problem:
        pytest.skip(problem)
    from creator_ops.stand_ins.loopback import LoopbackServers

    module = load_run_distributed()
    spec_path = specs_dir / f"{CAMPAIGN_ID}.yaml"
    logical_date = _signoff_logical_date(spec_path)
    with LoopbackServers(slack_timeout=5, max_lifetime=600) as servers:
        extra_env = {
            **servers.connection_env(),
            "CREATOR_OPS_DEADLINE_ALERTS": "true",
            "CREATOR_OPS_RUN_DEADLINE_MINUTES": DEADLINE_MINUTES,
            # Only the run this test triggers: no scheduled run competing for the 2 cores or alerting too.
            "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
        }
        with module.DistributedAirflow(
            executor="LocalExecutor",
            meta_db="creator_ops_af_meta_deadline",
            warehouse_db="creator_ops_wh_deadline",
            specs_dir=specs_dir,
            parallelism=4,
            extra_env=extra_env,
        ) as cluster:
            cluster.wait_for_dag(DAG_ID)
            cluster.unpause(DAG_ID)
            run = cluster.trigger(DAG_ID, logical_date, RUN_ID)
            queued_at = dt.datetime.fromisoformat(run["queued_at"].replace("Z", "+00:00"))

            # The scheduler records the deadline when it creates the run: queued_at + 45 s.
            records = _wait(lambda: _deadline_records(cluster.meta_url), 30, "the run's deadline row")
            assert len(records) == 1
            assert records[0]["deadline_time"] == queued_at + DEADLINE

            # The run parks on the human sign-off; nothing else keeps it from finishing.
            _wait(
                lambda: _ti_state(cluster, SIGNOFF_TASK) == "awaiting_input",
                120,
                "the sign-off waiting",
                lambda: str({ti["task_id"]: ti["state"] for ti in cluster.task_instances(DAG_ID, RUN_ID)}),
            )
            held_since = dt.datetime.now(dt.UTC)
            assert _late_rows(cluster.warehouse_url) == [], "alerted before the deadline passed"

            # The scheduler marks the deadline missed and queues the callback; the triggerer runs it.
            finished = _wait(
                lambda: [
                    r for r in _deadline_records(cluster.meta_url) if r["callback_state"] in ("success", "failed")
                ],
                150,
                "the deadline callback finishing",
                lambda: f"scheduler:\n{cluster.log_tail('scheduler')}\ntriggerer:\n{cluster.log_tail('triggerer')}",
            )
            alerted_at = dt.datetime.now(dt.UTC)
            record = finished[0]
            assert (record["missed"], record["callback_state"]) == (True, "success"), record
            # What the callback itself did: both channels queued and sent in the same call.
            outcome = json.loads(record["callback_output"])
            assert (outcome["queued"], outcome["sent"], outcome["failed"]) == (2, 2, 0), outcome

            rows = _late_rows(cluster.warehouse_url)
            assert cluster.run_state(DAG_ID, RUN_ID) == "running"
            assert _ti_state(cluster, SIGNOFF_TASK) == "awaiting_input"
            assert [(r["channel"], r["status"], r["attempts"]) for r in rows] == [
                ("email", "sent", 1),
                ("slack", "sent", 1),
            ], rows
            assert {r["alert_key"] for r in rows} == {f"run_late:{CAMPAIGN_ID}:{RUN_ID}"}
            deadline_time = record["deadline_time"]
            assert all(r["created_at"] >= deadline_time for r in rows), (rows, deadline_time)

            mails = [m for m in servers.smtp.messages if "missed its deadline" in m.subject]
            assert len(mails) == 1 and RUN_ID in mails[0].text
            posts = [b for b in servers.slack.delivered if RUN_ID in str(b) and "deadline" in str(b).lower()]
            assert len(posts) == 1

            # The sign-off is given over REST; the run then completes.
            answer = cluster.api(
                "PATCH",
                f"/dags/{DAG_ID}/dagRuns/{RUN_ID}/taskInstances/{SIGNOFF_TASK}/-1/hitlDetails",
                json={"chosen_options": ["Approve"], "params_input": {}},
            )
            assert answer.status_code == 200, answer.text
            final = cluster.wait_for_run(DAG_ID, RUN_ID, timeout=180)
            states = {ti["task_id"]: ti["state"] for ti in cluster.task_instances(DAG_ID, RUN_ID)}
            assert final == "success", (states, cluster.log_tail("scheduler"))
            assert states[SIGNOFF_TASK] == "success"

            # Exactly once: the finished run's drains and the deadline machinery added nothing.
            assert [(r["channel"], r["status"]) for r in _late_rows(cluster.warehouse_url)] == [
                ("email", "sent"),
                ("slack", "sent"),
            ]
            assert len([m for m in servers.smtp.messages if "missed its deadline" in m.subject]) == 1
            assert len(_deadline_records(cluster.meta_url)) == 1

            print(
                f"\ndeadline {deadline_time.isoformat()} (queued {queued_at.isoformat()} + {DEADLINE}); "
                f"sign-off waiting {(held_since - queued_at).total_seconds():.1f} s after queueing; "
                f"alert sent {(min(r['sent_at'] for r in rows) - deadline_time).total_seconds():.1f} s "
                f"after the deadline (seen by the test {(alerted_at - deadline_time).total_seconds():.1f} s after)"
            )
