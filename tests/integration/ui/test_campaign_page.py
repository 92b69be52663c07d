"""One campaign's page: its figures on a real warehouse (SQLite and PostgreSQL), and its routes behind Airflow's login."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from repo_paths import DEMO_SPEC

from creator_ops.airflow.ui.app import TOP_LINKS_SCRIPT
from creator_ops.airflow.ui.campaign_page import campaign_page
from creator_ops.core.spec import load_spec
from creator_ops.warehouse.schema import (
    alert_outbox,
    content,
    creators,
    enrollments,
    exclusions,
    ingested_files,
    invitations,
    order_lines,
    quality_results,
    quarantine,
    recruitment_invitations,
    samples,
    traffic_allocations,
    traffic_hours,
)

SPEC = load_spec(DEMO_SPEC)
MYT = dt.timezone(dt.timedelta(hours=8))
DAY = dt.timedelta(days=1)
UTC = dt.UTC
EVENT = SPEC.timeline.event_start  # 2026-12-12 00:00 MYT
NOW = EVENT + dt.timedelta(hours=15, minutes=30)  # the live phase, hour 15

pytestmark = pytest.mark.integration


def _file(file_id, dataset, name, *, status="accepted", rows_in=0, quarantined=0, reason=None):
    return {
        "file_id": file_id, "campaign_id": SPEC.id, "dataset": dataset, "source_uri": f"/landing/{dataset}/{name}",
        "sha256": f"{file_id:064d}", "size_bytes": 10, "status": status, "rejection_reason": reason,
        "rows_in": rows_in, "rows_accepted": rows_in - quarantined, "rows_quarantined": quarantined,
        "ingested_at": dt.datetime(2026, 12, 12, 5, file_id, tzinfo=UTC),
    }


def _line(file_id, row, order, creator, status, gmv_sen, order_time, updated_at=None):
    return {
        "file_id": file_id, "row_number": row, "campaign_id": SPEC.id, "order_id": order, "line_id": "1",
        "creator_id": creator, "order_time": order_time.astimezone(UTC), "status": status, "gmv_sen": gmv_sen,
        "updated_at": updated_at.astimezone(UTC) if updated_at else None,
    }


@pytest.fixture
def seeded(warehouse_engine):
    seed(warehouse_engine)
    return warehouse_engine


def seed(engine) -> None:
    """Two enrolled creators (one excluded), one too late, versions, quarantine, a rejected file, alerts."""
    closes = SPEC.timeline.registration_closes
    hour = dt.timedelta(hours=1)
    with engine.begin() as conn:
        conn.execute(ingested_files.insert(), [
            _file(1, "enrollments", "enrollments.csv", rows_in=4),
            _file(2, "orders", "orders_a.csv", rows_in=9, quarantined=3),
            _file(3, "orders", "orders_b.csv", rows_in=2),
            _file(4, "orders", "orders_broken.xlsx", status="rejected", reason="missing required columns: order_id"),
            _file(5, "creators", "pull.xlsx", rows_in=5),
            _file(6, "exclusions", "exclusions.csv", rows_in=1),
            _file(8, "invitations", "invitations.csv", rows_in=2),
            _file(9, "samples", "samples_day1.csv", rows_in=2),
            _file(10, "samples", "samples_day2.csv", rows_in=1),
            _file(11, "content", "content.csv", rows_in=2),
        ])
        conn.execute(invitations.insert(), [
            {"file_id": 8, "row_number": n, "campaign_id": SPEC.id, "creator_id": c, "invited_at": EVENT - 9 * DAY,
             "account_manager": "aisyah"} for n, c in enumerate(("c1", "c4"))
        ])
        # the recruitment stage's own invitations (the shortlist): c1 again, and c3
        conn.execute(recruitment_invitations.insert(), [
            {"campaign_id": SPEC.id, "creator_id": c, "invited_at": EVENT - 9 * DAY, "account_manager": "wei_jie",
             "run_id": "r_recruit"} for c in ("c1", "c3")
        ])
        conn.execute(samples.insert(), [  # s1's last landed row cancels it; s2 reached the excluded c2
            {"file_id": f, "row_number": n, "campaign_id": SPEC.id, "sample_id": sid, "creator_id": c,
             "product_id": "p1", "requested_at": EVENT - 8 * DAY, "status": status, "shipped_at": None}
            for f, n, sid, c, status in ((9, 1, "s1", "c1", "SHIPPED"), (9, 2, "s2", "c2", "COMPLETED"),
                                         (10, 1, "s1", "c1", "CANCELLED"))
        ])
        conn.execute(content.insert(), [
            {"file_id": 11, "row_number": n, "campaign_id": SPEC.id, "content_id": f"v{n}", "creator_id": c,
             "content_type": "VIDEO", "posted_at": when, "views": 100, "gmv_sen": 0}
            for n, c, when in ((1, "c1", EVENT + hour), (2, "c3", EVENT + hour))  # c3 never enrolled in time
        ])
        conn.execute(creators.insert(), [
            {"campaign_id": SPEC.id, "creator_id": f"c{i}", "shortlisted": i <= 3, "file_id": 5, "row_number": i}
            for i in range(1, 6)
        ])
        conn.execute(enrollments.insert(), [
            {"file_id": 1, "row_number": 1, "campaign_id": SPEC.id, "creator_id": "c1",
             "registered_at": (SPEC.timeline.recruitment_opens + dt.timedelta(days=2)).astimezone(UTC),
             "is_new_creator": True},
            {"file_id": 1, "row_number": 2, "campaign_id": SPEC.id, "creator_id": "c1",  # twice: counts once
             "registered_at": (closes - dt.timedelta(days=1)).astimezone(UTC), "is_new_creator": False},
            {"file_id": 1, "row_number": 3, "campaign_id": SPEC.id, "creator_id": "c2",
             "registered_at": closes.astimezone(UTC), "is_new_creator": False},
            {"file_id": 1, "row_number": 4, "campaign_id": SPEC.id, "creator_id": "c3",  # too late: not enrolled
             "registered_at": (closes + dt.timedelta(seconds=1)).astimezone(UTC), "is_new_creator": False},
        ])
        conn.execute(exclusions.insert(), {"campaign_id": SPEC.id, "creator_id": "c2", "reason": "fraud", "file_id": 6})
        conn.execute(order_lines.insert(), [
            _line(2, 1, "o1", "c1", "COMPLETED", 10000, EVENT + 2 * hour, EVENT),
            _line(3, 1, "o1", "c1", " completed ", 25050, EVENT + 2 * hour, EVENT + 3 * hour),  # the later wins
            _line(2, 2, "o2", "c1", "delivered", 1999, EVENT + 9 * hour),
            _line(2, 3, "o3", "c2", "settled", 7000, EVENT + 9 * hour),  # live, but c2 is excluded
            _line(2, 4, "o4", "c3", "completed", 3000, EVENT + 10 * hour),  # live, but c3 enrolled too late
            _line(2, 5, "o5", "c1", "CANCELLED", 500000, EVENT + 10 * hour),
            _line(2, 6, "o6", "c1", "completed", 800000, SPEC.timeline.event_end),  # after the event
            _line(3, 2, "o7", "c1", "completed", 1, EVENT),
            _line(3, 3, "o9", "c1", "PROCESSING", 4000, EVENT + 11 * hour),  # open: live, not yet eligible
            _line(3, 4, "o10", "c1", "completed", 6000, EVENT + 20 * hour),  # after "now"
        ])
        conn.execute(quarantine.insert(), [
            {"file_id": 2, "row_number": 7, "reason": "negative_gmv", "field": "gmv_sen"},
            {"file_id": 2, "row_number": 8, "reason": "negative_gmv", "field": "gmv_sen"},
            {"file_id": 2, "row_number": 9, "reason": "missing_key", "field": "order_id"},
        ])
        failed = [{"name": "gmv_per_line_plausible", "why": "a line's GMV is at most RM 100,000.00",
                   "unexpected_count": 2}]
        conn.execute(quality_results.insert(), [
            {"campaign_id": SPEC.id, "dataset": "orders", "file_id": 2, "run_id": "r1", "suite": "orders",
             "success": False, "evaluated": 13, "failed": 1, "failed_expectations_json": json.dumps(failed),
             "validated_at": dt.datetime(2026, 12, 12, 6, tzinfo=UTC)},
            {"campaign_id": SPEC.id, "dataset": "orders", "file_id": 3, "run_id": "r2", "suite": "orders",
             "success": True, "evaluated": 13, "failed": 0, "failed_expectations_json": "[]",
             "validated_at": dt.datetime(2026, 12, 12, 7, tzinfo=UTC)},
            {"campaign_id": SPEC.id, "dataset": "enrollments", "file_id": 1, "run_id": "r0", "suite": "enrollments",
             "success": True, "evaluated": 5, "failed": 0, "failed_expectations_json": "[]",
             "validated_at": dt.datetime(2026, 12, 10, tzinfo=UTC)},
        ])
        created = dt.datetime(2026, 12, 12, 6, tzinfo=UTC)
        alerts = [
            ("m1", SPEC.id, "milestone_reached", "slack", "Eligible GMV reached 25%", "sent", 1, None, None, created),
            ("q1", SPEC.id, "quality_failed", "email", "orders failed its quality suite", "pending", 2, "SMTP 451",
             created + hour, None),
            ("x", "other_campaign", "milestone_reached", "slack", "someone else's", "pending", 0, None, None, None),
        ]
        columns = ("alert_key", "campaign_id", "kind", "channel", "subject", "status", "attempts", "last_error",
                   "next_attempt_at", "sent_at")
        hour2 = (EVENT + 2 * hour).astimezone(UTC)
        conn.execute(traffic_hours.insert(), {
            "campaign_id": SPEC.id, "hour_start": hour2, "run_id": "r_live", "remaining_before_sen": 5_000_000,
            "hour_budget_sen": 200_000, "spent_sen": 12000, "expected_gmv_sen": 95000, "creators": 2, "boosted": 2,
            "computed_at": hour2,
        })
        conn.execute(traffic_allocations.insert(), [
            {"campaign_id": SPEC.id, "hour_start": hour2, "creator_id": c, "spend_sen": spend,
             "expected_gmv_sen": expected, "spent_before_sen": 0}
            for c, spend, expected in (("c2", 2000, 5000), ("c1", 10000, 90000))
        ])
        conn.execute(alert_outbox.insert(), [
            dict(zip(columns, alert, strict=True)) | {"payload_json": "{}", "created_at": created} for alert in alerts
        ])


def _metrics(engine):
    """The one definition of the figures (warehouse.metrics) and the milestones' reading of it, as of NOW."""
    from creator_ops.figures.campaign import campaign_figures, measure

    return campaign_figures(engine, SPEC, as_of=NOW), measure(engine, SPEC, NOW)


def test_page_figures_follow_the_campaign_rules(seeded):
    page = campaign_page(SPEC, seeded, NOW)
    assert page.warehouse_error is None
    assert page.phase == "live"
    progress = {p.key: p for p in page.progress}
    assert progress["enrolled"].actual == 2  # c1 once, c2 on the dot; c3 too late
    # enrolled, not excluded creators, as of NOW: c2 is excluded, c3 late, o10 comes after NOW
    assert progress["eligible_gmv"].actual == 25050 + 1999 + 1
    assert progress["live_gmv"].actual == 25050 + 1999 + 1 + 4000  # o9 is still open
    figures, milestones = _metrics(seeded)
    assert (progress["enrolled"].actual, progress["eligible_gmv"].actual, progress["live_gmv"].actual) == (
        figures.enrolled, figures.eligible_gmv_sen, figures.live_gmv_sen)
    assert (milestones.creators_enrolled, milestones.eligible_gmv_sen) == (figures.enrolled, figures.eligible_gmv_sen)
    # the pace: 15.5 of 24 event hours gone, so a straight line to RM 5,000,000 stands at 15.5/24 of it
    assert progress["live_gmv"].pace_now == 500_000_000 * 55_800 // 86_400
    assert progress["live_gmv"].verdict == "behind pace so far"  # the event is open at NOW
    assert progress["enrolled"].verdict == "target missed"  # registration closed with 2 of 3,000
    hour0 = int(EVENT.timestamp()) // 3600
    assert page.live_by_hour == {hour0: 1, hour0 + 2: 25050, hour0 + 9: 1999, hour0 + 11: 4000}
    assert page.eligible_by_hour == {hour0: 1, hour0 + 2: 25050, hour0 + 9: 1999}
    assert sum(page.enrolled_by_hour.values()) == 2
    assert dict((label, n) for label, n, _ in page.funnel) == {
        "Candidates pulled": 5, "Shortlisted": 3, "Invited from the shortlist": 2, "Invited by account managers": 2,
        "Invited, either way": 3, "Enrolled": 2, "Sampled": 1, "Posting": 1, "Selling": 1,
    }  # invitations by source: c1, c3 from the shortlist; c1, c4 by account managers; c1 once in the union


def test_page_shows_quality_files_and_alerts(seeded):
    page = campaign_page(SPEC, seeded, NOW)
    quality = {q.dataset: q for q in page.quality}
    assert (quality["orders"].verdict, quality["orders"].files_checked, quality["orders"].files_failed) == (
        "failed", 2, 1)
    assert [e["name"] for e in quality["orders"].failed_expectations] == ["gmv_per_line_plausible"]
    assert quality["enrollments"].verdict == "passed"
    files = {f.name: f for f in page.file_problems}
    assert set(files) == {"orders_a.csv", "orders_broken.xlsx"}
    assert files["orders_a.csv"].reasons == [("negative_gmv", "gmv_sen", 2), ("missing_key", "order_id", 1)]
    assert files["orders_broken.xlsx"].status == "rejected"
    assert "missing required columns" in files["orders_broken.xlsx"].rejection_reason
    assert page.reasons == [("orders", "negative_gmv", "gmv_sen", 2), ("orders", "missing_key", "order_id", 1)]
    orders = next(d for d in page.ingestion if d["dataset"] == "orders")
    assert (orders["files"], orders["rows_in"], orders["quarantined"], orders["rejected_files"]) == (3, 11, 3, 1)
    assert page.alert_counts == {"sent": {"slack": 1}, "pending": {"email": 1}}
    assert [a["subject"] for a in page.alerts_waiting] == ["orders failed its quality suite"]
    assert page.alerts_waiting[0]["last_error"] == "SMTP 451"


def test_an_empty_or_unreadable_warehouse_still_renders(warehouse_engine, tmp_path):
    from creator_ops.airflow.ui.campaign_charts import charts
    from creator_ops.warehouse.db import make_engine

    empty = campaign_page(SPEC, warehouse_engine, NOW)
    assert empty.warehouse_error is None and [p.actual for p in empty.progress] == [0, 0, 0]
    assert all(svg.startswith("<svg") for svg in charts(empty).values())
    broken = campaign_page(SPEC, make_engine(f"sqlite:///{tmp_path / 'never_migrated.db'}"), NOW)
    assert "warehouse not readable" in broken.warehouse_error
    assert all(svg.startswith("<svg") for svg in charts(broken).values())


# --------------------------------------------------------------------------- the routes, through Airflow's API app


def seed_matchmaking(engine) -> None:
    """Two products (names, categories) and the list BD froze: three pairs for two account managers."""
    from creator_ops.warehouse.schema import matchmaking_lists, matchmaking_pairs, products

    summary = {"pairs": 3, "creators_matched": 2, "candidates": 3, "products": 2, "products_filled": 1,
               "products_short": 1, "samples_short": 1}  # fmt: skip
    with engine.begin() as conn:
        conn.execute(ingested_files.insert(), _file(12, "products", "products.xlsx", rows_in=3))
        conn.execute(products.insert(), [
            {"file_id": 12, "row_number": 1, "campaign_id": SPEC.id, "product_id": "p1",
             "name": "Glow Serum 30ml", "category": "beauty", "price_sen": 5990, "sample_quota": 2},
            {"file_id": 12, "row_number": 2, "campaign_id": SPEC.id, "product_id": "p2",
             "name": "Baju Kurung Moden", "category": "fashion", "price_sen": 12900, "sample_quota": 2},
            {"file_id": 12, "row_number": 3, "campaign_id": SPEC.id, "product_id": "p3",
             "name": "Lip Matte", "category": "beauty", "price_sen": 3900, "sample_quota": 0},
        ])  # fmt: skip
        conn.execute(matchmaking_lists.insert(), {
            "list_id": 1, "campaign_id": SPEC.id, "run_id": "pre_event__2026-12-07T00:00+08:00", "state": "frozen",
            "pairs": 3, "total_value_sen": 123_456, "summary_json": json.dumps(summary),
            "computed_at": dt.datetime(2026, 12, 7, 16, tzinfo=UTC), "decided_by": "hafiz.bd",
            "decided_at": dt.datetime(2026, 12, 8, 2, tzinfo=UTC), "decision_note": None,
        })  # fmt: skip
        conn.execute(matchmaking_pairs.insert(), [
            {"list_id": 1, "creator_id": "c1", "product_id": "p1", "value_sen": 100_000, "account_manager": "aisyah"},
            {"list_id": 1, "creator_id": "c2", "product_id": "p1", "value_sen": 20_000, "account_manager": "wei_jie"},
            {"list_id": 1, "creator_id": "c2", "product_id": "p2", "value_sen": 3_456, "account_manager": "wei_jie"},
        ])  # fmt: skip


@pytest.fixture(scope="module")
def api(airflow_db, tmp_path_factory):
    """The real Airflow API app (plugins loaded) with a seeded SQLite warehouse, and a viewer's token."""
    from creator_ops.warehouse.db import make_engine, upgrade

    folder = tmp_path_factory.mktemp("campaign_page")
    warehouse = folder / "warehouse.db"
    engine = make_engine(f"sqlite:///{warehouse}")
    upgrade(engine)
    seed(engine)
    seed_matchmaking(engine)
    engine.dispose()
    (folder / "output" / SPEC.id / "matchmaking").mkdir(parents=True)
    (folder / "output" / SPEC.id / "matchmaking" / "pairs.csv").write_text("creator_id,product_id\nc1,p1\n")
    mp = pytest.MonkeyPatch()
    mp.setenv("AIRFLOW_CONN_CREATOR_OPS_WAREHOUSE", json.dumps({"conn_type": "sqlite", "host": str(warehouse)}))
    mp.setenv("CREATOR_OPS_UI_NOW", NOW.isoformat())
    mp.setenv("CREATOR_OPS_OUTPUT_ROOT", str(folder / "output"))
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


def test_signed_out_visitors_are_refused(api):
    client, _ = api
    for path in (f"/creator-ops/campaigns/{SPEC.id}.json", f"/creator-ops/campaigns/{SPEC.id}/matchmaking/pairs.csv",
                 f"/creator-ops/campaigns/{SPEC.id}/traffic.csv"):
        response = client.get(path)
        assert response.status_code == 401, path
        assert SPEC.name not in response.text
    page = client.get(f"/creator-ops/campaigns/{SPEC.id}", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/auth/login?next=")
    assert SPEC.name not in page.text


def test_the_page_answers_where_we_are_and_what_needs_me(api):
    client, token = api
    client.cookies.set("_token", token)
    try:
        listing = client.get("/creator-ops/campaigns").text
        page = client.get(f"/creator-ops/campaigns/{SPEC.id}")
    finally:
        client.cookies.clear()
    assert f'href="campaigns/{SPEC.id}"' in listing  # the Campaigns view links each campaign's page
    assert page.status_code == 200
    html = page.text
    assert SPEC.name in html and 'id="phase">live<' in html
    assert "RM 270.50" in html  # eligible GMV: 250.50 + 19.99 + 0.01
    assert "RM 310.50" in html  # live GMV adds the open line
    assert "gmv_per_line_plausible" in html and "orders_broken.xlsx" in html
    assert "1 alert(s) not delivered yet" in html
    # one script only, the one that hands Airflow links to Airflow's window (allowed by its hash)
    html = html.replace(f"<script>{TOP_LINKS_SCRIPT}</script>", "", 1)
    assert "<script" not in html and "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert f'id="matchmaking-link" href="{SPEC.id}/matchmaking"' in html and "(frozen, 3 pairs)" in html
    assert f'id="traffic-link" href="{SPEC.id}/traffic"' in html
    assert "RM 120.00 spent" in html and "2 creator(s) boosted" in html
    for plot in ("timeline", "plot-enrollment", "plot-gmv-progress", "plot-gmv-by-hour"):
        assert f'id="{plot}"><svg' in html


def test_the_json_twin_and_the_matchmaking_file(api):
    client, token = api
    headers = {"Authorization": f"Bearer {token}"}
    body = client.get(f"/creator-ops/campaigns/{SPEC.id}.json", headers=headers).json()
    assert body["phase"] == "live"
    assert body["progress"]["eligible_gmv"]["actual"] == 27050
    assert body["human_actions_waiting"] == [] and body["airflow_error"] is None
    assert body["links"]["matchmaking"] == ["pairs.csv"]
    download = client.get(f"/creator-ops/campaigns/{SPEC.id}/matchmaking/pairs.csv", headers=headers)
    assert download.status_code == 200 and download.text.startswith("creator_id,product_id")
    assert body["traffic"]["spent_sen"] == 12000 and body["traffic"]["boosted_creators"] == 2
    traffic = client.get(f"/creator-ops/campaigns/{SPEC.id}/traffic.csv", headers=headers)
    assert traffic.status_code == 200
    assert traffic.text.lstrip("\ufeff").splitlines() == [
        "hour_start,creator_id,spend_myr,expected_gmv_myr",
        "2026-12-12T02:00:00+08:00,c1,100.00,900.00",
        "2026-12-12T02:00:00+08:00,c2,20.00,50.00",
    ]
    assert client.get(f"/creator-ops/campaigns/{SPEC.id}/matchmaking/..%2Fsecret.csv", headers=headers).status_code == 404
    assert client.get("/creator-ops/campaigns/no_such_campaign", headers=headers).status_code == 404


def test_figures_follow_new_and_retired_files(seeded):
    """The costly series are kept between requests, and read again as soon as the campaign's files change."""
    from sqlalchemy import update

    before = {p.key: p.actual for p in campaign_page(SPEC, seeded, NOW).progress}
    with seeded.begin() as conn:  # ingestion lands a file and its rows in one transaction
        conn.execute(ingested_files.insert(), _file(7, "orders", "orders_c.csv", rows_in=1))
        conn.execute(order_lines.insert(), _line(7, 1, "o8", "c1", "completed", 5000, EVENT + dt.timedelta(hours=4)))
    after = {p.key: p.actual for p in campaign_page(SPEC, seeded, NOW).progress}
    assert after["eligible_gmv"] == before["eligible_gmv"] + 5000
    with seeded.begin() as conn:  # ops retire the file
        conn.execute(update(ingested_files).where(ingested_files.c.file_id == 7).values(status="superseded"))
    retired = {p.key: p.actual for p in campaign_page(SPEC, seeded, NOW).progress}
    assert retired == before


def test_the_matchmaking_page_names_products_and_who_froze_the_list(api):
    client, token = api
    headers = {"Authorization": f"Bearer {token}"}
    client.cookies.set("_token", token)
    try:
        html = client.get(f"/creator-ops/campaigns/{SPEC.id}/matchmaking").text
        traffic = client.get(f"/creator-ops/campaigns/{SPEC.id}/traffic").text
    finally:
        client.cookies.clear()
    assert "Glow Serum 30ml" in html and "Baju Kurung Moden" in html and "fashion" in html
    assert "frozen: signed off by BD" in html and "hafiz.bd" in html and "Tue 08 Dec 2026 10:00" in html
    assert 'data-account-manager="aisyah"' in html and 'data-account-manager="wei_jie"' in html
    assert "aisyah (1)" in html and "wei_jie (2)" in html
    assert "Value</strong>: Value is a ranking score, not a forecast of GMV" in html
    # the score is unitless: whole numbers, never in ringgit (its total, 1,234.56, shows as 1,235)
    assert ">1,000</td>" in html and ">35</td>" in html and "short 1" in html
    assert "ranking score 1,235 " in html and "RM 1,234.56" not in html and "RM 1,000.00" not in html
    # the data's moment first; the clock of the computation labelled as such (issue 30)
    assert "data as of" in html and "(computed Tue 08 Dec 2026 00:00 by the clock)" in html
    # a product with sample quota 0 is not "filled": it has no samples to give
    lip_matte = html[html.index("Lip Matte"):html.index("</tr>", html.index("Lip Matte"))]
    assert "no quota" in lip_matte and "filled" not in lip_matte
    assert "times in Asia/Kuala_Lumpur" in html
    assert "<script" not in html.replace(f"<script>{TOP_LINKS_SCRIPT}</script>", "", 1)
    download = client.get(f"/creator-ops/campaigns/{SPEC.id}/matchmaking.csv", headers=headers)
    assert download.headers["content-disposition"] == f'attachment; filename="{SPEC.id}_matchmaking.csv"'
    assert download.text.lstrip("\ufeff").splitlines() == [
        "account_manager,creator_id,product_id,product_name,category,ranking_score",
        "wei_jie,c2,p2,Baju Kurung Moden,fashion,35",
        "aisyah,c1,p1,Glow Serum 30ml,beauty,1000",
        "wei_jie,c2,p1,Glow Serum 30ml,beauty,200",
    ]
    # traffic: each live hour's spend and expected GMV (the seeded hour: RM 120.00 on two creators)
    assert "Sat 12 Dec 2026 02:00" in traffic and "RM 120.00" in traffic and "RM 950.00" in traffic
    assert "times in Asia/Kuala_Lumpur" in traffic
    for path in ("matchmaking", "traffic"):  # a signed-out browser is sent to sign in
        page = client.get(f"/creator-ops/campaigns/{SPEC.id}/{path}", follow_redirects=False)
        assert page.status_code == 303 and page.headers["location"].startswith("/auth/login?next=")
    assert client.get(f"/creator-ops/campaigns/{SPEC.id}/matchmaking.csv").status_code == 401


def test_a_pinned_now_shows_the_day_as_it_was(seeded):
    """Under a pinned now, the page shows the snapshot of the run whose interval holds it, verdicts "so far"
    while the event is open; a now before every stored snapshot says plainly that it shows a later one."""
    from dataclasses import replace

    from creator_ops.core.calendar import CampaignCalendar
    from creator_ops.figures.snapshot import compute_snapshot, snapshots_at, store_snapshot
    from creator_ops.warehouse.snapshots import BEFORE_NOW, HOLDS_NOW, LATER

    calendar = CampaignCalendar(SPEC.timeline)
    holding = calendar.run_containing(NOW)  # the live run whose interval holds 15:30
    later = calendar.runs[calendar.runs.index(holding) + 1]
    final = calendar.runs[-1]
    for run, name in ((holding, "r_holding"), (later, "r_later"), (final, "r_final")):
        store_snapshot(seeded, replace(compute_snapshot(seeded, SPEC, as_of=run.end, run_id=name), run_id=name))
    assert holding.start <= NOW < holding.end

    chosen = snapshots_at(seeded, [SPEC], NOW)[SPEC.id]
    assert (chosen.run_id, chosen.chosen_because) == ("r_holding", HOLDS_NOW)  # not the final run's
    page = campaign_page(SPEC, seeded, NOW)
    assert page.snapshot.run_id == "r_holding"
    progress = {p.key: p for p in page.progress}
    assert progress["live_gmv"].verdict.endswith("so far")  # the event is still open at its moment
    # between runs with no snapshot of its own, the latest one before now
    gap = later.end + (calendar.runs[calendar.runs.index(later) + 1].end - later.end) / 2
    assert snapshots_at(seeded, [SPEC], gap)[SPEC.id].chosen_because in (BEFORE_NOW, HOLDS_NOW)
    # long before any run: the earliest later snapshot, said plainly on the page
    early = holding.start - dt.timedelta(days=30)
    assert snapshots_at(seeded, [SPEC], early)[SPEC.id].chosen_because == LATER
    # after the campaign: the final run's figures, final verdicts
    after = snapshots_at(seeded, [SPEC], final.end + dt.timedelta(days=1))[SPEC.id]
    assert after.run_id == "r_final"


def test_after_the_event_the_live_projections_show_hour_by_hour_against_the_final(seeded):
    from creator_ops.warehouse.experiments import settle_predictions, store_prediction

    for hours, predicted in ((2, 30_000), (8, 28_000), (14, 27_500)):
        store_prediction(seeded, SPEC.id, "live_projection", EVENT + dt.timedelta(hours=hours),
                         predicted_sen=predicted, low_sen=predicted - 2_000, high_sen=predicted + 2_000, detail={},
                         now=EVENT + dt.timedelta(hours=hours))
    settle_predictions(seeded, SPEC.id, 27_050)
    during = campaign_page(SPEC, seeded, NOW)
    assert during.projections == []  # during the event: the latest projection only, as it was
    after = campaign_page(SPEC, seeded, SPEC.timeline.event_end + dt.timedelta(days=2))
    assert [p.predicted_sen for p in after.projections] == [30_000, 28_000, 27_500]
    assert after.final_eligible_sen == 27_050
    # the page itself: the table of projections against the final
    from creator_ops.airflow.ui.app import templates
    from creator_ops.airflow.ui.campaign_charts import charts

    html = templates().get_template("campaign.html").render(
        page=after, spec=SPEC, status=after.status, progress={p.key: p for p in after.progress}, charts=charts(after),
        actions=[], latest_run=None, airflow_error=None, links={"review": False, "matchmaking": []},
        upcoming_signoffs=[], ui_root="", user="ops_viewer",
    )
    table = html[html.index('<table id="projections">'):html.index("</table>", html.index('<table id="projections">'))]
    assert table.count("<tr><td>") == 3 and "RM 270.50" in table and "+10.9 %" in table  # 300.00 vs 270.50
    assert table.count(">yes<") == 2 and table.count(">no<") == 1  # the first, RM 300.00 ± 20.00, misses RM 270.50
