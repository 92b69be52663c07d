"""Fixtures of the ingestion tests: the messy and broken export files, written once per session."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from repo_paths import INGEST_FIXTURES as FIXTURES


def _binary_fixtures_module():
    spec = importlib.util.spec_from_file_location("ingest_binary_fixtures", FIXTURES / "binary_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def export_files(tmp_path_factory) -> dict[str, Path]:
    """Every ingestion fixture (text ones copied, binary ones generated) by file name."""
    return _binary_fixtures_module().write_binary_fixtures(tmp_path_factory.mktemp("exports"))
