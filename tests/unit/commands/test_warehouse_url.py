"""One warehouse URL builder: the hook, the UI and `campaignctl files` read a connection the same way."""

from __future__ import annotations

import json

from sqlalchemy.engine import make_url

from creator_ops.commands.files import ENV_CONN, warehouse_url
from creator_ops.warehouse.db import connection_url

CONN = {"conn_type": "postgres", "host": "db.internal", "login": "ops", "password": "p@ss/w:rd%", "port": 5433,
        "schema": "warehouse"}  # fmt: skip


def test_a_password_with_url_characters_stays_one_password(monkeypatch):
    url = connection_url(CONN["conn_type"], **{k: v for k, v in CONN.items() if k != "conn_type"})
    parsed = make_url(url)
    assert (parsed.username, parsed.password, parsed.host, parsed.port, parsed.database) == (
        "ops", "p@ss/w:rd%", "db.internal", 5433, "warehouse",
    )  # fmt: skip
    monkeypatch.setenv(ENV_CONN, json.dumps(CONN))
    assert warehouse_url(None) == url  # campaignctl files reads the connection as the hook does


def test_sqlite_and_an_explicit_sqlalchemy_url():
    assert connection_url("sqlite", host="/data/wh.db") == "sqlite:////data/wh.db"
    assert connection_url("postgres", host="x", extra={"sqlalchemy_url": "sqlite:///a.db"}) == "sqlite:///a.db"
    assert connection_url("mysql", host="x") is None
