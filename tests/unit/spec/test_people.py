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
