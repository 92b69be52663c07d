"""The DagBag guard: every campaign DAG imports, serializes and is cheap and side-effect free to parse."""

from __future__ import annotations

import shutil
from unittest import mock

import pytest
from repo_paths import CAMPAIGNS as SPECS
from repo_paths import ROOT
from sqlalchemy import event

DAGS = ROOT / "dags"


def _dagbag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS))


@pytest.fixture(scope="module")
def dagbag():
    return _dagbag()


def test_no_import_errors(dagbag):
    assert dagbag.import_errors == {}


def test_one_dag_per_demo_spec(dagbag):
    expected = {f"campaign__{p.stem}" for p in SPECS.glob("*.yaml")}
    assert set(dagbag.dag_ids) == expected | {"creator_ecosystem"}  # plus the ecosystem across them


def test_the_ecosystem_is_scheduled_by_every_campaigns_payouts(dagbag):
    """Data-aware scheduling: the ecosystem DAG waits on the asset each campaign's payout tasks update."""
    from creator_ops.airflow.ecosystem import PAYOUT_RESULTS

    ecosystem = dagbag.dags["creator_ecosystem"]
    assert type(ecosystem.timetable).__name__ == "AssetTriggeredTimetable"
    assert [a.name for a in ecosystem.timetable.asset_condition.objects] == [PAYOUT_RESULTS.name]
    for dag_id, dag in dagbag.dags.items():
        if dag_id.startswith("campaign__"):
            producers = {t.task_id for t in dag.tasks if PAYOUT_RESULTS in t.outlets}
            assert producers == {"payouts.calculate", "payouts.export_for_finance"}, dag_id


@pytest.mark.parametrize("spec", sorted(p.stem for p in SPECS.glob("*.yaml")))
def test_dag_conventions(dagbag, spec):
    from airflow.providers.standard.operators.hitl import HITLOperator

    from creator_ops.core.spec import load_spec

    dag = dagbag.dags[f"campaign__{spec}"]
    # the UI lists the campaign by the name ops use; the id stays campaign__<id>
    assert dag.dag_display_name == load_spec(SPECS / f"{spec}.yaml").name
    assert dag.dag_id == f"campaign__{spec}"
    assert {"campaign", "market:MY"} <= set(dag.tags)
    assert any(tag.startswith("type:") for tag in dag.tags)
    assert "## Timeline" in dag.doc_md and "Owners" in dag.doc_md and "## Targets" in dag.doc_md
    for task in dag.tasks:
        assert task.owner and task.owner != "airflow", task.task_id
        if not isinstance(task, HITLOperator):  # a person's answer is not retried
            assert task.retries >= 1, task.task_id
            assert task.on_failure_callback, task.task_id


def test_every_dag_serializes(dagbag):
    from airflow.serialization.serialized_objects import DagSerialization

    for dag in dagbag.dags.values():
        again = DagSerialization.deserialize_dag(DagSerialization.serialize_dag(dag))
        if dag.dag_id.startswith("campaign__"):  # the ecosystem's is Airflow's asset timetable
            assert again.timetable.summary == dag.timetable.summary
        assert again.dag_display_name == dag.dag_display_name
        assert set(again.task_ids) == set(dag.task_ids)


def test_runbook_steps_are_human_in_the_loop(dagbag):
    from airflow.providers.standard.operators.hitl import HITLOperator

    dag = dagbag.dags["campaign__my_1212_2026"]
    signoffs = [t for t in dag.tasks if t.task_id.startswith("runbook.")]
    # the spec's two sign-offs, and the two its `finance` switches bring (SPEC 14: remittance, CP58)
    assert {t.task_id for t in signoffs} == {
        "runbook.bd_matchmaking_signoff",
        "runbook.marcom_assets_signoff",
        "runbook.finance_wht_remittance",
        "runbook.finance_cp58_statements",
    }
    assert all(isinstance(t, HITLOperator) for t in signoffs)


def test_parsing_makes_no_connection_lookups_and_no_queries():
    """Like Airflow's example-DAG guard: parsing must not reach connections or the database."""
    from airflow import settings
    from airflow.sdk.bases.hook import BaseHook

    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(settings.engine, "before_cursor_execute", record)
    try:
        with (
            mock.patch.object(BaseHook, "get_connection", side_effect=AssertionError("connection at parse")) as get_conn,
            mock.patch("creator_ops.warehouse.db.make_engine", side_effect=AssertionError("warehouse at parse")),
        ):
            bag = _dagbag()
        assert get_conn.call_count == 0
    finally:
        event.remove(settings.engine, "before_cursor_execute", record)
    assert bag.import_errors == {}
    assert len(statements) <= 1, statements


def test_broken_spec_is_an_import_error_naming_file_and_field(tmp_path, monkeypatch):
    for spec in SPECS.glob("*.yaml"):
        shutil.copy(spec, tmp_path / spec.name)
    broken = tmp_path / "zz_broken.yaml"
    broken.write_text("id: zz\nname: Broken\ntype: scd\ntimeline: {event_start: 2027-03-03}\ntargets: {gmv: 1}\n")
    monkeypatch.setenv("CAMPAIGN_SPECS_DIR", str(tmp_path))
    bag = _dagbag()
    assert len(bag.dag_ids) == len(list(SPECS.glob("*.yaml"))) + 1  # the others (and the ecosystem) still load
    (error_file, message), = bag.import_errors.items()
    assert error_file.endswith("campaign_spec_errors.py")
    assert "zz_broken.yaml: targets.gmv: unknown key" in message
