"""Engines and migrations for the warehouse, on SQLite by default or PostgreSQL."""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import Engine, create_engine, event

from creator_ops.core.paths import PROJECT_ROOT

MIGRATIONS = Path(__file__).parent / "migrations"


def default_url() -> str:
    """Return the embedded default: a SQLite file beside the Airflow home (or the project)."""
    home = Path(os.environ.get("AIRFLOW_HOME") or PROJECT_ROOT / ".airflow")
    return f"sqlite:///{home / 'creator_ops_warehouse.db'}"


def normalize_url(url: str) -> str:
    """Map Airflow-style URIs (`postgres://`, `postgresql://`) to SQLAlchemy 2 dialect URLs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg2://" + url[len(prefix):]
    return url


def connection_url(
    conn_type: str | None,
    *,
    host: str | None = None,
    login: str | None = None,
    password: str | None = None,
    port: int | str | None = None,
    schema: str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> str | None:
    """Return the SQLAlchemy URL of an Airflow connection's fields (None: a type this cannot say).

    A SQLAlchemy URL in `extra.sqlalchemy_url` wins; `sqlite` uses the host as the file;
    `postgres` builds the URL with login and password URL-quoted (a password with `@` or `/`
    stays one password). The one builder of the hook, the UI and `campaignctl files`.
    """
    if extra and extra.get("sqlalchemy_url"):
        return str(extra["sqlalchemy_url"])
    if conn_type == "sqlite":
        return f"sqlite:///{host}"
    if conn_type in ("postgres", "postgresql"):
        auth = f"{quote(login or '', safe='')}{':' + quote(password, safe='') if password else ''}"
        address = f"{auth}@{host or ''}" if auth else host or ""
        return f"postgresql+psycopg2://{address}{f':{port}' if port else ''}/{schema or 'postgres'}"
    return None


def make_engine(url: str | None = None) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and a busy timeout for concurrent tasks."""
    url = normalize_url(url or default_url())
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1].split("?", 1)[0] if "///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 60})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:  # pragma: no cover - trivial
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def alembic_config(engine: Engine):
    """Return an Alembic config bound to `engine` and this package's migrations."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "heads") -> None:
    """Migrate the warehouse to `revision` (idempotent)."""
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


_migrated: set[str] = set()
_migrated_lock = threading.Lock()


def ensure_migrated(engine: Engine) -> None:
    """Migrate the warehouse only when it is behind this code's migrations; once per process and URL.

    The deploy's init and the demo migrate before any task runs, so a task's check is one
    read of the applied heads; a fresh embedded SQLite warehouse is migrated by its first task.
    """
    key = str(engine.url)
    with _migrated_lock:
        if key in _migrated:
            return
        if current_heads(engine) != script_heads():
            upgrade(engine)
        _migrated.add(key)


def script_heads() -> set[str]:
    """Return the heads of this package's migrations."""
    from alembic.script import ScriptDirectory

    return set(ScriptDirectory(str(MIGRATIONS)).get_heads())


def current_heads(engine: Engine) -> set[str]:
    """Return the warehouse's applied migration heads (empty if it was never migrated)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())
