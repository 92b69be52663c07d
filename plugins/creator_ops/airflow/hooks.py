"""`WarehouseHook`: the campaign warehouse behind the Airflow connection `creator_ops_warehouse`."""

from __future__ import annotations

from functools import cached_property
from typing import Any
from urllib.parse import quote

from airflow.sdk.bases.hook import BaseHook
from airflow.sdk.exceptions import AirflowNotFoundException
from sqlalchemy import Engine

from creator_ops.core.settings import WAREHOUSE_CONN_ID
from creator_ops.warehouse.db import default_url, make_engine, upgrade


def connection_url(conn: Any) -> str:
    """Return a SQLAlchemy URL for an Airflow connection (postgres, sqlite, or a URL in extra)."""
    extra = conn.extra_dejson or {}
    if extra.get("sqlalchemy_url"):
        return str(extra["sqlalchemy_url"])
    if conn.conn_type == "sqlite":
        return f"sqlite:///{conn.host}"
    if conn.conn_type in ("postgres", "postgresql"):
        auth = f"{quote(conn.login or '')}{':' + quote(conn.password) if conn.password else ''}"
        host = f"{auth}@{conn.host}" if auth else conn.host or ""
        port = f":{conn.port}" if conn.port else ""
        return f"postgresql+psycopg2://{host}{port}/{conn.schema or 'postgres'}"
    return conn.get_uri()


class WarehouseHook(BaseHook):
    """SQLAlchemy engine for the warehouse: the connection's URI, or the embedded SQLite default."""

    conn_name_attr = "warehouse_conn_id"
    default_conn_name = WAREHOUSE_CONN_ID
    conn_type = "generic"
    hook_name = "Creator ops warehouse"

    def __init__(self, warehouse_conn_id: str = default_conn_name) -> None:
        super().__init__()
        self.warehouse_conn_id = warehouse_conn_id

    def get_url(self) -> str:
        try:
            conn = self.get_connection(self.warehouse_conn_id)
        except AirflowNotFoundException:
            self.log.info("No connection %r: using the embedded SQLite warehouse", self.warehouse_conn_id)
            return default_url()
        return connection_url(conn)

    @cached_property
    def engine(self) -> Engine:
        engine = make_engine(self.get_url())
        upgrade(engine)
        return engine
