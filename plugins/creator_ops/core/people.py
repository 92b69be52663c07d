"""The people who decide: the campaigns' owners and payout approvers, as named Airflow users.

Every human decision (a runbook sign-off, a payout approval) is answered by a person
signed in to Airflow, so the ledger and the sign-off records name that person instead of
"Anonymous". With Airflow's simple auth manager the users are a list of `name:role`
(`AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS`); `simple_auth_users` builds it from the specs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from creator_ops.core.spec import CampaignSpec, RunbookStep

DECIDER_ROLE = "op"  # may answer required actions (sign-offs, approvals); not an admin
_USER_NAME = re.compile(r"^[A-Za-z0-9._@-]+$")


def campaign_people(spec: CampaignSpec) -> dict[str, str]:
    """Return {user name: role} of the people who decide for a campaign: its owners and payout approvers."""
    people = {}
    for name in (*spec.owners, *spec.payout_approvers):
        if _USER_NAME.fullmatch(name):  # a team name with spaces is no sign-in name
            people.setdefault(name, DECIDER_ROLE)
    return people


def simple_auth_users(specs: Iterable[CampaignSpec], admin: str | None = "admin") -> str:
    """Return the simple auth manager's user list (`admin:admin,aisyah.rahman:op,…`), each name once."""
    users: dict[str, str] = {admin: "admin"} if admin else {}
    for spec in specs:
        for name, role in campaign_people(spec).items():
            users.setdefault(name, role)
    return ",".join(f"{name}:{role}" for name, role in users.items())


def step_assignees(spec: CampaignSpec, step: RunbookStep) -> list[str]:
    """Return the Airflow users who may answer a runbook sign-off; [] lets anyone who may act on the DAG.

    - finance's steps (owner `finance`: the s107D remittance and the CP58 statements, SPEC 14)
      go to the spec's finance people, its `payout_approvers`, as the payout approval does;
    - a step whose owner is one of the campaign's people (an owner or payout approver by
      sign-in name) goes to that person;
    - a team name (`business-development`) names no Airflow user: anyone allowed to act on
      the DAG may record that team's sign-off.
    """
    from creator_ops.core.finance.schedule import FINANCE_OWNER

    if step.owner == FINANCE_OWNER:
        return [name for name in spec.payout_approvers if _USER_NAME.fullmatch(name)]
    if step.owner and step.owner in campaign_people(spec):
        return [step.owner]
    return []


def decider(spec: CampaignSpec, task_id: str) -> str:
    """Return who answers `task_id` in the demo: a payout approver for payouts, a sign-off's assignee, else an owner."""
    if task_id.startswith("payouts.") and spec.payout_approvers:
        return spec.payout_approvers[0]
    if task_id.startswith("runbook."):
        step = next((s for s in spec.runbook if s.id == task_id.split(".", 1)[1]), None)
        assignees = step_assignees(spec, step) if step is not None else []
        if assignees:
            return assignees[0]
    return spec.owners[0]


def main() -> None:
    """Print the user list for every valid spec of the campaign folder (`python -m creator_ops.core.people`)."""
    from creator_ops.core.settings import settings
    from creator_ops.core.spec import discover_specs

    print(simple_auth_users(spec for _, spec in discover_specs(settings().campaign_specs_dir).specs))


if __name__ == "__main__":
    main()
