"""Who may see a campaign, with Airflow's FAB auth manager: the spec's `team` becomes its DAG's access control.

A campaign with `team: <role>` gives that FAB role read and edit on its DAG and its runs
(`access_control`, synced by the DAG processor); admins see every campaign. Team members
hold two roles: their team's, and `campaign_member`, which is Airflow's Viewer without the
read on every DAG (plus answering required actions), so a member sees their team's
campaigns only, in Airflow's own views and in the Campaigns view alike (the plugin's routes
ask the auth manager for the DAG, `ui/app.py`).

With the simple auth manager (the embedded default) access control is ignored: every
signed-in user may read every DAG (docs/access.md).

    python -m creator_ops.airflow.access    # create campaign_member and every spec's team role (idempotent)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from creator_ops.core.spec import CampaignSpec

MEMBER_ROLE = "campaign_member"
# what a campaign's team may do with its DAG: see it, its runs, trigger and answer it (FAB's per-DAG resources)
TEAM_DAG_ACCESS: dict[str, frozenset[str]] = {
    "DAGs": frozenset({"can_read", "can_edit"}),
    "DAG Runs": frozenset({"can_read", "can_create", "menu_access"}),
}


def dag_access_control(spec: CampaignSpec) -> dict[str, dict[str, set[str]]] | None:
    """Return the DAG's `access_control`: the spec's team on its DAG and runs, or None (admins and global roles)."""
    if spec.team is None:
        return None
    return {spec.team: {resource: set(actions) for resource, actions in TEAM_DAG_ACCESS.items()}}


def member_permissions() -> list[tuple[str, str]]:
    """Return the `campaign_member` role's permissions: FAB's Viewer without reading every DAG, plus answering."""
    from airflow.providers.fab.auth_manager.security_manager.override import FabAirflowSecurityManagerOverride
    from airflow.providers.fab.www.security import permissions

    every_dag = (permissions.ACTION_CAN_READ, permissions.RESOURCE_DAG)
    viewer = [perm for perm in FabAirflowSecurityManagerOverride.VIEWER_PERMISSIONS if perm != every_dag]
    # a required action is answered on the team's DAG (its can_edit comes with the DAG's access control)
    return [*viewer, (permissions.ACTION_CAN_EDIT, permissions.RESOURCE_HITL_DETAIL)]


def campaign_roles(specs: Iterable[CampaignSpec]) -> list[dict[str, Any]]:
    """Return the FAB role configurations the campaigns need: the member role and one role per team (sorted)."""
    teams = sorted({spec.team for spec in specs if spec.team})
    return [{"role": MEMBER_ROLE, "perms": member_permissions()}, *({"role": team, "perms": []} for team in teams)]


def sync_campaign_roles(specs: Iterable[CampaignSpec]) -> list[str]:
    """Create (or complete) the roles in FAB's tables before the DAG processor syncs the DAGs; return their names.

    A DAG whose access control names a role that does not exist fails to sync its
    permissions, so a deployment runs this at start-up, after `airflow db migrate`.
    """
    from airflow.providers.fab.www.security_appless import ApplessAirflowSecurityManager
    from airflow.utils.session import create_session

    roles = campaign_roles(specs)
    with create_session() as session:
        ApplessAirflowSecurityManager(session=session).bulk_sync_roles(roles)
    return [config["role"] for config in roles]


def main() -> None:
    """Create the member role and the team role of every valid spec in the campaign folder."""
    from creator_ops.core.settings import settings
    from creator_ops.core.spec import discover_specs

    specs = [spec for _, spec in discover_specs(settings().campaign_specs_dir).specs]
    print("FAB roles in place: " + ", ".join(sync_campaign_roles(specs)))


if __name__ == "__main__":
    main()
