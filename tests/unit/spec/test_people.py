"""The people who decide are named Airflow users: owners and payout approvers of the specs."""

from __future__ import annotations

from repo_paths import DEMO_SPEC as SPEC_FILE

from creator_ops.core.people import campaign_people, decider, simple_auth_users
from creator_ops.core.spec import load_spec, load_yaml, parse_spec


def test_owners_and_the_finance_approver_are_users_and_decide():
    spec = load_spec(SPEC_FILE)
    assert campaign_people(spec) == {"aisyah.rahman": "op", "wei.jie.tan": "op", "nurul.huda": "op"}
    assert simple_auth_users([spec]) == "admin:admin,aisyah.rahman:op,wei.jie.tan:op,nurul.huda:op"
    assert decider(spec, "payouts.approve") == "nurul.huda"
    assert decider(spec, "runbook.bd_matchmaking_signoff") == "aisyah.rahman"


def test_team_names_are_not_sign_in_names_and_each_person_is_listed_once():
    data = load_yaml(SPEC_FILE.read_text(encoding="utf-8"))
    data["owners"] = ["Creator Ops MY", "aisyah.rahman"]
    data["payout_approvers"] = ["aisyah.rahman"]
    spec = parse_spec(data, "x.yaml")
    assert simple_auth_users([spec, spec], admin=None) == "aisyah.rahman:op"


def test_finance_signoffs_go_to_the_specs_finance_people_not_the_owners():
    """The WHT remittance and CP58 steps (owner `finance`) are assigned to the payout approvers (issue 30)."""
    from creator_ops.core.people import step_assignees

    spec = load_spec(SPEC_FILE)
    steps = {step.id: step for step in spec.runbook}
    assert step_assignees(spec, steps["finance_wht_remittance"]) == ["nurul.huda"]
    assert step_assignees(spec, steps["finance_cp58_statements"]) == ["nurul.huda"]
    assert step_assignees(spec, steps["bd_matchmaking_signoff"]) == []  # a team, no Airflow user
    assert decider(spec, "runbook.finance_wht_remittance") == "nurul.huda"  # the demo's finance answers
    assert decider(spec, "runbook.finance_cp58_statements") == "nurul.huda"
    data = load_yaml(SPEC_FILE.read_text(encoding="utf-8"))
    data["runbook"][1]["owner"] = "wei.jie.tan"  # an owner by sign-in name answers their own step
    named = parse_spec(data, "x.yaml")
    assert step_assignees(named, next(s for s in named.runbook if s.id == "marcom_assets_signoff")) == ["wei.jie.tan"]


def test_the_dag_assigns_finance_signoffs_so_airflow_refuses_anyone_else():
    """Airflow answers 403 to a user not in a HITL task's `assigned_users`, as for the payout approval."""
    from creator_ops.airflow.dag_builder import build_campaign_dag

    dag = build_campaign_dag(load_spec(SPEC_FILE), SPEC_FILE)
    assigned = {task_id: dag.get_task(task_id).assigned_users for task_id in (
        "runbook.finance_wht_remittance", "runbook.finance_cp58_statements", "runbook.bd_matchmaking_signoff",
        "payouts.approve")}  # fmt: skip
    finance = [{"id": "nurul.huda", "name": "nurul.huda"}]
    assert assigned["runbook.finance_wht_remittance"] == assigned["runbook.finance_cp58_statements"] == finance
    assert assigned["payouts.approve"] == finance
    assert not assigned["runbook.bd_matchmaking_signoff"]
    assert "answered by nurul.huda" in dag.get_task("runbook.finance_cp58_statements").body
