"""The data sets' text widths have one source: the registry (`FieldSpec.width`).

`warehouse.schema` builds every data set table's text column from its field's width, the reader
quarantines a longer value as too_long, and the versioned migrations (history, left as written)
create exactly those widths: the migrated warehouse needs no new migration for them.
"""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import String, Text, inspect

from creator_ops.core.ingest.datasets import SPECS
from creator_ops.warehouse.schema import metadata

# the warehouse table of each data set's rows (surveys: its responses)
TABLES = {name: spec.table for name, spec in SPECS.items() if spec.table}


def _text_fields():
    """Yield (data set, table, field) for every text field that is a column of its data set's table."""
    for name, table_name in TABLES.items():
        table = metadata.tables[table_name]
        for field in SPECS[name].fields:
            if field.duckdb_type == "VARCHAR" and field.column in table.c:  # text, hashes included
                yield name, table, field


def test_every_text_column_of_a_data_set_is_as_wide_as_its_registry_field():
    checked = 0
    for name, table, field in _text_fields():
        column_type = table.c[field.column].type
        if field.width is None:
            assert isinstance(column_type, Text), (name, field.column, column_type)
        else:
            assert isinstance(column_type, String) and not isinstance(column_type, Text), (name, field.column)
            assert column_type.length == field.width, (name, field.column, column_type.length, field.width)
        checked += 1
    assert checked >= 30  # every data set table: ids, statuses, categories, hashes, names


def test_the_migrated_warehouse_has_the_registry_widths_and_needs_no_migration(warehouse_engine):
    inspector = inspect(warehouse_engine)
    for name, table, field in _text_fields():
        stored = {c["name"]: c["type"] for c in inspector.get_columns(table.name)}[field.column]
        assert getattr(stored, "length", None) == field.width, (name, table.name, field.column, stored)
    with warehouse_engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs = compare_metadata(context, metadata)
    assert diffs == []
