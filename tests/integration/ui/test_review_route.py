"""The campaign review is served by the campaigns view, behind Airflow's login, to users who may read the DAG."""

from __future__ import annotations

import json
import sys

import pytest
from repo_paths import TESTS

pytestmark = pytest.mark.integration
sys.path.insert(0, str(TESTS / "unit" / "review"))


@pytest.fixture(scope="module")
def api(airflow_db, tmp_path_factory):
    """The Airflow API app with plugins, an output folder holding one campaign's review, and a viewer's token."""
    from review_builders import campaign_inputs, make_spec

    from creator_ops.core.review import compute_review
    from creator_ops.core.review.render import write_review
    from creator_ops.warehouse.db import make_engine, upgrade

    output = tmp_path_factory.mktemp("output")
    review = compute_review(make_spec(), campaign_inputs())
    review["campaign"]["name"] = "12.12 review under test"
    write_review(review, output / "my_1212_2026" / "review")
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
        yield client, {"Authorization": f"Bearer {token}"}
    purge_cached_app()
    mp.undo()


def test_the_review_needs_a_login(api):
    client, _ = api
    for path in ("/creator-ops/campaigns/my_1212_2026/review", "/creator-ops/campaigns/my_1212_2026/review/review.json"):
        response = client.get(path)
        assert response.status_code == 401, path
        assert "under test" not in response.text


def test_a_viewer_gets_the_page_json_and_markdown(api):
    client, auth = api
    page = client.get("/creator-ops/campaigns/my_1212_2026/review", headers=auth)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert "12.12 review under test" in page.text and page.text.count("<svg") == 5
    data = client.get("/creator-ops/campaigns/my_1212_2026/review/review.json", headers=auth).json()
    assert data["gmv"]["eligible_myr"] == "7500.00"
    md = client.get("/creator-ops/campaigns/my_1212_2026/review/review.md", headers=auth)
    assert md.status_code == 200 and "RM 7,500.00" in md.text


def test_unknown_campaigns_files_and_missing_reviews_are_404(api):
    client, auth = api
    for path in (
        "/creator-ops/campaigns/no_such_campaign/review",
        "/creator-ops/campaigns/my_1212_2026/review/secrets.txt",
        "/creator-ops/campaigns/my_1212_2026/review/..%2F..%2Fetc%2Fpasswd",
        "/creator-ops/campaigns/my_scd_raya_2027/review",  # a real campaign without a review yet
    ):
        assert client.get(path, headers=auth).status_code == 404, path


def test_the_campaigns_view_links_the_review(api):
    client, auth = api
    page = client.get("/creator-ops/campaigns", headers=auth).text
    assert 'href="/creator-ops/campaigns/my_1212_2026/review"' in page
    assert "/creator-ops/campaigns/my_scd_raya_2027/review" not in page
