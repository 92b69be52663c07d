"""`WarehouseHook`: the campaign warehouse behind the Airflow connection `creator_ops_warehouse`."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from airflow.sdk.bases.hook import BaseHook
from airflow.sdk.exceptions import AirflowNotFoundException
from sqlalchemy import Engine

from creator_ops.core.settings import WAREHOUSE_CONN_ID
from creator_ops.warehouse import db


def connection_url(conn: Any) -> str:
    """Return a SQLAlchemy URL for an Airflow connection (postgres, sqlite, or a URL in extra)."""
    url = db.connection_url(
        conn.conn_type, host=conn.host, login=conn.login, password=conn.password, port=conn.port,
        schema=conn.schema, extra=conn.extra_dejson or {},
    )  # fmt: skip
    return url or conn.get_uri()


class WarehouseHook(BaseHook):
    """SQLAlchemy engine for the warehouse: the connection's URI, or the embedded SQLite default.

    The engine is made once per hook (operators cache their hook), and the warehouse is
    migrated only when it is behind (`warehouse.db.ensure_migrated`).
    """

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
            return db.default_url()
        return connection_url(conn)

    @cached_property
    def engine(self) -> Engine:
        engine = db.make_engine(self.get_url())
        db.ensure_migrated(engine)
        return engine
