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


def test_a_step_given_phases_as_text_and_no_doc_is_the_task_given_phase_members():
    """The stages pass `Phase` members and the operator converts only text (issue 29's parse time): same task."""
    import datetime as dt

    from airflow.sdk import DAG
    from airflow.serialization.serialized_objects import OperatorSerialization

    from creator_ops.core.calendar import Phase

    with DAG("phases_as_text_or_members", schedule=None, start_date=dt.datetime(2027, 1, 1, tzinfo=dt.UTC)):
        as_text = CampaignStepOperator(task_id="as_text", spec_path="s.yaml", step="m:f", phases=["live", "payout"])
        as_members = CampaignStepOperator(
            task_id="as_members", spec_path="s.yaml", step="m:f", phases=(Phase.LIVE, Phase.PAYOUT)
        )
    for task in (as_text, as_members):
        assert task.phases == [Phase.LIVE, Phase.PAYOUT] and all(type(p) is Phase for p in task.phases)
        assert task.doc_md == "Runs in phases: live, payout. Step: `m:f`."
    text, members = (OperatorSerialization.serialize_operator(t) for t in (as_text, as_members))
    assert {**text, "task_id": "as_members"} == members
    with pytest.raises(ValueError):
        CampaignStepOperator(task_id="bad", spec_path="s.yaml", step="m:f", phases=["no_such_phase"])
