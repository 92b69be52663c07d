"""The opt-in DeadlineAlert and the late-run alert its callback records."""

from __future__ import annotations

import asyncio
import datetime as dt
import json

import pytest
import yaml
from alert_specs import spec_data

from creator_ops.airflow.notifiers import campaign_deadline, deadline_missed_callback, record_deadline_miss
from creator_ops.core.spec import load_spec
from creator_ops.warehouse.outbox import outbox_counts

pytestmark = pytest.mark.integration


@pytest.fixture
def spec_file(tmp_path):
    path = tmp_path / "my_1212_2026.yaml"
    path.write_text(yaml.safe_dump(json.loads(json.dumps(spec_data(), default=str))))
    return path


def test_deadline_alert_is_opt_in(spec_file, monkeypatch):
    spec = load_spec(spec_file)
    monkeypatch.delenv("CREATOR_OPS_DEADLINE_ALERTS", raising=False)
    assert campaign_deadline(spec, spec_file) is None
    monkeypatch.setenv("CREATOR_OPS_DEADLINE_ALERTS", "true")
    monkeypatch.setenv("CREATOR_OPS_RUN_DEADLINE_MINUTES", "30")
    alert = campaign_deadline(spec, spec_file)
    assert alert.interval == dt.timedelta(minutes=30)
    assert alert.callback.path == "creator_ops.airflow.notifiers.deadline_missed_callback"
    assert alert.callback.kwargs == {"spec_path": str(spec_file)}


def test_a_missed_deadline_is_alerted_once(warehouse_engine, loopback, spec_file):
    context = {  # the shape the scheduler hands to deadline callbacks (Airflow 3.3)
        "dag_run": {"dag_id": "campaign__my_1212_2026", "dag_run_id": "scheduled__2026-12-11T17:00:00+00:00",
                    "data_interval_start": "2026-12-11T17:00:00Z", "logical_date": "2026-12-11T17:00:00Z"},
        "deadline": {"id": "d1", "deadline_time": "2026-12-11T18:50:00+00:00"},
    }
    first = record_deadline_miss(str(spec_file), context, engine=warehouse_engine)
    second = record_deadline_miss(str(spec_file), context, engine=warehouse_engine)
    assert first["queued"] == 2 and first["sent"] == 2 and second["queued"] == 0
    mail = loopback.smtp.messages[0]
    assert "missed its deadline" in mail.subject and "live phase" in mail.text
    assert "Sat 12 Dec 2026 02:50" in mail.text  # the deadline in campaign time
    assert outbox_counts(warehouse_engine) == {"sent": 2}


def test_the_async_callback_records_into_the_default_warehouse(loopback, spec_file, monkeypatch):
    import uuid

    from sqlalchemy import select

    from creator_ops.airflow.hooks import WarehouseHook
    from creator_ops.warehouse.schema import alert_outbox

    monkeypatch.delenv("AIRFLOW_CONN_CREATOR_OPS_WAREHOUSE", raising=False)  # the embedded SQLite
    run_id = f"scheduled__{uuid.uuid4().hex}"
    context = {"dag_run": {"dag_run_id": run_id, "data_interval_start": "2026-12-01T16:00:00Z"},
               "deadline": {"deadline_time": "2026-12-01T17:00:00Z"}}
    asyncio.run(deadline_missed_callback(spec_path=str(spec_file), context=context))
    with WarehouseHook().engine.connect() as conn:
        rows = conn.execute(select(alert_outbox.c.channel, alert_outbox.c.status).where(
            alert_outbox.c.alert_key == f"run_late:my_1212_2026:{run_id}")).all()
    assert sorted(rows) == [("email", "sent"), ("slack", "sent")]
    assert any(run_id in m.text for m in loopback.smtp.messages)
