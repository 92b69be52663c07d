"""The run deadline from the environment (fractional minutes) and its wiring into every campaign DAG."""

from __future__ import annotations

import datetime as dt

import pytest
from repo_paths import DEMO_SPEC as SPEC

from creator_ops.airflow.dag_builder import build_campaign_dag
from creator_ops.airflow.notifiers import DEFAULT_RUN_DEADLINE, run_deadline
from creator_ops.core.spec import load_spec

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, DEFAULT_RUN_DEADLINE),
        ("", DEFAULT_RUN_DEADLINE),
        ("30", dt.timedelta(minutes=30)),
        (" 0.75 ", dt.timedelta(seconds=45)),
        ("0.1", dt.timedelta(seconds=6)),  # exact: Decimal, not 0.1 as a binary float
        ("1e1", dt.timedelta(minutes=10)),
    ],
)
def test_run_deadline_reads_whole_or_fractional_minutes(monkeypatch, raw, expected):
    if raw is None:
        monkeypatch.delenv("CREATOR_OPS_RUN_DEADLINE_MINUTES", raising=False)
    else:
        monkeypatch.setenv("CREATOR_OPS_RUN_DEADLINE_MINUTES", raw)
    assert run_deadline() == expected


@pytest.mark.parametrize("raw", ["soon", "0", "-5", "nan", "inf"])
def test_run_deadline_refuses_what_is_not_a_positive_duration(monkeypatch, raw):
    monkeypatch.setenv("CREATOR_OPS_RUN_DEADLINE_MINUTES", raw)
    with pytest.raises(ValueError, match="CREATOR_OPS_RUN_DEADLINE_MINUTES"):
        run_deadline()


def test_the_campaign_dag_carries_the_deadline_only_when_switched_on(monkeypatch):
    spec = load_spec(SPEC)
    monkeypatch.delenv("CREATOR_OPS_DEADLINE_ALERTS", raising=False)
    assert not build_campaign_dag(spec, SPEC).deadline

    monkeypatch.setenv("CREATOR_OPS_DEADLINE_ALERTS", "true")
    monkeypatch.setenv("CREATOR_OPS_RUN_DEADLINE_MINUTES", "0.5")
    (alert,) = build_campaign_dag(spec, SPEC).deadline
    assert alert.interval == dt.timedelta(seconds=30)
    assert alert.callback.path == "creator_ops.airflow.notifiers.deadline_missed_callback"
    assert alert.callback.kwargs == {"spec_path": str(SPEC)}
