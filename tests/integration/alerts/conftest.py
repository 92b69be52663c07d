"""Fixtures for the alert tests: loopback Slack and SMTP servers and a campaign spec pointing at them."""

from __future__ import annotations

import datetime as dt

import pytest
from alert_specs import spec_data

from creator_ops.core.spec import parse_spec
from creator_ops.stand_ins.loopback import LoopbackServers

NOW = dt.datetime(2026, 12, 8, 1, 0, tzinfo=dt.UTC)


@pytest.fixture
def loopback(monkeypatch):
    """Slack stand-in and aiosmtpd on free loopback ports, with AIRFLOW_CONN_* set for them."""
    servers = LoopbackServers(slack_timeout=1, max_lifetime=300).start()
    for name, value in servers.connection_env().items():
        monkeypatch.setenv(name, value)
    yield servers
    servers.stop()


@pytest.fixture
def spec():
    return parse_spec(spec_data(), "test.yaml")
