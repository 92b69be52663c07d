"""Hostile requests to the plugin's web surfaces: each case of docs/hardening.md's "Web surfaces".

Against the real Airflow API app (plugins loaded, Airflow's own login) over a campaign
folder, an output folder and a warehouse of the tests' own: security headers on every
answer, files that are links or FIFOs never served, relative redirects only (whatever the
Host header says), the sign-in page for a browser and status codes for API clients, 404s
that echo nothing, broken specs shown without server paths, a malformed stored row isolated
to its own campaign (SQLite and PostgreSQL), and the bound on work in progress (503).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import shutil

import pytest
from repo_paths import ROOT

pytestmark = pytest.mark.integration

CAMPAIGN = "my_1212_2026"
OTHER = "my_payday_jan_2027"
EVIL_HOST = "evil.example"
BROWSER = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "sec-fetch-mode": "navigate"}
LONG_ID = "A" * 60_000


@pytest.fixture(scope="module")
def site(airflow_db, tmp_path_factory):
    """The API app over a spec folder (with one broken spec), an output folder and a SQLite warehouse."""
    from creator_ops.warehouse.db import make_engine, upgrade

    root = tmp_path_factory.mktemp("web")
    specs = root / "server-secret-folder" / "campaigns"
    shutil.copytree(ROOT / "include" / "campaigns", specs)
    (specs / "broken.yaml").write_text("id: broken\nname: [not, a, name]\n", encoding="utf-8")
    output = root / "output"
    review = output / CAMPAIGN / "review"
    review.mkdir(parents=True)
    (review / "review.html").write_text("<!doctype html><title>r</title><p>the 12.12 review</p>", encoding="utf-8")
    (review / "review.json").write_text('{"campaign": {"id": "my_1212_2026"}}', encoding="utf-8")
    matchmaking = output / CAMPAIGN / "matchmaking"
    matchmaking.mkdir()
    (matchmaking / "pairs.csv").write_text("creator_id,product_id\nc1,p1\n", encoding="utf-8")
    warehouse = root / "warehouse.db"
    upgrade(make_engine(f"sqlite:///{warehouse}"))
    mp = pytest.MonkeyPatch()
    mp.setenv("CAMPAIGN_SPECS_DIR", str(specs))
    mp.setenv("CREATOR_OPS_OUTPUT_ROOT", str(output))
    mp.setenv("AIRFLOW_CONN_CREATOR_OPS_WAREHOUSE", json.dumps({"conn_type": "sqlite", "host": str(warehouse)}))
    mp.setenv("CREATOR_OPS_UI_NOW", "2026-12-12T15:30:00+08:00")
    mp.setenv("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS", "False")
    from airflow.api_fastapi.app import create_app, get_auth_manager, purge_cached_app
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser
    from fastapi.testclient import TestClient

    purge_cached_app()
    app = create_app()
    token = get_auth_manager().generate_jwt(SimpleAuthManagerUser(username="ops_viewer", role="viewer"))
    with TestClient(app, follow_redirects=False) as client:
        client.token = token
        client.output = output
        client.specs = specs
        client.root = root
        yield client
    purge_cached_app()
    mp.undo()


def _api(client):
    return {"Authorization": f"Bearer {client.token}"}


ROUTES = [
    "/creator-ops/campaigns",
    "/creator-ops/campaigns.json",
    f"/creator-ops/campaigns/{CAMPAIGN}",
    f"/creator-ops/campaigns/{CAMPAIGN}.json",
    f"/creator-ops/campaigns/{CAMPAIGN}/review",
    f"/creator-ops/campaigns/{CAMPAIGN}/review/review.json",
    f"/creator-ops/campaigns/{CAMPAIGN}/traffic.csv",
    f"/creator-ops/campaigns/{CAMPAIGN}/matchmaking/pairs.csv",
    f"/creator-ops/campaigns/{CAMPAIGN}/matchmaking",
    f"/creator-ops/campaigns/{CAMPAIGN}/matchmaking.csv",
    f"/creator-ops/campaigns/{CAMPAIGN}/traffic",
    "/creator-ops/ecosystem",
    "/creator-ops/ecosystem/ecosystem.json",
    "/creator-ops/campaigns/no_such_campaign",
    "/creator-ops/no-such-route",
]


@pytest.mark.parametrize("path", ROUTES)
def test_every_answer_carries_the_security_headers(site, path):
    """Pages, data, 404s and refusals alike: CSP without remote sources, nosniff, frame-ancestors, no-store."""
    for headers in (_api(site), {}, BROWSER):
        response = site.get(path, headers=headers)
        csp = response.headers.get("content-security-policy", "")
        assert "default-src 'none'" in csp and "frame-ancestors 'self'" in csp, (path, response.status_code)
        assert "http" not in csp and "*" not in csp  # no remote source of any kind
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["x-frame-options"] == "SAMEORIGIN"


def test_the_real_files_are_served(site):
    auth = _api(site)
    assert "the 12.12 review" in site.get(f"/creator-ops/campaigns/{CAMPAIGN}/review", headers=auth).text
    pairs = site.get(f"/creator-ops/campaigns/{CAMPAIGN}/matchmaking/pairs.csv", headers=auth)
    assert pairs.status_code == 200 and pairs.text.startswith("creator_id,product_id")
    assert pairs.headers["content-type"].startswith("text/csv")


@pytest.mark.parametrize(
    ("link", "route"),
    [
        ("matchmaking/passwd.csv", "matchmaking/passwd.csv"),
        ("review/review.md", "review/review.md"),
    ],
)
def test_a_link_in_an_output_folder_is_never_followed(site, link, route):
    planted = site.output / CAMPAIGN / link
    planted.symlink_to("/etc/passwd")
    try:
        response = site.get(f"/creator-ops/campaigns/{CAMPAIGN}/{route}", headers=_api(site))
        assert response.status_code == 404
        assert "root:" not in response.text
        listed = site.get(f"/creator-ops/campaigns/{CAMPAIGN}.json", headers=_api(site)).json()["links"]
        assert "passwd.csv" not in listed["matchmaking"]
    finally:
        planted.unlink()


def test_a_linked_review_page_is_not_served_nor_linked(site):
    page = site.output / CAMPAIGN / "review" / "review.html"
    kept = page.read_bytes()
    page.unlink()
    page.symlink_to("/etc/passwd")
    try:
        response = site.get(f"/creator-ops/campaigns/{CAMPAIGN}/review", headers=_api(site))
        assert response.status_code == 404 and "root:" not in response.text
        assert (
            site.get(f"/creator-ops/campaigns/{CAMPAIGN}.json", headers=_api(site)).json()["links"]["review"] is False
        )
    finally:
        page.unlink()
        page.write_bytes(kept)


def test_a_linked_campaign_or_sub_folder_is_not_followed(site):
    """`output/<other campaign>` or `output/<campaign>/review` as a link to somewhere else: nothing is served."""
    other = site.output / OTHER
    other.symlink_to(site.output / CAMPAIGN, target_is_directory=True)  # another campaign's folder, by a link
    outside = site.root / "outside"
    (outside / "review").mkdir(parents=True)
    (outside / "review" / "review.json").write_text('{"leaked": true}', encoding="utf-8")
    folder = site.output / "my_scd_raya_2027"
    folder.mkdir()
    (folder / "review").symlink_to(outside / "review", target_is_directory=True)
    try:
        auth = _api(site)
        assert site.get(f"/creator-ops/campaigns/{OTHER}/review", headers=auth).status_code == 404
        assert site.get(f"/creator-ops/campaigns/{OTHER}/matchmaking/pairs.csv", headers=auth).status_code == 404
        leaked = site.get("/creator-ops/campaigns/my_scd_raya_2027/review/review.json", headers=auth)
        assert leaked.status_code == 404 and "leaked" not in leaked.text
    finally:
        other.unlink()
        shutil.rmtree(folder)


def test_a_linked_ecosystem_file_is_never_followed(site):
    """The ecosystem's files (every campaign's creators) follow the same rule as a campaign's."""
    folder = site.output / "ecosystem"
    folder.mkdir()
    (folder / "creators.csv").symlink_to("/etc/passwd")
    (folder / "ecosystem.html").symlink_to("/etc/passwd")
    try:
        auth = _api(site)
        csv = site.get("/creator-ops/ecosystem/creators.csv", headers=auth)
        assert csv.status_code == 404 and "root:" not in csv.text
        page = site.get("/creator-ops/ecosystem", headers=auth)
        assert "root:" not in page.text and "Not built yet" in page.text
    finally:
        shutil.rmtree(folder)


@pytest.mark.parametrize("route", ["matchmaking/secret.csv", "review/review.md"])
def test_a_hard_link_to_a_file_outside_the_output_folder_is_not_served_nor_listed(site, route):
    """A hard link shares the outside file's inode (no symlink to see): a file with more than one link is refused."""
    secret = site.root / "secret.txt"
    secret.write_text("root:x:0:0 hard-linked secret\n", encoding="utf-8")
    planted = site.output / CAMPAIGN / route
    kept = planted.read_bytes() if planted.exists() else None
    planted.unlink(missing_ok=True)
    os.link(secret, planted)
    try:
        response = site.get(f"/creator-ops/campaigns/{CAMPAIGN}/{route}", headers=_api(site))
        assert response.status_code == 404 and "hard-linked secret" not in response.text
        listed = site.get(f"/creator-ops/campaigns/{CAMPAIGN}.json", headers=_api(site)).json()["links"]
        assert "secret.csv" not in listed["matchmaking"]
    finally:
        planted.unlink()
        secret.unlink()
        if kept is not None:
            planted.write_bytes(kept)


def test_a_fifo_in_place_of_a_file_is_refused_at_once(site):
    fifo = site.output / CAMPAIGN / "review" / "review.md"
    os.mkfifo(fifo)
    try:
        response = site.get(f"/creator-ops/campaigns/{CAMPAIGN}/review/review.md", headers=_api(site))
        assert response.status_code == 404
    finally:
        fifo.unlink()


def test_traversal_in_a_file_name_names_nothing(site):
    auth = _api(site)
    for name in ("..%2F..%2F..%2Fetc%2Fpasswd", "%2E%2E", "%2Fetc%2Fpasswd", "pairs.csv%00.html"):
        response = site.get(f"/creator-ops/campaigns/{CAMPAIGN}/matchmaking/{name}", headers=auth)
        assert response.status_code == 404, name
        assert "root:" not in response.text


def test_the_sign_in_redirect_is_relative_whatever_the_host_header_says(site):
    response = site.get("/creator-ops/campaigns?tab=x", headers={"host": EVIL_HOST, **BROWSER})
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith("/auth/login?next=")
    assert EVIL_HOST not in location and "http" not in location
    assert "%2Fcreator-ops%2Fcampaigns%3Ftab%3Dx" in location  # and back to the page after signing in


def test_a_trailing_slash_redirect_is_relative(site):
    for path in ("/creator-ops/campaigns/", f"/creator-ops/campaigns/{CAMPAIGN}/"):
        response = site.get(path + "?a=1", headers={"host": EVIL_HOST, **_api(site)})
        assert response.status_code == 308, path
        assert response.headers["location"] == path.rstrip("/") + "?a=1"
    followed = site.get("/creator-ops/campaigns/", headers=_api(site), follow_redirects=True)
    assert followed.status_code == 200 and "12.12 Year-End" in followed.text


@pytest.mark.parametrize(
    "path",
    [
        "/creator-ops/campaigns",
        f"/creator-ops/campaigns/{CAMPAIGN}",
        f"/creator-ops/campaigns/{CAMPAIGN}/review",
        f"/creator-ops/campaigns/{CAMPAIGN}/review/review.json",
        f"/creator-ops/campaigns/{CAMPAIGN}/traffic.csv",
        f"/creator-ops/campaigns/{CAMPAIGN}/matchmaking/pairs.csv",
        f"/creator-ops/campaigns/{CAMPAIGN}/matchmaking",
        f"/creator-ops/campaigns/{CAMPAIGN}/matchmaking.csv",
        f"/creator-ops/campaigns/{CAMPAIGN}/traffic",
        "/creator-ops/ecosystem",
        "/creator-ops/ecosystem/creators.csv",
        "/creator-ops/campaigns.json",
    ],
)
def test_a_browser_without_a_valid_sign_in_gets_the_sign_in_page(site, path):
    """No token, an expired one, a garbage one: a browser following a link is sent to sign in, and back."""
    from airflow.api_fastapi.app import get_auth_manager
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser

    expired = get_auth_manager().generate_jwt(
        SimpleAuthManagerUser(username="ops_viewer", role="viewer"), expiration_time_in_seconds=-60
    )
    for cookie in (None, "garbage", "eyJhbGciOiJIUzUxMiJ9.eyJzdWIiOiJ4In0.forged", expired):
        site.cookies.clear()
        if cookie:
            site.cookies.set("_token", cookie)
        try:
            response = site.get(path, headers=BROWSER)
        finally:
            site.cookies.clear()
        assert response.status_code == 303, (path, cookie)
        assert response.headers["location"].startswith("/auth/login?next=")
        assert "12.12" not in response.text


def test_api_clients_keep_their_status_codes(site):
    assert site.get("/creator-ops/campaigns.json").status_code == 401
    assert site.get(f"/creator-ops/campaigns/{CAMPAIGN}/traffic.csv", headers={"accept": "text/csv"}).status_code == 401
    bad = {"Authorization": "Bearer garbage"}
    assert site.get("/creator-ops/campaigns.json", headers=bad).status_code == 403
    assert site.get("/creator-ops/campaigns", headers=bad).status_code == 403  # an API client, even on a page
    fetch = {"accept": "application/json", "sec-fetch-mode": "cors"}
    assert site.get(f"/creator-ops/campaigns/{CAMPAIGN}.json", headers=fetch).status_code == 401


@pytest.mark.parametrize(
    "path",
    [
        f"/creator-ops/campaigns/{LONG_ID}",
        f"/creator-ops/campaigns/{LONG_ID}.json",
        f"/creator-ops/campaigns/{LONG_ID}/review",
        f"/creator-ops/campaigns/{LONG_ID}/traffic.csv",
        f"/creator-ops/campaigns/{LONG_ID}/matchmaking",
        f"/creator-ops/campaigns/{LONG_ID}/traffic",
        f"/creator-ops/ecosystem/{LONG_ID}",
        f"/creator-ops/campaigns/{CAMPAIGN}/matchmaking/{LONG_ID}.csv",
        f"/creator-ops/campaigns/{CAMPAIGN}/review/{LONG_ID}",
        "/creator-ops/campaigns/<script>alert(1)</script>",
    ],
)
def test_a_404_echoes_nothing_back(site, path):
    response = site.get(path, headers=_api(site))
    assert response.status_code == 404
    assert len(response.content) < 200 and "AAAA" not in response.text and "<script" not in response.text


def test_a_broken_spec_is_shown_without_its_server_path(site):
    page = site.get("/creator-ops/campaigns", headers=_api(site)).text
    data = site.get("/creator-ops/campaigns.json", headers=_api(site)).json()
    assert any(p.startswith("broken.yaml: name") for p in data["problems"]), data["problems"]
    for shown in (page, json.dumps(data)):
        assert "server-secret-folder" not in shown and str(site.root) not in shown
    assert "broken.yaml: name" in page


def test_a_broken_spec_with_personal_data_is_shown_masked(site):
    leaky = site.specs / "leaky.yaml"
    leaky.write_text(
        "id: leaky\nname: Leaky\ntype: payday\nowners: [zoe.leak@gmail.com 0127184463]\nbogus: 1\n", encoding="utf-8"
    )
    try:
        problems = " ".join(site.get("/creator-ops/campaigns.json", headers=_api(site)).json()["problems"])
    finally:
        leaky.unlink()
    assert "leaky.yaml" in problems
    assert "zoe.leak@gmail.com" not in problems and "0127184463" not in problems


@pytest.fixture(params=["quality verdict", "stored snapshot"])
def malformed_warehouse(request, site, warehouse_engine, monkeypatch):
    """The warehouse (SQLite, PostgreSQL) with one malformed stored row of one campaign.

    "quality verdict": a landed file and its verdict's `failed_expectations_json = '{not json'`
    (read when no run has stored a snapshot yet); "stored snapshot": a run's snapshot whose
    figures are not JSON.
    """
    from creator_ops.warehouse.schema import campaign_snapshots, ingested_files, quality_results

    at = dt.datetime(2026, 12, 12, 5, tzinfo=dt.UTC)
    with warehouse_engine.begin() as conn:
        if request.param == "quality verdict":
            conn.execute(
                ingested_files.insert(),
                {
                    "file_id": 1,
                    "campaign_id": CAMPAIGN,
                    "dataset": "orders",
                    "source_uri": "/landing/orders/a.csv",
                    "sha256": "0" * 64,
                    "size_bytes": 1,
                    "status": "accepted",
                    "rows_in": 0,
                    "rows_accepted": 0,
                    "rows_quarantined": 0,
                    "ingested_at": at,
                },
            )
            conn.execute(
                quality_results.insert(),
                {
                    "campaign_id": CAMPAIGN,
                    "dataset": "orders",
                    "file_id": 1,
                    "run_id": "r1",
                    "suite": "orders",
                    "success": False,
                    "evaluated": 3,
                    "failed": 1,
                    "failed_expectations_json": "{not json",
                    "validated_at": at,
                },
            )
        else:
            conn.execute(
                campaign_snapshots.insert(),
                {
                    "campaign_id": CAMPAIGN,
                    "run_id": "r1",
                    "phase": "live",
                    "as_of": at,
                    "computed_at": at,
                    "figures_json": "{not json",
                },
            )
    url = warehouse_engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv(
        "AIRFLOW_CONN_CREATOR_OPS_WAREHOUSE", json.dumps({"conn_type": "generic", "extra": {"sqlalchemy_url": url}})
    )
    return warehouse_engine


def test_one_malformed_stored_row_stays_on_its_campaigns_row(site, malformed_warehouse):
    auth = _api(site)
    data = site.get("/creator-ops/campaigns.json", headers=auth)
    assert data.status_code == 200
    rows = {row["campaign_id"]: row for row in data.json()["campaigns"]}
    assert rows[CAMPAIGN]["warehouse_error"].startswith("figures not readable: JSONDecodeError")
    assert rows[OTHER]["warehouse_error"] is None and rows[OTHER]["creators_enrolled"] == 0
    page = site.get("/creator-ops/campaigns", headers=auth)
    assert page.status_code == 200 and "figures not readable" in page.text and "Payday" in page.text
    own = site.get(f"/creator-ops/campaigns/{CAMPAIGN}", headers=auth)
    assert own.status_code == 200 and "figures not readable: JSONDecodeError" in own.text
    assert site.get(f"/creator-ops/campaigns/{CAMPAIGN}.json", headers=auth).status_code == 200
    assert site.get(f"/creator-ops/campaigns/{OTHER}", headers=auth).status_code == 200


# ------------------------------------------------------------------ the bound on work in progress


class _Gate:
    """A real ASGI app whose requests wait until the test opens the gate (a slow page, on demand)."""

    def __init__(self) -> None:
        self.opened = asyncio.Event()
        self.entered = 0

    async def __call__(self, scope, receive, send):
        self.entered += 1
        await self.opened.wait()
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"done"})


def test_the_guard_answers_503_at_once_when_every_slot_is_taken():
    """With 2 slots and no waiting, 10 concurrent requests: 2 are served, 8 get 503 at once, and the slots free again."""
    import httpx

    from creator_ops.airflow.ui.app import PluginGuard

    async def scenario():
        gate = _Gate()
        guard = PluginGuard(gate, slots=2, wait=0)
        transport = httpx.ASGITransport(app=guard)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            slow = [asyncio.create_task(client.get("/campaigns")) for _ in range(2)]
            while gate.entered < 2:
                await asyncio.sleep(0.01)
            loop = asyncio.get_running_loop()
            started = loop.time()
            refused = await asyncio.gather(*(client.get("/campaigns") for _ in range(8)))
            waited = loop.time() - started
            gate.opened.set()
            served = await asyncio.gather(*slow)
            again = await client.get("/campaigns")
        return refused, waited, served, again, guard.busy

    refused, waited, served, again, busy = asyncio.run(scenario())
    assert [r.status_code for r in refused] == [503] * 8
    assert waited < 2 and all(r.headers["retry-after"] == "5" for r in refused)
    assert all(r.headers["cache-control"] == "no-store" for r in refused)
    assert [r.status_code for r in served] == [200, 200] and again.status_code == 200
    assert busy == 0


# ------------------------------------------------------------------ a DAG's team (multi-team Airflow)


@pytest.fixture
def teams_in_the_metadata_db(site):
    """Two teams, each owning a bundle that holds one campaign's DAG (Airflow's multi-team model)."""
    from airflow.models.dag import DagModel
    from airflow.models.dagbundle import DagBundleModel
    from airflow.models.team import Team
    from airflow.utils.session import create_session

    owned = {CAMPAIGN: "team_beauty", OTHER: "team_fashion"}
    with create_session() as session:
        for campaign_id, name in owned.items():
            team = Team(name=name)
            bundle = DagBundleModel(name=f"bundle_{name}")
            bundle.teams.append(team)
            session.add_all([team, bundle])
            session.flush()
            session.merge(
                DagModel(
                    dag_id=f"campaign__{campaign_id}",
                    bundle_name=bundle.name,
                    fileloc=str(ROOT / "dags" / "campaigns.py"),
                )
            )
    yield owned
    with create_session() as session:
        session.query(DagModel).filter(DagModel.dag_id.in_([f"campaign__{c}" for c in owned])).delete()
        for name in owned.values():
            session.query(DagBundleModel).filter(DagBundleModel.name == f"bundle_{name}").delete()
            session.query(Team).filter(Team.name == name).delete()


def test_a_campaign_of_another_team_is_not_shown(site, teams_in_the_metadata_db):
    """The plugin asks with the DAG's team, as Airflow's routes do: a member of one team never sees the other's."""
    from airflow.api_fastapi.app import get_auth_manager
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser

    token = get_auth_manager().generate_jwt(
        SimpleAuthManagerUser(username="aisyah", role="viewer", teams=["team_beauty"])
    )
    auth = {"Authorization": f"Bearer {token}"}
    shown = {row["campaign_id"] for row in site.get("/creator-ops/campaigns.json", headers=auth).json()["campaigns"]}
    assert CAMPAIGN in shown and OTHER not in shown
    assert site.get(f"/creator-ops/campaigns/{CAMPAIGN}", headers=auth).status_code == 200
    for path in (
        f"/creator-ops/campaigns/{OTHER}",
        f"/creator-ops/campaigns/{OTHER}.json",
        f"/creator-ops/campaigns/{OTHER}/traffic.csv",
    ):
        assert site.get(path, headers=auth).status_code == 404, path


def test_a_request_waits_briefly_for_a_slot_in_a_bounded_queue():
    """2 slots, a queue of 3: 3 more wait (no thread held) and are served when slots free; 2 beyond it get 503."""
    import httpx

    from creator_ops.airflow.ui.app import PluginGuard

    async def scenario():
        gate = _Gate()
        guard = PluginGuard(gate, slots=2, wait=30, queue=3)
        transport = httpx.ASGITransport(app=guard)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            first = [asyncio.create_task(client.get("/campaigns")) for _ in range(2)]
            while gate.entered < 2:
                await asyncio.sleep(0.01)
            queued = [asyncio.create_task(client.get("/campaigns")) for _ in range(3)]
            while guard.waiting < 3:
                await asyncio.sleep(0.01)
            beyond = await asyncio.gather(*(client.get("/campaigns") for _ in range(2)))
            gate.opened.set()
            served = await asyncio.gather(*first, *queued)
        return beyond, served, guard.busy, guard.waiting

    beyond, served, busy, waiting = asyncio.run(scenario())
    assert [r.status_code for r in beyond] == [503, 503]
    assert [r.status_code for r in served] == [200] * 5
    assert (busy, waiting) == (0, 0)


def test_a_request_that_waits_too_long_gets_503():
    import httpx

    from creator_ops.airflow.ui.app import PluginGuard

    async def scenario():
        gate = _Gate()
        guard = PluginGuard(gate, slots=1, wait=0.3)
        transport = httpx.ASGITransport(app=guard)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            held = asyncio.create_task(client.get("/campaigns"))
            while gate.entered < 1:
                await asyncio.sleep(0.01)
            late = await client.get("/campaigns")
            gate.opened.set()
            return late, await held

    late, held = asyncio.run(scenario())
    assert late.status_code == 503 and held.status_code == 200
