"""Versioned warehouse migrations run up, down and up again on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from creator_ops.warehouse.db import alembic_config, current_heads, upgrade
from creator_ops.warehouse.schema import metadata


def _heads(engine) -> set[str]:
    return set(ScriptDirectory.from_config(alembic_config(engine)).get_heads())


def test_upgrade_creates_every_table_of_the_schema(warehouse_engine):
    assert current_heads(warehouse_engine) == _heads(warehouse_engine)
    tables = set(inspect(warehouse_engine).get_table_names())
    assert set(metadata.tables) <= tables


def test_columns_match_the_schema_module(warehouse_engine):
    inspector = inspect(warehouse_engine)
    for name, table in metadata.tables.items():
        actual = {c["name"] for c in inspector.get_columns(name)}
        assert {c.name for c in table.columns} == actual, name


def test_downgrade_and_upgrade_again_is_clean(warehouse_engine):
    command.downgrade(alembic_config(warehouse_engine), "base")
    assert current_heads(warehouse_engine) == set()
    assert not set(metadata.tables) & set(inspect(warehouse_engine).get_table_names())
    upgrade(warehouse_engine)
    upgrade(warehouse_engine)  # idempotent
    assert current_heads(warehouse_engine) == _heads(warehouse_engine)
