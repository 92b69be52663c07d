"""The ecosystem page is served next to the Campaigns view, behind Airflow's login, and linked from each campaign."""

from __future__ import annotations

import json
import sys

import pytest
from repo_paths import TESTS

pytestmark = pytest.mark.integration
sys.path.insert(0, str(TESTS / "unit" / "ecosystem"))


@pytest.fixture(scope="module")
def api(airflow_db, tmp_path_factory):
    """The Airflow API app with plugins, an output folder without an ecosystem yet, and a viewer's token."""
    from creator_ops.warehouse.db import make_engine, upgrade

    output = tmp_path_factory.mktemp("output")
    warehouse = tmp_path_factory.mktemp("ui") / "warehouse.db"
    upgrade(make_engine(f"sqlite:///{warehouse}"))
    mp = pytest.MonkeyPatch()
    mp.setenv("CREATOR_OPS_OUTPUT_ROOT", str(output))
    mp.setenv("AIRFLOW_CONN_CREATOR_OPS_WAREHOUSE", json.dumps({"conn_type": "sqlite", "host": str(warehouse)}))
    mp.setenv("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS", "False")
    from airflow.api_fastapi.app import create_app, get_auth_manager, purge_cached_app
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser
    from fastapi.testclient import TestClient

    purge_cached_app()
    app = create_app()
    token = get_auth_manager().generate_jwt(SimpleAuthManagerUser(username="ops_viewer", role="viewer"))
    with TestClient(app) as client:
        yield client, {"Authorization": f"Bearer {token}"}, output
    purge_cached_app()
    mp.undo()


def test_before_the_first_build_the_page_says_so(api):
    client, auth, _ = api
    page = client.get("/creator-ops/ecosystem", headers=auth)
    assert page.status_code == 200 and 'id="not-yet"' in page.text
    assert client.get("/creator-ops/ecosystem/ecosystem.json", headers=auth).status_code == 404


def test_the_page_needs_a_login_and_serves_what_the_dag_wrote(api, tmp_path):
    from ecosystem_fixture import write_campaigns

    from creator_ops.cli import main

    client, auth, output = api
    root = write_campaigns(tmp_path / "campaigns")
    assert main(["ecosystem", "--campaigns", str(root), "--out", str(output / "ecosystem")]) == 0
    for path in ("/creator-ops/ecosystem/ecosystem.json", "/creator-ops/ecosystem/creators.csv"):
        assert client.get(path).status_code == 401, path
    signed_out = client.get("/creator-ops/ecosystem", follow_redirects=False)
    assert signed_out.status_code in (303, 401) and "Creators lost" not in signed_out.text
    page = client.get("/creator-ops/ecosystem", headers=auth)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert "Creators lost since the last campaign" in page.text and page.text.count("<svg") == 4
    data = client.get("/creator-ops/ecosystem/ecosystem.json", headers=auth).json()
    assert data["campaigns"] == ["c1", "c2", "c3_alpha", "c3_beta", "c5"]
    scorecard = client.get("/creator-ops/ecosystem/creators.csv", headers=auth)
    assert scorecard.status_code == 200 and scorecard.text.lstrip("\ufeff").startswith("creator_id,state,")
    for path in ("/creator-ops/ecosystem/history.json", "/creator-ops/ecosystem/..%2F..%2Fetc%2Fpasswd"):
        assert client.get(path, headers=auth).status_code == 404, path


def test_campaign_pages_and_the_campaigns_view_link_it(api):
    client, auth, _ = api
    overview = client.get("/creator-ops/campaigns", headers=auth).text
    assert 'id="ecosystem-link" href="ecosystem"' in overview  # /creator-ops/campaigns → /creator-ops/ecosystem
    campaign = client.get("/creator-ops/campaigns/my_1212_2026", headers=auth).text
    assert 'id="ecosystem-link" href="../ecosystem"' in campaign  # /creator-ops/campaigns/<id> → /creator-ops/ecosystem


def test_the_plugin_puts_it_in_the_navigation_next_to_campaigns():
    from creator_ops_plugin import CreatorOpsPlugin

    views = [(v["name"], v["href"]) for v in CreatorOpsPlugin.external_views]
    assert views[:2] == [("Campaigns", "/creator-ops/campaigns"), ("Creator ecosystem", "/creator-ops/ecosystem")]
