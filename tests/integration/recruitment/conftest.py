"""Fixtures of the recruitment integration tests: a loopback fake of the platform's open API."""

from __future__ import annotations

import pytest

from creator_ops.stand_ins.open_api import start_fake_platform


@pytest.fixture
def fake_platform():
    """The fake API on 127.0.0.1; it stops at the end of the test (or by itself after two minutes)."""
    platform, stop = start_fake_platform()
    try:
        yield platform
    finally:
        stop()


@pytest.fixture
def roots(tmp_path, monkeypatch):
    """Output and landing roots of this test's own, under tmp_path."""
    monkeypatch.setenv("CREATOR_OPS_OUTPUT_ROOT", str(tmp_path / "output"))
    monkeypatch.setenv("CREATOR_OPS_LANDING_ROOT", str(tmp_path / "landing"))
    return tmp_path
