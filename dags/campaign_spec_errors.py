"""Surfaces invalid campaign specs as an import error in the Airflow UI, naming file and field.

The valid campaigns load from `campaigns.py`; this file fails to import only while a
spec is broken (or its DAG cannot be built), so a broken spec never hides the other campaigns.
"""

from __future__ import annotations

from creator_ops.airflow.dag_builder import load_campaign_dags
from creator_ops.core.spec import SpecError

_problems = load_campaign_dags().problems
if _problems:
    raise SpecError(_problems)
