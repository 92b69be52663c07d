"""Runbook sign-offs have a response deadline: unanswered, they escalate by alert and then fail visibly."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from repo_paths import DEMO_SPEC as SPEC_FILE
from sqlalchemy import select

from creator_ops.core.calendar import next_phase_boundary, signoff_deadline
from creator_ops.core.spec import SpecError, load_spec, parse_spec

KL = dt.timezone(dt.timedelta(hours=8))


def test_the_default_deadline_is_the_next_phase_boundary_and_respond_by_overrides_it():
    spec = load_spec(SPEC_FILE)
    step = spec.runbook[0]  # BD sign-off, due event_start - 5d (7 Dec)
    due = spec.when(step.due)
    assert signoff_deadline(spec.timeline, due, None) == spec.timeline.registration_closes
    after_close = spec.timeline.registration_closes + dt.timedelta(hours=1)
    assert signoff_deadline(spec.timeline, after_close, None) == spec.timeline.event_start
    after_all = spec.timeline.payout_date + dt.timedelta(hours=1)
    assert next_phase_boundary(spec.timeline, after_all) is None
    assert signoff_deadline(spec.timeline, after_all, None) == after_all + dt.timedelta(days=1)
    respond_by = dt.datetime(2026, 12, 8, 12, tzinfo=KL)
    assert signoff_deadline(spec.timeline, due, respond_by) == respond_by


def test_respond_by_must_follow_due():
    data = load_spec_data()
    data["runbook"][0]["respond_by"] = "event_start - 6d"  # before its due (event_start - 5d)
    with pytest.raises(SpecError, match=r"runbook\[0\]\.respond_by: must be after due"):
        parse_spec(data, "x.yaml")
    data["runbook"][0]["respond_by"] = "event_start - 1d"
    assert parse_spec(data, "x.yaml").runbook[0].respond_by == "event_start - 1d"


def load_spec_data() -> dict:
    from creator_ops.core.spec import load_yaml

    return load_yaml(SPEC_FILE.read_text(encoding="utf-8"))


@pytest.mark.integration
def test_a_timed_out_signoff_escalates_by_alert_and_fails(warehouse_engine, tmp_path):
    from airflow.sdk.exceptions import AirflowFailException

    from creator_ops.airflow import operators
    from creator_ops.core.steps import StepContext
    from creator_ops.warehouse.schema import alert_outbox

    spec = load_spec(SPEC_FILE)
    operator = operators.RunbookSignoffOperator(
        task_id="bd_matchmaking_signoff",
        spec_path=str(SPEC_FILE),
        step_id="bd_matchmaking_signoff",
        due=spec.when(spec.runbook[0].due),
        subject="BD sign-off",
    )
    start = dt.datetime(2026, 12, 6, 16, tzinfo=dt.UTC)
    ctx = StepContext(
        spec=spec, spec_path=SPEC_FILE, run_id="scheduled__2026-12-06T16:00:00+00:00",
        interval_start=start, interval_end=start + dt.timedelta(days=1), engine=warehouse_engine,
    )
    timeout_event = {"error": "timeout", "error_type": "timeout", "chosen_options": None, "params_input": None}
    with mock.patch.object(operators, "step_context", return_value=ctx), pytest.raises(AirflowFailException) as failed:
        operator.execute_complete({"run_id": ctx.run_id}, timeout_event)
    assert "got no answer" in str(failed.value) and "escalated by alert" in str(failed.value)
    with warehouse_engine.connect() as conn:
        rows = conn.execute(select(alert_outbox).where(alert_outbox.c.kind == "signoff_overdue")).fetchall()
    assert {r.channel for r in rows} == {"slack", "email"}
    assert all("BD confirms the product matchmaking list" in r.subject for r in rows)
    assert all("business-development" in r.payload_json and "Wed 09 Dec 2026 23:59" in r.payload_json for r in rows)
    # the same timeout handled again (a retry) escalates once
    with mock.patch.object(operators, "step_context", return_value=ctx), pytest.raises(AirflowFailException):
        operator.execute_complete({"run_id": ctx.run_id}, timeout_event)
    with warehouse_engine.connect() as conn:
        again = conn.execute(select(alert_outbox).where(alert_outbox.c.kind == "signoff_overdue")).fetchall()
    assert len(again) == len(rows)


def _raise_with_pii(ctx):
    raise ValueError("could not reach siti.aminah@example.com or 012-345 6789")


@pytest.mark.integration
def test_a_failing_step_leaves_no_personal_data_in_its_error():
    from creator_ops.airflow import operators
    from creator_ops.core.calendar import Phase

    operator = operators.CampaignStepOperator(
        task_id="t", spec_path=str(SPEC_FILE), step=f"{__name__}:_raise_with_pii", phases=list(Phase)
    )
    start = dt.datetime(2026, 12, 12, 2, tzinfo=dt.UTC)
    context = {"data_interval_start": start, "data_interval_end": start + dt.timedelta(hours=1), "run_id": "r"}
    with (
        mock.patch.object(operators, "step_context", return_value=mock.MagicMock()),
        mock.patch.object(operators, "_import_step", return_value=_raise_with_pii),
        pytest.raises(ValueError) as raised,
    ):
        operator.execute(context)
    assert str(raised.value) == "could not reach [email hidden] or [phone hidden]"
