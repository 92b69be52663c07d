"""Nothing outside the registry names a data set's columns, types or widths (issue 29, STYLE 13).

The registry (`core.ingest.datasets`, one `DatasetSpec` per data set) gives every reader its
columns, DuckDB and Arrow types, text widths and the "row landed last" rule. Two guards:

- at run time, every DuckDB relation the payout engine, the review and the experiments read is
  exactly the registry's columns and types of its data set (a hand-typed list would drift);
- in the source, no module outside the registry types a data set's columns (a (column, type)
  table, a kind-to-type map, a width table, `name=type` keywords) or repeats a data set's whole
  column list.
"""

from __future__ import annotations

import ast
from pathlib import Path

import duckdb
import pytest

from creator_ops.core.ingest.datasets import DUCKDB_TYPES, SPECS
from creator_ops.core.payouts import INPUT_COLUMNS, register_input
from creator_ops.core.review.experiments import register_experiment_tables
from creator_ops.core.review.figures import ReviewInputs, register_review_tables

PLUGINS = Path(__file__).resolve().parents[3] / "plugins" / "creator_ops"
REGISTRY = PLUGINS / "core" / "ingest" / "datasets.py"
TYPE_NAMES = {*DUCKDB_TYPES.values(), "VARCHAR", "str", "int", "ts", "bool", "timestamp"}
FIELDS = {f.column for spec in SPECS.values() for f in spec.fields}
KINDS = {f.kind for spec in SPECS.values() for f in spec.fields}

# DuckDB relation -> the data set whose registry columns it holds
RELATIONS = {
    "orders": "orders",
    "enrollments": "enrollments",
    "exclusions": "exclusions",
    "invitations": "invitations",
    "samples": "samples",
    "products": "products",
    "content": "content",
    "exp_creators": "creators",
    "exp_traffic": "traffic",
    "exp_pairs": "matchmaking",
    "exp_ghost_pairs": "matchmaking",
}


def _relations(inputs: ReviewInputs) -> dict[str, list[tuple[str, str]]]:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    for name in INPUT_COLUMNS:
        register_input(con, name, getattr(inputs, name))
    register_review_tables(con, inputs)
    register_experiment_tables(con, inputs.creators, inputs.traffic, inputs.matchmaking, inputs.matchmaking_ghosts)
    return {name: [(r[0], r[1]) for r in con.execute(f"DESCRIBE {name}").fetchall()] for name in RELATIONS}


def _registry(dataset: str) -> list[tuple[str, str]]:
    spelled = {"TIMESTAMPTZ": "TIMESTAMP WITH TIME ZONE"}  # as DuckDB's DESCRIBE spells it
    return [(column, spelled.get(kind, kind)) for column, kind, _ in SPECS[dataset].duckdb_columns()]


def test_every_duckdb_relation_is_its_data_sets_registry_columns_and_types():
    from tests.unit.review.review_builders import campaign_inputs

    for inputs in (ReviewInputs(orders=None, enrollments=None), campaign_inputs()):
        for relation, columns in _relations(inputs).items():
            assert columns == _registry(RELATIONS[relation]), relation


def test_the_payout_inputs_are_the_payout_data_sets_of_the_registry():
    for name, columns in INPUT_COLUMNS.items():
        assert "payouts" in SPECS[name].read_by
        assert [(c, t) for c, t, _ in columns] == [(c, t) for c, t, _ in SPECS[name].duckdb_columns()]
        # required: what a file of the data set must have (the others may be absent: NULL)
        assert {c for c, _, r in columns if r} == {f.column for f in SPECS[name].fields if f.required}


def test_a_consumer_can_only_require_a_stored_column_of_the_registry():
    with pytest.raises(KeyError, match="stores no"):
        SPECS["samples"].duckdb_columns(("sample_id", "colour"))


def _strings(nodes) -> list[str]:
    return [n.value for n in nodes if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def _is_type(node: ast.AST) -> bool:
    """A type's name ("BIGINT", "int") or an Arrow type (`pa.int64()`)."""
    if isinstance(node, ast.Constant):
        return node.value in TYPE_NAMES
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and getattr(node.func.value, "id", "") == "pa"


def _typed_columns(tree: ast.AST) -> list[tuple[int, str]]:
    """Return (line, what) of every place that types or sizes a data set's columns, or copies a whole list."""
    whole = {frozenset(s.stored_fields) for s in SPECS.values() if len(s.stored_fields) >= 3}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Tuple | ast.List):
            names = _strings(node.elts)
            if len(names) >= 2 and names[0] in FIELDS and names[1] in TYPE_NAMES:
                found.append((node.lineno, f"a typed column {names[:2]}"))
            elif len(names) == len(node.elts) >= 3 and frozenset(names) in whole:
                found.append((node.lineno, f"a data set's whole column list {names}"))
        elif isinstance(node, ast.Dict):
            keys = _strings(node.keys)
            if len(keys) >= 3 and set(keys) <= KINDS and all(_is_type(v) for v in node.values):
                found.append((node.lineno, f"a kind-to-type map {keys}"))
            ints = [v for v in node.values if isinstance(v, ast.Constant) and type(v.value) is int]
            if len(keys) >= 3 and set(keys) <= FIELDS and len(ints) == len(keys):
                found.append((node.lineno, f"a width table {keys}"))
        elif isinstance(node, ast.Call):
            typed = [k.arg for k in node.keywords if k.arg in FIELDS and _is_type(k.value)]
            if len(typed) >= 2:
                found.append((node.lineno, f"name=type keywords {typed}"))
    return found


def test_no_module_outside_the_registry_types_a_data_sets_columns():
    offenders = []
    for path in sorted(PLUGINS.rglob("*.py")):
        if path == REGISTRY or "migrations" in path.parts:  # migrations are history, as written
            continue
        for line, what in _typed_columns(ast.parse(path.read_text(encoding="utf-8"))):
            offenders.append(f"{path.relative_to(PLUGINS)}:{line}: {what}")
    assert offenders == []


def test_the_guard_sees_the_copies_issue_29_removed():
    old = '''
RULE_COLUMNS = {"orders": ("order_id", "line_id", "creator_id", "order_time", "status", "gmv_sen")}
DUCKDB_TYPES = {"money": "BIGINT", "count": "BIGINT", "integer": "BIGINT", "timestamp": "TIMESTAMPTZ"}
NULLS = {"money": pa.int64(), "count": pa.int64(), "timestamp": pa.timestamp("us", "UTC")}
REVIEW_COLUMNS = {"invitations": (("creator_id", "VARCHAR", True), ("invited_at", "TIMESTAMPTZ", False))}
MAX_LENGTH = {"order_id": 200, "line_id": 200, "creator_id": 200, "status": 40}
PRODUCTS = _schema(product_id="str", name="str", category="str", price_sen="int")
SAMPLE_COLUMNS = ("sample_id", "creator_id", "product_id", "requested_at", "status", "shipped_at")
'''
    kinds = [what.split(" [")[0] for _, what in _typed_columns(ast.parse(old))]
    assert sorted(set(kinds)) == [
        "a data set's whole column list",
        "a kind-to-type map",
        "a typed column",
        "a width table",
        "name=type keywords",
    ]
