"""The campaigns view is mounted by the real Airflow API app and refuses requests without Airflow's login."""

from __future__ import annotations

import datetime as dt
import json

import pytest

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def api(airflow_db, tmp_path_factory):
    """The Airflow API app (with plugins) on the tests' metadata DB, and a token of a real user."""
    from creator_ops.warehouse.db import make_engine, upgrade
    from creator_ops.warehouse.schema import campaign_runs

    warehouse = tmp_path_factory.mktemp("ui") / "warehouse.db"
    engine = make_engine(f"sqlite:///{warehouse}")
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(
            campaign_runs.insert(),
            {"campaign_id": "my_1212_2026", "run_id": "manual__x", "phase": "recruitment",
             "interval_start": dt.datetime(2026, 11, 25, tzinfo=dt.UTC),
             "interval_end": dt.datetime(2026, 11, 26, tzinfo=dt.UTC),
             "updated_at": dt.datetime(2026, 11, 26, tzinfo=dt.UTC)},
        )
    engine.dispose()
    mp = pytest.MonkeyPatch()
    mp.setenv("AIRFLOW_CONN_CREATOR_OPS_WAREHOUSE", json.dumps({"conn_type": "sqlite", "host": str(warehouse)}))
    mp.setenv("CREATOR_OPS_UI_NOW", "2026-11-25T10:00:00+08:00")
    mp.setenv("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS", "False")
    from airflow.api_fastapi.app import create_app, get_auth_manager, purge_cached_app
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser
    from fastapi.testclient import TestClient

    purge_cached_app()
    app = create_app()
    token = get_auth_manager().generate_jwt(SimpleAuthManagerUser(username="ops_viewer", role="viewer"))
    with TestClient(app) as client:
        yield client, token
    purge_cached_app()
    mp.undo()


def test_unauthenticated_requests_are_refused(api):
    client, _ = api
    response = client.get("/creator-ops/campaigns.json")
    assert response.status_code == 401
    assert "12.12 Year-End" not in response.text
    # a signed-out browser asking for the page is sent to Airflow's sign-in page, and back after it
    page = client.get("/creator-ops/campaigns", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"].startswith("/auth/login?next=")
    assert "creator-ops%2Fcampaigns" in page.headers["location"]
    assert "12.12 Year-End" not in page.text


def test_a_forged_token_is_refused(api):
    client, _ = api
    response = client.get("/creator-ops/campaigns", headers={"Authorization": "Bearer not-a-real-jwt"})
    assert response.status_code in (401, 403)
    client.cookies.set("_token", "eyJhbGciOiJIUzUxMiJ9.eyJzdWIiOiJ4In0.forged")
    try:
        assert client.get("/creator-ops/campaigns.json").status_code in (401, 403)
        assert client.get("/creator-ops/campaigns", follow_redirects=False).status_code in (303, 403)
    finally:
        client.cookies.clear()


def test_the_ui_session_cookie_opens_the_page(api):
    client, token = api
    client.cookies.set("_token", token)
    try:
        response = client.get("/creator-ops/campaigns")
    finally:
        client.cookies.clear()
    assert response.status_code == 200
    page = response.text
    for name in ("12.12 Year-End Mega Sale 2026", "Raya Creator Day 2027"):
        assert name in page
    assert 'href="/dags/campaign__my_1212_2026"' in page
    assert "signed in as ops_viewer" in page
    # the warehouse row seeded above is read through the Airflow connection
    assert "last run: recruitment" in page


def test_a_bearer_token_reads_the_json(api):
    client, token = api
    response = client.get("/creator-ops/campaigns.json", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    rows = {row["campaign_id"]: row for row in response.json()["campaigns"]}
    assert set(rows) == {"my_1111_2026", "my_1212_2026", "my_payday_jan_2027", "my_scd_raya_2027", "my_linkshare_feb_2027"}
    flagship = rows["my_1212_2026"]
    assert flagship["phase"] == "recruitment"
    assert flagship["next_deadline"]["label"].startswith("Sign-off: BD")
    assert (flagship["creators_enrolled"], flagship["gmv_sen"]) == (0, 0)
    assert flagship["gmv_target_sen"] == 500_000_000
    assert rows["my_linkshare_feb_2027"]["phase"] == "not started"


def test_the_view_is_registered_in_the_ui_navigation(api):
    client, token = api
    response = client.get("/api/v2/plugins", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    plugin = next(p for p in response.json()["plugins"] if p["name"] == "creator_ops")
    views = {v["name"]: v for v in plugin["external_views"]}
    assert views["Campaigns"]["href"] == "/creator-ops/campaigns"
    assert plugin["fastapi_apps"][0]["url_prefix"] == "/creator-ops"


def test_templates_escape_what_they_render():
    from creator_ops.airflow.ui.app import money, templates

    template = templates().from_string("{{ value }}")
    assert template.render(value="<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert money(123456789) == "RM 1,234,567.89"
    assert money(-5) == "-RM 0.05"
