"""Who may see a campaign, with the FAB auth manager: two teams in a real Airflow API server.

The distributed set-up's auth (docs/access.md): a metadata database of its own (SQLite),
`airflow db migrate` (FAB's tables too), the roles the campaigns need
(`creator_ops.airflow.access`), users of two teams, an admin and a member of no team,
`airflow dags reserialize` (which syncs each DAG's access control into FAB's permissions),
then `airflow api-server` on loopback. Each user signs in with a password at `/auth/token`
and sees, in Airflow's own DAG list and in every route of the Campaigns view, only their
team's campaign; the admin sees both; nobody else sees any.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import yaml
from repo_paths import ROOT

pytestmark = [pytest.mark.integration, pytest.mark.slow]

VENV_BIN = Path(sys.executable).parent
TEAMS = {"my_beauty_1212": ("team_beauty", "my_1212_2026"), "my_fashion_1111": ("team_fashion", "my_1111_2026")}
USERS = {
    "admin": ["Admin"],
    "alice": ["campaign_member", "team_beauty"],
    "bob": ["campaign_member", "team_fashion"],
    "nobody": ["campaign_member"],
}
ADD_USERS = """
import json, sys
from airflow.providers.fab.auth_manager.cli_commands.utils import get_application_builder
from creator_ops.airflow.access import sync_campaign_roles
from creator_ops.core.settings import settings
from creator_ops.core.spec import discover_specs

sync_campaign_roles([spec for _, spec in discover_specs(settings().campaign_specs_dir).specs])
with get_application_builder() as appbuilder:
    sm = appbuilder.sm
    for name, (roles, password) in json.loads(sys.argv[1]).items():
        sm.add_user(name, name, "test", name + "@example.com", [sm.find_role(r) for r in roles], password=password)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _stop_group(process: subprocess.Popen) -> None:
    """Stop the server we started, with its process group (SIGTERM, then SIGKILL)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def _run(args: list[str], env: dict[str, str], home: Path, name: str) -> None:
    with open(home / f"{name}.log", "wb") as log:
        result = subprocess.run(args, env=env, cwd=home, stdout=log, stderr=subprocess.STDOUT, timeout=300)
    assert result.returncode == 0, (home / f"{name}.log").read_text(errors="replace")[-3000:]


@pytest.fixture(scope="module")
def fab_server(tmp_path_factory):
    """`airflow api-server` with the FAB auth manager over two teams' campaigns; yields (base URL, passwords)."""
    home = tmp_path_factory.mktemp("fab")
    specs, output = home / "specs", home / "output"
    specs.mkdir()
    for campaign_id, (team, source) in TEAMS.items():
        spec = yaml.safe_load((ROOT / "include" / "campaigns" / f"{source}.yaml").read_text(encoding="utf-8"))
        spec.update(id=campaign_id, name=f"{team} campaign", team=team)
        (specs / f"{campaign_id}.yaml").write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
        for folder, name, text in (("review", "review.html", f"<p>review of {campaign_id}</p>"),
                                   ("review", "review.json", json.dumps({"campaign": campaign_id})),
                                   ("matchmaking", "pairs.csv", "creator_id,product_id\nc1,p1\n")):
            (output / campaign_id / folder).mkdir(parents=True, exist_ok=True)
            (output / campaign_id / folder / name).write_text(text, encoding="utf-8")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "CREATOR_OPS", "CAMPAIGN_SPECS"))}
    secret = secrets.token_hex(32)
    env.update(
        AIRFLOW_HOME=str(home),
        PATH=f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}",
        PYTHONPATH=str(ROOT / "plugins"),
        AIRFLOW__CORE__AUTH_MANAGER="airflow.providers.fab.auth_manager.fab_auth_manager.FabAuthManager",
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"sqlite:///{home / 'airflow.db'}",
        AIRFLOW__CORE__DAGS_FOLDER=str(ROOT / "dags"),
        AIRFLOW__CORE__PLUGINS_FOLDER=str(ROOT / "plugins"),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__API_AUTH__JWT_SECRET=secret,
        AIRFLOW__API__SECRET_KEY=secret,
        AIRFLOW__API__HOST="127.0.0.1",
        AIRFLOW__API__PORT=str(port),
        AIRFLOW__API__WORKERS="1",
        AIRFLOW__API__BASE_URL=base,
        CAMPAIGN_SPECS_DIR=str(specs),
        CREATOR_OPS_OUTPUT_ROOT=str(output),
        CREATOR_OPS_UI_NOW="2026-12-12T15:30:00+08:00",
        AIRFLOW_CONN_CREATOR_OPS_WAREHOUSE=json.dumps({"conn_type": "sqlite", "host": str(home / "warehouse.db")}),
    )
    passwords = {name: secrets.token_urlsafe(12) for name in USERS}
    _run([str(VENV_BIN / "airflow"), "db", "migrate"], env, home, "migrate")
    _run([sys.executable, "-c", ADD_USERS, json.dumps({n: (USERS[n], passwords[n]) for n in USERS})], env, home,
         "users")
    _run([str(VENV_BIN / "airflow"), "dags", "reserialize"], env, home, "reserialize")
    log = open(home / "api-server.log", "wb")  # closed below
    server = subprocess.Popen([str(VENV_BIN / "airflow"), "api-server"], env=env, cwd=home, stdout=log,
                              stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            assert server.poll() is None, (home / "api-server.log").read_text(errors="replace")[-3000:]
            try:
                if httpx.get(f"{base}/api/v2/version", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(1)
        yield base, passwords
    finally:
        _stop_group(server)
        log.close()


def _client(fab_server, user: str) -> httpx.Client:
    base, passwords = fab_server
    response = httpx.post(f"{base}/auth/token", json={"username": user, "password": passwords[user]}, timeout=60)
    assert response.status_code == 201, response.text
    token = response.json()["access_token"]
    return httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60)


def _routes(campaign_id: str) -> list[str]:
    return [
        f"/creator-ops/campaigns/{campaign_id}",
        f"/creator-ops/campaigns/{campaign_id}.json",
        f"/creator-ops/campaigns/{campaign_id}/review",
        f"/creator-ops/campaigns/{campaign_id}/review/review.json",
        f"/creator-ops/campaigns/{campaign_id}/matchmaking/pairs.csv",
        f"/creator-ops/campaigns/{campaign_id}/traffic.csv",
    ]


@pytest.mark.parametrize(("user", "own", "other"), [("alice", "my_beauty_1212", "my_fashion_1111"),
                                                     ("bob", "my_fashion_1111", "my_beauty_1212")])
def test_each_team_sees_its_own_campaign_only(fab_server, user, own, other):
    with _client(fab_server, user) as client:
        dags = [d["dag_id"] for d in client.get("/api/v2/dags").json()["dags"]]
        assert dags == [f"campaign__{own}"]  # Airflow's own list, from the DAG's access control
        overview = client.get("/creator-ops/campaigns.json").json()
        assert [row["campaign_id"] for row in overview["campaigns"]] == [own]
        assert f"{TEAMS[other][0]} campaign" not in client.get("/creator-ops/campaigns").text
        for path in _routes(own)[:-1]:  # no traffic allocated: its CSV is a 404 of its own
            assert client.get(path).status_code == 200, path
        page = client.get(f"/creator-ops/campaigns/{own}.json").json()
        assert page["airflow_error"] is None  # runs and required actions were asked for, and allowed
        for path in _routes(other):
            response = client.get(path)
            assert response.status_code == 404, path
            assert other not in response.text and "review of" not in response.text
        assert client.get(f"/api/v2/dags/campaign__{other}").status_code == 403


def test_an_admin_sees_both_and_a_member_of_no_team_sees_none(fab_server):
    with _client(fab_server, "admin") as admin:
        rows = admin.get("/creator-ops/campaigns.json").json()["campaigns"]
        assert sorted(row["campaign_id"] for row in rows) == sorted(TEAMS)
        for campaign_id in TEAMS:
            assert admin.get(f"/creator-ops/campaigns/{campaign_id}/review").text == f"<p>review of {campaign_id}</p>"
    with _client(fab_server, "nobody") as nobody:
        assert nobody.get("/creator-ops/campaigns.json").json()["campaigns"] == []
        for campaign_id in TEAMS:
            for path in _routes(campaign_id):
                assert nobody.get(path).status_code == 404, path


def test_a_signed_out_browser_is_sent_to_fabs_sign_in_page(fab_server):
    base, _ = fab_server
    response = httpx.get(f"{base}/creator-ops/campaigns/my_beauty_1212/review",
                         headers={"accept": "text/html", "host": "evil.example"}, timeout=30)
    assert response.status_code == 303
    assert response.headers["location"] == "/auth/login/?next=%2Fcreator-ops%2Fcampaigns%2Fmy_beauty_1212%2Freview"
