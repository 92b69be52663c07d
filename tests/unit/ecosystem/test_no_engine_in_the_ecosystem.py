"""The ecosystem's Airflow path never imports the payout engine (issue 29): it reads stored results.

`figures/ecosystem.py` (what the ecosystem DAG and the "creators lost" task compute with),
`steps/ecosystem.py` and `airflow/ecosystem.py` (the DAG's operator) must not name the
engine's entry points nor `core.ecosystem.campaign_facts` (the command line's path over
files); the payout step that stores the results is where the engine runs.
tests/integration/ecosystem/test_stored_results.py proves the same at run time.
"""

from __future__ import annotations

import ast

import pytest
from repo_paths import ROOT

PACKAGE = ROOT / "plugins" / "creator_ops"
ENGINE = (
    "creator_ops.core.payouts.PayoutSession",
    "creator_ops.core.payouts.calculate_payouts",
    "creator_ops.core.payouts.calculate_for_spec",
    "creator_ops.core.ecosystem.campaign_facts",
    "creator_ops.core.ecosystem.enrolled_creators",
    "creator_ops.warehouse.payout_inputs",
)


def imported_names(path):
    """Every module and imported name of the file (module level or inside functions)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.lineno, node.module
            yield from ((node.lineno, f"{node.module}.{alias.name}") for alias in node.names)


@pytest.mark.parametrize("module", ["figures/ecosystem.py", "steps/ecosystem.py", "airflow/ecosystem.py"])
def test_the_ecosystem_path_imports_no_payout_engine(module):
    found = [(line, name) for line, name in imported_names(PACKAGE / module) if name.startswith(ENGINE)]
    assert found == [], f"{module} imports the payout engine: {found}"
