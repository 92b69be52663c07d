"""The people who decide: the campaigns' owners and payout approvers, as named Airflow users.

Every human decision (a runbook sign-off, a payout approval) is answered by a person
signed in to Airflow, so the ledger and the sign-off records name that person instead of
"Anonymous". With Airflow's simple auth manager the users are a list of `name:role`
(`AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS`); `simple_auth_users` builds it from the specs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from creator_ops.core.spec import CampaignSpec

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


def decider(spec: CampaignSpec, task_id: str) -> str:
    """Return who answers `task_id` in the demo: a payout approver for payouts, else the first owner."""
    if task_id.startswith("payouts.") and spec.payout_approvers:
        return spec.payout_approvers[0]
    return spec.owners[0]


def main() -> None:
    """Print the user list for every valid spec of the campaign folder (`python -m creator_ops.core.people`)."""
    from creator_ops.core.settings import settings
    from creator_ops.core.spec import discover_specs

    print(simple_auth_users(spec for _, spec in discover_specs(settings().campaign_specs_dir).specs))


if __name__ == "__main__":
    main()
