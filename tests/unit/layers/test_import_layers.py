"""The layers as the README draws them, checked on every import statement (module level or inside functions).

core/ is plain Python: no Airflow, no warehouse, no steps, no demo, and no SQL (SQLAlchemy
only for type hints). steps/ never imports Airflow (Airflow-provided things are passed in
from creator_ops.airflow) and holds no SQL: it reaches the warehouse through warehouse/'s
functions, never its schema, its upserts or bulk loads, and SQLAlchemy only for type hints.
The UI (airflow/ui/) reads the warehouse through warehouse/'s functions too, never its schema
(SQLAlchemy stays allowed there: Airflow's own metadata is read with it). warehouse/ knows no
Airflow. bench/ measures the product, so it imports neither the demo nor the tests. The warehouse
stores and reads only: it imports neither the figures layer (figures/, which computes every
campaign figure over what the warehouse reads) nor the domain's computations (payout sessions,
the review's, the ecosystem's and the projection's figures). What it may take from core at run
time is an explicit allow-list (`WAREHOUSE_FROM_CORE`: value shapes, the registry, vocabularies,
serialisers, errors, times, masking, paths, money formatting), so a new import of a domain
computation fails here; type hints may name any core shape.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from repo_paths import ROOT

PACKAGE = ROOT / "plugins" / "creator_ops"

# the warehouse's own machinery: the layers above it call warehouse/ functions instead
WAREHOUSE_INTERNALS = ("creator_ops.warehouse.schema", "creator_ops.warehouse.upsert", "creator_ops.warehouse.bulk")
FIGURES_LAYER = ("creator_ops.figures",)
DOMAIN_COMPUTATION = (
    "creator_ops.core.payouts.PayoutSession", "creator_ops.core.payouts.calculate_payouts",
    "creator_ops.core.payouts.calculate_for_spec", "creator_ops.core.review.figures", "creator_ops.core.review.compute_review",
    "creator_ops.core.ecosystem",
)  # fmt: skip
# layer folder -> (import prefixes it never uses, prefixes it may use only for type hints)
FORBIDDEN: dict[Path, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # core is below the figures layer: the review's figures and the funnel's one definition live in core,
    # the figures layer calls them (it reads the warehouse, which core never imports)
    PACKAGE / "core": (
        ("airflow", "creator_ops.airflow", "creator_ops.warehouse", "creator_ops.steps", "creator_ops.demo",
         *FIGURES_LAYER),
        ("sqlalchemy",),
    ),
    PACKAGE / "steps": (
        ("airflow", "creator_ops.airflow", "creator_ops.demo", *WAREHOUSE_INTERNALS),
        ("sqlalchemy",),
    ),
    PACKAGE / "airflow" / "ui": (WAREHOUSE_INTERNALS, ()),
    # the warehouse stores and reads: no figures layer, no domain computation (payout sessions, the
    # review's and the ecosystem's figures, the projection); value shapes and serialisers stay allowed
    PACKAGE / "warehouse": (
        ("airflow", "creator_ops.airflow", "creator_ops.steps", "creator_ops.demo", *FIGURES_LAYER,
         *DOMAIN_COMPUTATION),
        ("creator_ops.core.projection",),
    ),
    # the figures layer computes over what the warehouse reads, through its functions
    PACKAGE / "figures": (
        ("airflow", "creator_ops.airflow", "creator_ops.steps", "creator_ops.demo", *WAREHOUSE_INTERNALS),
        ("sqlalchemy",),
    ),
    ROOT / "bench": (("creator_ops.demo", "tests", "conftest"), ()),
}


# What warehouse/ may import from creator_ops.core at run time, with why. An entry is a module (it and
# everything in it) or one name in a module (that name only: the module also holds computations).
WAREHOUSE_FROM_CORE: dict[str, str] = {
    "creator_ops.core.errors": "errors the warehouse raises",
    "creator_ops.core.times": "UTC stamps in and out of the database",
    "creator_ops.core.calendar": "times: a campaign's run intervals (which stored snapshot a moment falls in)",
    "creator_ops.core.masking": "what is stored or logged is masked the one way",
    "creator_ops.core.paths": "where the migrations and SQL files are",
    "creator_ops.core.money": "money formatting of stored sen",
    "creator_ops.core.ingest.datasets": "the registry: every data set's columns, types and keys",
    "creator_ops.core.order_status": "the order-status vocabulary",
    "creator_ops.core.samples": "the sample-status vocabulary",
    "creator_ops.core.spec": "the campaign spec: the value every record is keyed by; campaigns.spec_json holds it",
    "creator_ops.core.review.values": "serialisers of the stored review blocks (Money, Ratio)",
    "creator_ops.core.finance.crypto": "serialiser: payee identity is stored encrypted",
    "creator_ops.core.alerts": "the alert's shape and the outbox's delivery rules (the outbox renders and retries)",
    "creator_ops.core.problems.PAYOUT_APPROVAL_WAIT": "a constant the waiting-approvals query filters by",
    "creator_ops.core.payouts.PayoutInputs": "value shape: the payout inputs the warehouse reads",
    "creator_ops.core.payouts.INPUT_COLUMNS": "value shape: the payout inputs' columns",
    "creator_ops.core.payouts.inputs_digest": "serialiser: the sha256 naming the inputs read",
    "creator_ops.core.review.ReviewInputs": "value shape: the review inputs the warehouse reads",
    "creator_ops.core.recruitment.Candidate": "value shape: a stored recruitment candidate",
    "creator_ops.core.matchmaking.MatchCreator": "value shape: a stored matchmaking candidate",
    "creator_ops.core.finance.payees.Payee": "value shape: a stored payee",
    "creator_ops.core.finance.payees.payee_from_stored": "serialiser: a payee from its stored row",
    "creator_ops.core.finance.payees.mask_identifier": "masking of a stored identifier",
}


def _type_checking_block(node: ast.AST) -> bool:
    test = getattr(node, "test", None)
    return isinstance(node, ast.If) and (
        (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
        or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")
    )


def imported_modules(path: Path) -> list[tuple[int, str, bool]]:
    """Return (line, module, for type hints only) for every import in the file, wherever it stands."""
    found: list[tuple[int, str, bool]] = []

    def visit(node: ast.AST, type_only: bool) -> None:
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name, type_only) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from creator_ops import demo` imports creator_ops.demo: check every name too
            names = [f"{node.module}.{alias.name}" for alias in node.names]
            found.extend((node.lineno, name, type_only) for name in [node.module, *names])
        for child in ast.iter_child_nodes(node):
            visit(child, type_only or _type_checking_block(node))

    visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)), False)
    return found


def _matches(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == prefix or module.startswith(prefix + ".") for prefix in prefixes)


def violations(layer: Path, banned: tuple[str, ...], typing_only: tuple[str, ...] = (), root: Path = ROOT) -> list[str]:
    """Return one line per import statement in `layer` against its rules."""
    problems = set()
    for path in sorted(layer.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for line, module, type_only in imported_modules(path):
            if _matches(module, banned) or (not type_only and _matches(module, typing_only)):
                problems.add((str(path.relative_to(root)), line))
    return [f"{name}:{line}" for name, line in sorted(problems)]


def runtime_imports(path: Path) -> list[tuple[int, str]]:
    """Return (line, what is imported) for every import not only for type hints: `module` or `module.name`."""
    found: list[tuple[int, str]] = []

    def visit(node: ast.AST, type_only: bool) -> None:
        if not type_only and isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif not type_only and isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.extend((node.lineno, f"{node.module}.{alias.name}") for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child, type_only or _type_checking_block(node))

    visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)), False)
    return found


def outside_allow_list(layer: Path, prefix: str, allowed: dict[str, str], root: Path = ROOT) -> list[str]:
    """Return `file:line what` for every run-time import under `prefix` that no entry of `allowed` covers."""
    problems = set()
    for path in sorted(layer.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for line, name in runtime_imports(path):
            if _matches(name, (prefix,)) and not _matches(name, tuple(allowed)):
                problems.add((str(path.relative_to(root)), line, name))
    return [f"{name}:{line} {what}" for name, line, what in sorted(problems)]


@pytest.mark.parametrize("layer", sorted(FORBIDDEN), ids=lambda p: str(p.relative_to(ROOT)))
def test_layer_imports_only_what_it_may(layer):
    assert violations(layer, *FORBIDDEN[layer]) == []


def test_the_check_sees_every_kind_of_import(tmp_path):
    (tmp_path / "sample.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "import airflowish\n"
        "from creator_ops import steps\n"
        "if TYPE_CHECKING:\n"
        "    from sqlalchemy import Engine\n"
        "    from airflow.models import DAG\n"
        "def f():\n"
        "    from airflow.sdk import Variable\n"
        "    import sqlalchemy\n",
        encoding="utf-8",
    )
    found = violations(tmp_path, ("airflow", "creator_ops.steps"), ("sqlalchemy",), root=tmp_path)
    assert found == ["sample.py:3", "sample.py:6", "sample.py:8", "sample.py:9"]


def test_the_warehouse_takes_from_core_only_shapes_vocabularies_and_serialisers():
    """STYLE 16: the warehouse stores and reads; a domain computation it would import fails here."""
    assert outside_allow_list(PACKAGE / "warehouse", "creator_ops.core", WAREHOUSE_FROM_CORE) == []


def test_the_allow_list_sees_modules_names_and_type_hints(tmp_path):
    (tmp_path / "sample.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "from creator_ops.core.times import utc\n"
        "from creator_ops.core.experiments import group_of\n"
        "from creator_ops.core.payouts import PayoutInputs, calculate_for_spec\n"
        "from creator_ops.core import money, review\n"
        "import creator_ops.core.ecosystem\n"
        "if TYPE_CHECKING:\n"
        "    from creator_ops.core.payouts import PayoutResult\n"
        "def f():\n"
        "    from creator_ops.core.review.values import dumps\n"
        "    from creator_ops.core.review import compute_review\n",
        encoding="utf-8",
    )
    allowed = {"creator_ops.core.times": "", "creator_ops.core.money": "", "creator_ops.core.review.values": "",
               "creator_ops.core.payouts.PayoutInputs": ""}  # fmt: skip
    assert outside_allow_list(tmp_path, "creator_ops.core", allowed, root=tmp_path) == [
        "sample.py:3 creator_ops.core.experiments.group_of",
        "sample.py:4 creator_ops.core.payouts.calculate_for_spec",
        "sample.py:5 creator_ops.core.review",
        "sample.py:6 creator_ops.core.ecosystem",
        "sample.py:11 creator_ops.core.review.compute_review",
    ]


@pytest.mark.parametrize("entry", sorted(WAREHOUSE_FROM_CORE))
def test_every_allowed_entry_names_a_module_or_a_name_in_one(entry):
    """A misspelt or removed entry would allow nothing and hide that the rule changed."""
    import importlib

    try:
        importlib.import_module(entry)
    except ModuleNotFoundError:
        module, name = entry.rsplit(".", 1)
        assert hasattr(importlib.import_module(module), name), entry
