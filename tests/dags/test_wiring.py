"""Wiring that cannot fail silently: every stage is listed, every step a task names resolves to a function."""

from __future__ import annotations

import pkgutil

import pytest

from creator_ops.airflow import stages as stages_package
from creator_ops.airflow.dag_builder import STAGES, load_campaign_dags
from creator_ops.airflow.operators import CampaignStepOperator, _import_step


def test_every_stage_module_is_in_the_stage_list():
    modules = {info.name for info in pkgutil.iter_modules(stages_package.__path__)}
    listed = [name for name, _ in STAGES]
    assert sorted(listed) == sorted(modules)
    assert len(set(listed)) == len(listed)
    for name, build in STAGES:
        assert build.__module__ == f"creator_ops.airflow.stages.{name}"


@pytest.fixture(scope="module")
def campaign_dags():
    return load_campaign_dags().dags


def test_every_step_of_every_demo_dag_resolves_to_a_function(campaign_dags):
    calls = {
        (task.step, tuple(sorted(task.step_kwargs.items())))
        for dag in campaign_dags.values()
        for task in dag.tasks
        if isinstance(task, CampaignStepOperator)
    }
    assert len(calls) >= 15  # the check saw the DAGs' steps (one ingest and one validate step per data set)
    unresolved = []
    for step in sorted({step for step, _ in calls}):
        try:
            function = _import_step(step)
        except (ImportError, AttributeError) as exc:
            unresolved.append(f"{step}: {exc}")
            continue
        if not callable(function):
            unresolved.append(f"{step}: not callable")
    assert unresolved == []


def test_every_stage_appears_as_a_task_group(campaign_dags):
    dag = campaign_dags["campaign__my_1212_2026"]
    groups = set(dag.task_group.children)
    assert {name for name, _ in STAGES} <= groups
