"""Surfaces invalid campaign specs as an import error in the Airflow UI, naming file and field.

The valid campaigns load from `campaigns.py`; this file fails to import only while a
spec is broken, so a broken spec never hides the other campaigns. It imports only the
spec model (no Airflow DAG machinery), so parsing it stays cheap; the words "airflow dag"
in this docstring keep the dag-processor's safe-mode check reading the file.
"""

from __future__ import annotations

from creator_ops.core.settings import settings
from creator_ops.core.spec import SpecError, SpecProblem, discover_specs

_problems: list[SpecProblem] = [
    problem for _, error in discover_specs(settings().campaign_specs_dir).errors for problem in error.problems
]
if _problems:
    raise SpecError(_problems)
