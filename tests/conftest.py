"""Test set-up: an Airflow home of the tests' own, set before anything imports Airflow."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import os
import secrets
import shutil
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest
from repo_paths import DEMO_SPEC, INGEST_FIXTURES, ROOT

TEST_HOME = Path(os.environ.get("CREATOR_OPS_TEST_HOME", ROOT / ".airflow-test"))

os.environ["AIRFLOW_HOME"] = str(TEST_HOME)
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(ROOT / "dags")
os.environ["AIRFLOW__CORE__PLUGINS_FOLDER"] = str(ROOT / "plugins")
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__EXECUTOR"] = "LocalExecutor"
os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = f"sqlite:///{TEST_HOME / 'airflow.db'}"
os.environ.setdefault("CREATOR_OPS_OUTPUT_ROOT", str(TEST_HOME / "output"))
os.environ.setdefault("CREATOR_OPS_LANDING_ROOT", str(TEST_HOME / "landing"))
os.environ.setdefault("AIRFLOW_VAR_PII_HASH_KEY", "test-only-pii-key")
# one signing key for every API app a test builds, so tokens made by one are valid in another
os.environ.setdefault("AIRFLOW__API_AUTH__JWT_SECRET", secrets.token_hex(32))
TEST_HOME.mkdir(parents=True, exist_ok=True)
sys.path.insert(0, str(ROOT / "plugins"))

POSTGRES_URL = os.environ.get("CREATOR_OPS_TEST_PG", "postgresql+psycopg2://postgres@127.0.0.1:5432/creator_ops_test")



SLOW_SKIP = "slow: run with --runslow"


# Property tests are deterministic everywhere (derandomised: the examples follow from the test
# itself, so a run in CI finds what a developer's run finds). The default suite uses "ci"; the
# slow suite (`--runslow`, which `make test-slow` runs with the property tests) uses "wide":
# also derandomised, with WIDE_FACTOR times each test's own number of examples.
WIDE_FACTOR = 4


def _register_hypothesis_profiles() -> None:
    from hypothesis import settings

    settings.register_profile("ci", derandomize=True, deadline=None, database=None, print_blob=True)
    settings.register_profile("wide", settings.get_profile("ci"), max_examples=100 * WIDE_FACTOR)


def pytest_addoption(parser):
    parser.addoption("--runslow", action="store_true", default=False, help="run tests marked slow")


def pytest_configure(config):
    """Load the "ci" hypothesis profile, or "wide" for the slow suite, unless --hypothesis-profile names one."""
    from hypothesis import settings

    _register_hypothesis_profiles()
    if not config.getoption("hypothesis_profile", None):
        settings.load_profile("wide" if config.getoption("--runslow") else "ci")


def _widen_property_tests(items) -> None:
    """Give every property test WIDE_FACTOR times the examples its own @settings asks for."""
    from hypothesis import settings

    if settings.get_current_profile_name() != "wide":
        return
    widened: set[int] = set()
    for item in items:
        test = getattr(item, "obj", None)
        own = getattr(test, "_hypothesis_internal_use_settings", None)
        if own is None or id(test) in widened or own.max_examples >= settings.default.max_examples:
            continue
        widened.add(id(test))  # parametrized items share one function
        test._hypothesis_internal_use_settings = settings(own, max_examples=own.max_examples * WIDE_FACTOR)


def pytest_collection_modifyitems(config, items):
    if config.getoption("--runslow"):
        _widen_property_tests(items)
        return
    skip = pytest.mark.skip(reason=f"{SLOW_SKIP} (CI does)")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI a missing service or tool is a failure, not a skip: only the slow marker may skip there."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI") and report.skipped and isinstance(report.longrepr, tuple):
        reason = str(report.longrepr[2])
        if not reason.startswith(("Skipped: " + SLOW_SKIP, SLOW_SKIP)):
            report.outcome = "failed"
            report.longrepr = f"skipped in CI, which must run everything: {reason}"


@pytest.fixture(scope="session")
def airflow_db():
    """Reset the tests' Airflow metadata database once per session."""
    from airflow.utils import db

    db.resetdb()
    return TEST_HOME


def _postgres_ready(url: str) -> bool:
    from sqlalchemy import create_engine, text

    admin = url.rsplit("/", 1)[0] + "/postgres"
    try:
        engine = create_engine(admin, isolation_level="AUTOCOMMIT")
        name = url.rsplit("/", 1)[1]
        with engine.connect() as conn:
            exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar()
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        return True
    except Exception:  # any failure means "not available"
        return False


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def warehouse_engine(request, tmp_path):
    """A migrated, empty warehouse on SQLite (a temp file) and on PostgreSQL (a fresh schema)."""
    from sqlalchemy import text

    from creator_ops.warehouse.db import make_engine, upgrade

    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'warehouse.db'}")
        upgrade(engine)
        yield engine
        engine.dispose()
        return
    if not _postgres_ready(POSTGRES_URL):
        pytest.skip(f"PostgreSQL is not reachable at {POSTGRES_URL}")
    schema = f"t_{os.getpid()}_{abs(hash(request.node.nodeid)) % 10**8}"
    base = make_engine(POSTGRES_URL)
    with base.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    base.dispose()
    engine = make_engine(POSTGRES_URL + f"?options=-csearch_path%3D{schema}")
    upgrade(engine)
    yield engine
    engine.dispose()
    with base.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    base.dispose()


@pytest.fixture(scope="session")
def project_root() -> Path:
    """The repository's root folder."""
    return ROOT


@pytest.fixture(scope="session")
def demo_spec_path() -> Path:
    """The demo campaign's spec file (the 12.12 sale)."""
    return DEMO_SPEC


@pytest.fixture(scope="session")
def demo_spec(demo_spec_path):
    """The demo campaign's spec, loaded once per session."""
    from creator_ops.core.spec import load_spec

    return load_spec(demo_spec_path)


@pytest.fixture(scope="session")
def export_files(tmp_path_factory) -> dict[str, Path]:
    """Every ingestion fixture (text ones copied, binary ones generated) by file name."""
    spec = importlib.util.spec_from_file_location("ingest_binary_fixtures", INGEST_FIXTURES / "binary_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.write_binary_fixtures(tmp_path_factory.mktemp("exports"))


@pytest.fixture
def landing(tmp_path, monkeypatch, demo_spec):
    """A landing root for this test; `land(dataset, file, name=None)` drops a file into it."""
    root = tmp_path / "landing"
    monkeypatch.setenv("CREATOR_OPS_LANDING_ROOT", str(root))

    def land(dataset: str, source: Path, name: str | None = None) -> Path:
        target = root / demo_spec.id / dataset / (name or source.name)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        return target

    land.root = root
    land.spec = demo_spec
    return land


@pytest.fixture
def make_ctx(landing, demo_spec_path):
    """Build the StepContext of a live-phase run of the 12.12 campaign on a given warehouse engine."""
    from creator_ops.core.steps import StepContext

    def make(engine, run_id: str = "scheduled__2026-12-12T02:00:00+00:00"):
        start = dt.datetime(2026, 12, 12, 2, tzinfo=dt.UTC)
        return StepContext(
            spec=landing.spec,
            spec_path=demo_spec_path,
            run_id=run_id,
            interval_start=start,
            interval_end=start + dt.timedelta(hours=1),
            engine=engine,
        )

    return make


@contextmanager
def _hitl_api(specs: Path, warehouse: Path, output: Path):
    """Airflow's API app (all-admins) over a campaign folder and a SQLite warehouse, to answer HITL requests."""
    mp = pytest.MonkeyPatch()
    mp.setenv("CAMPAIGN_SPECS_DIR", str(specs))
    mp.setenv("CREATOR_OPS_OUTPUT_ROOT", str(output))
    mp.setenv("AIRFLOW_CONN_CREATOR_OPS_WAREHOUSE", json.dumps({"conn_type": "sqlite", "host": str(warehouse)}))
    mp.setenv("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS", "True")
    from airflow.api_fastapi.app import create_app, purge_cached_app
    from fastapi.testclient import TestClient

    purge_cached_app()
    try:
        with TestClient(create_app()) as client:
            yield client
    finally:
        purge_cached_app()
        mp.undo()


@pytest.fixture(scope="session")
def hitl_api():
    """`with hitl_api(specs, warehouse, output) as client:` the API app a HITL test answers through."""
    return _hitl_api


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """moto's S3 server on 127.0.0.1 at a free port (its own process), stopped at the end of the session."""
    from creator_ops.stand_ins.object_store import LoopbackS3

    server = LoopbackS3(buckets=(), log_path=tmp_path_factory.mktemp("moto") / "moto.log").start()
    yield server
    server.stop()


@pytest.fixture
def s3_bucket(s3_server, monkeypatch, request):
    """A fresh bucket on the loopback S3 server, with the storage connection and both roots set in it.

    Returns the server with `.bucket` (its name) and `.roots` (`CREATOR_OPS_*` variables set).
    """
    import re as _re

    bucket = "t-" + _re.sub(r"[^a-z0-9]+", "-", request.node.name.lower())[:40].strip("-") + f"-{secrets.token_hex(3)}"
    s3_server.client().create_bucket(Bucket=bucket)
    roots = s3_server.settings_env(bucket)
    for name, value in roots.items():
        monkeypatch.setenv(name, value)
    s3_server.bucket, s3_server.roots = bucket, roots
    yield s3_server
    client = s3_server.client()
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            client.delete_object(Bucket=bucket, Key=item["Key"])
    client.delete_bucket(Bucket=bucket)
