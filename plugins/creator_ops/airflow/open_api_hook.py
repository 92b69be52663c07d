"""`OpenApiHook`: the platform's open API behind the Airflow connection `creator_marketplace_api`.

The connection holds everything secret: host = base URL (`https://open-api.example.com`,
or a bare host name with `extra.scheme`), login = app key, password = app secret, and in
extra: `shop_id` (required), optional `access_token`, `rate_per_second` (default 50),
`timeout` (seconds). The client itself (signing, rate limit, retries, pagination) lives
in `creator_ops.core.open_api`.
"""

from __future__ import annotations

from typing import Any

from airflow.sdk.bases.hook import BaseHook
from airflow.sdk.exceptions import AirflowNotFoundException

from creator_ops.core.open_api import RATE_LIMIT_PER_SECOND, OpenApiClient, OpenApiConfig


class OpenApiHook(BaseHook):
    """Build a signed, rate-limited `OpenApiClient` from an Airflow connection."""

    conn_name_attr = "open_api_conn_id"
    default_conn_name = "creator_marketplace_api"
    conn_type = "http"
    hook_name = "Creator marketplace open API"

    def __init__(self, open_api_conn_id: str = default_conn_name) -> None:
        super().__init__()
        self.open_api_conn_id = open_api_conn_id

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        """Label the connection form's fields with what they mean here."""
        return {
            "hidden_fields": ["schema"],
            "relabeling": {"host": "Base URL", "login": "App key", "password": "App secret"},
            "placeholders": {"extra": '{"shop_id": "7495…", "access_token": "…"}'},
        }

    @classmethod
    def connection_exists(cls, conn_id: str = default_conn_name) -> bool:
        """Return True when the connection is defined (the API is then a candidate source)."""
        try:
            cls.get_connection(conn_id)
        except AirflowNotFoundException:
            return False
        return True

    def _get_conn_params(self) -> OpenApiConfig:
        conn = self.get_connection(self.open_api_conn_id)
        extra = conn.extra_dejson
        host = (conn.host or "").strip().rstrip("/")
        if not host:
            raise ValueError(f"connection {self.open_api_conn_id!r} has no host (the API's base URL)")
        if "://" not in host:
            host = f"{extra.get('scheme', 'https')}://{host}"
        if conn.port:
            host = f"{host}:{conn.port}"
        missing = [
            name
            for name, value in (
                ("login (app key)", conn.login),
                ("password (app secret)", conn.password),
                ("extra.shop_id", extra.get("shop_id")),
            )
            if not value
        ]
        if missing:
            raise ValueError(f"connection {self.open_api_conn_id!r} lacks {', '.join(missing)}")
        return OpenApiConfig(
            base_url=host,
            app_key=conn.login,
            app_secret=conn.password,
            shop_id=str(extra["shop_id"]),
            access_token=extra.get("access_token") or None,
            timeout=float(extra.get("timeout", 30)),
            rate_per_second=float(extra.get("rate_per_second", RATE_LIMIT_PER_SECOND)),
        )

    def get_conn(self) -> OpenApiClient:
        """Return a client for the connection's app and shop."""
        return OpenApiClient(self._get_conn_params())
