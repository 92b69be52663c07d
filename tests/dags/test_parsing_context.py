"""A task's process builds its own campaign's DAG only; the dag-processor (no parsing context) builds all.

Airflow sets `_AIRFLOW_PARSING_CONTEXT_DAG_ID` in a task's process (`get_parsing_context()`);
the DAG built there must be the one the dag-processor built and serialized.
"""

from __future__ import annotations

import pytest
from repo_paths import CAMPAIGNS, ROOT

CONTEXT = "_AIRFLOW_PARSING_CONTEXT_DAG_ID"
DEMO = "campaign__my_1212_2026"


def _bag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(ROOT / "dags" / "campaigns.py"))


def _serialized(dag) -> dict:
    from airflow.serialization.serialized_objects import DagSerialization

    return DagSerialization.to_dict(dag)


def test_without_a_parsing_context_every_campaign_is_built(monkeypatch):
    monkeypatch.delenv(CONTEXT, raising=False)
    assert set(_bag().dag_ids) == {f"campaign__{p.stem}" for p in CAMPAIGNS.glob("*.yaml")}


def test_a_task_process_builds_its_own_campaign_only_and_the_same_dag(monkeypatch):
    monkeypatch.delenv(CONTEXT, raising=False)
    everything = _bag()
    monkeypatch.setenv(CONTEXT, DEMO)
    one = _bag()
    assert one.dag_ids == [DEMO] and one.import_errors == {}
    assert _serialized(one.dags[DEMO]) == _serialized(everything.dags[DEMO])


@pytest.mark.parametrize("dag_id", ["campaign__no_such_campaign", "some_other_dag"])
def test_a_context_naming_another_dag_builds_nothing(monkeypatch, dag_id):
    monkeypatch.setenv(CONTEXT, dag_id)
    bag = _bag()
    assert bag.dag_ids == [] and bag.import_errors == {}
