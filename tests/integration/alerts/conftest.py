"""Fixtures for the alert tests: loopback Slack and SMTP servers and a campaign spec pointing at them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from creator_ops.core.spec import parse_spec
from creator_ops.demo.loopback import LoopbackServers

NOW = dt.datetime(2026, 12, 8, 1, 0, tzinfo=dt.UTC)


@pytest.fixture
def loopback(monkeypatch):
    """Slack stand-in and aiosmtpd on free loopback ports, with AIRFLOW_CONN_* set for them."""
    servers = LoopbackServers(slack_timeout=1, max_lifetime=300).start()
    for name, value in servers.connection_env().items():
        monkeypatch.setenv(name, value)
    yield servers
    servers.stop()


def spec_data(**overrides):
    data = {
        "id": "my_1212_2026",
        "name": "12.12 Year-End Mega Sale 2026",
        "type": "double_digit",
        "timeline": {"event_start": dt.date(2026, 12, 12)},
        "targets": {"creators_enrolled": 100, "gmv_myr": Decimal("10000"), "survey_responses": 10},
        "milestones": [
            {"metric": "creators_enrolled", "fractions": [Decimal("0.5"), Decimal("1.0")]},
            {"metric": "gmv_myr", "fractions": [Decimal("0.5")]},
            {"before": "registration_closes", "hours": 48},
        ],
        "alerts": {
            "slack_conn_id": "slack_creator_ops",
            "smtp_conn_id": "smtp_creator_ops",
            "email_to": ["creator-ops-my@example.com"],
        },
        "quality": {"max_quarantine_share": Decimal("0.05")},
    }
    data.update(overrides)
    return data


@pytest.fixture
def spec():
    return parse_spec(spec_data(), "test.yaml")
