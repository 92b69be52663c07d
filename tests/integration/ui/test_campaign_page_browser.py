"""The demo campaign in the Airflow UI, in headless Chromium, over what `make demo` leaves behind.

The DAG list shows campaign names; the campaign page (from the Campaigns view) shows its
phase, figures equal to the warehouse's, the quality and quarantine sections and a sign-off
waiting in Required Actions; signed-out visitors get the sign-in page. Screenshots go to
test-artifacts/.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from urllib.parse import quote

import pytest
from repo_paths import DEMO_CAMPAIGN, DEMO_SPEC, ROOT

CAMPAIGN = DEMO_CAMPAIGN
DAG_ID = f"campaign__{CAMPAIGN}"
NAMES = ("12.12 Year-End Mega Sale 2026", "Raya Creator Day 2027")
SIGNOFF = "runbook.marcom_assets_signoff"
DEMO_NOW = "2026-12-12T15:30:00+08:00"  # conftest's: the demo standalone's pinned now
SIGNOFF_TITLE = "MarCom approves the creator brief and key visuals"

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _spec():
    from creator_ops.core.spec import load_spec

    return load_spec(DEMO_SPEC)


# A run of the day a sign-off is due, as the demo makes its runs (dag.test), left unanswered.
# Not through the scheduler: it refuses runs dated after the wall clock, and this day may be ahead.
WAIT_FOR_SIGNOFF = """
import datetime as dt, sys
from airflow.dag_processing.dagbag import DagBag
dag = DagBag(dag_folder=sys.argv[1]).dags[sys.argv[2]]
dag.test(logical_date=dt.datetime.fromisoformat(sys.argv[3]))
"""


@pytest.fixture(scope="module")
def waiting_signoff(demo_standalone):
    """Ops re-run the day MarCom's sign-off is due: its request waits in Required Actions; return its run id."""
    from creator_ops.core.calendar import CampaignCalendar

    spec = _spec()
    # MarCom's: BD's sign-off does not open again once BD froze the matchmaking list, as the demo did
    due = spec.when(next(s.due for s in spec.runbook if s.id == "marcom_assets_signoff"))
    run = CampaignCalendar(spec.timeline).run_containing(due)
    server = demo_standalone
    # a minute into the day the demo already ran: the same data interval, another logical date
    logical = run.start.replace(minute=1)
    env = dict(server.env, PYTHONPATH=str(ROOT / "plugins"))
    with open(server.home / "signoff_run.log", "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-c", WAIT_FOR_SIGNOFF, str(ROOT / "dags"), DAG_ID, logical.isoformat()],
            env=env, cwd=server.home, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError((server.home / "signoff_run.log").read_text()[-3000:])
            runs = server.api("GET", f"/dags/{DAG_ID}/dagRuns", params={"logical_date_gte": logical.isoformat(),
                                                                         "logical_date_lte": logical.isoformat()})
            for dag_run in runs.json().get("dag_runs", []):
                ti = server.api("GET", f"/dags/{DAG_ID}/dagRuns/{dag_run['dag_run_id']}/taskInstances/{SIGNOFF}")
                if ti.json().get("state") == "awaiting_input":
                    yield dag_run["dag_run_id"]
                    return
            time.sleep(2)
        raise TimeoutError((server.home / "signoff_run.log").read_text()[-3000:])
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # dag.test() ignores SIGTERM while it waits for a person
        process.wait(timeout=30)


def sign_in(browser, server) -> None:
    browser.goto(f"{server.base_url}/")
    browser.wait_for("document.querySelector('input[name=username]')", timeout=60)
    browser.type_into("input[name=username]", "admin")
    browser.type_into("input[name=password]", server.password)
    browser.click("button[type=submit]")
    browser.wait_for("!document.querySelector('input[name=password]')", timeout=60)


def _warehouse_figures(server) -> dict[str, int]:
    """The figures the pages show at DEMO_NOW: the stored snapshot `snapshots_at` picks (the day as it was).

    An event-day snapshot is the figures as the run computed them then; recomputing them now
    would count the status changes that landed later, so the snapshot itself is the reference.
    """
    from creator_ops.figures.snapshot import snapshots_at
    from creator_ops.warehouse.db import make_engine

    spec = _spec()
    engine = make_engine(f"sqlite:///{server.home / 'creator_ops_warehouse.db'}")
    snapshot = snapshots_at(engine, [spec], dt.datetime.fromisoformat(DEMO_NOW))[spec.id]
    engine.dispose()
    f = snapshot.figures
    assert snapshot.stored and snapshot.as_of <= dt.datetime.fromisoformat(DEMO_NOW) + dt.timedelta(hours=8)
    return {"enrolled": f.enrolled, "eligible_gmv": f.eligible_gmv_sen, "live_gmv": f.live_gmv_sen,
            "selling": f.selling_creators, "run_id": snapshot.run_id,
            "as_of": snapshot.as_of.astimezone(spec.tz).strftime("%a %d %b %Y %H:%M")}


def test_the_dag_list_shows_campaign_names(browser, demo_standalone):
    sign_in(browser, demo_standalone)
    browser.goto(f"{demo_standalone.base_url}/dags")
    text = browser.wait_for_text(*NAMES, timeout=90)
    time.sleep(1)
    browser.screenshot("ui_10_dag_list_names.png")
    assert "campaign__my_1212_2026" not in text  # the name replaces the id in the list


def test_signed_out_visitors_get_the_sign_in_page(browser, demo_standalone):
    browser.goto(f"{demo_standalone.base_url}/creator-ops/campaigns/{CAMPAIGN}")
    browser.wait_for("document.querySelector('input[name=password]')", timeout=60)
    browser.screenshot("ui_11_campaign_page_signed_out.png")
    assert NAMES[0] not in browser.text()


def test_the_baseline_campaign_page_shows_its_loaded_history(browser, demo_standalone):
    server = demo_standalone
    sign_in(browser, server)
    browser.goto(f"{server.base_url}/creator-ops/campaigns/my_1111_2026")
    browser.wait_for("document.querySelector('#as-of')", timeout=60)
    browser.full_page_screenshot("ui_16_baseline_campaign_page.png")
    as_of = browser.evaluate("document.querySelector('#as-of').innerText")
    assert "Figures as of" in as_of and "demo_history__my_1111_2026" in as_of
    assert "history loaded" in browser.evaluate("document.querySelector('#links').innerText")
    assert int(browser.evaluate("document.querySelector('#progress-eligible_gmv').dataset.actual")) > 0


def test_the_demo_campaign_page(browser, demo_standalone, waiting_signoff):
    server = demo_standalone
    sign_in(browser, server)
    # from the Campaigns view inside the Airflow UI, the campaign's name opens its page
    browser.goto(f"{server.base_url}/plugin/creator-ops-campaigns")
    browser.wait_for_text(*NAMES, timeout=90)
    frame = "document.querySelector('iframe').contentDocument"
    browser.wait_for(f"{frame}.querySelector('a.campaign-link[href=\"campaigns/{CAMPAIGN}\"]')", timeout=30)
    browser.evaluate(f"{frame}.querySelector('a.campaign-link[href=\"campaigns/{CAMPAIGN}\"]').click()")
    browser.wait_for_text("Needs you", "Progress against target and pace", timeout=60)
    browser.screenshot("ui_12_campaign_page_in_ui.png")

    # the page itself, whole
    browser.goto(f"{server.base_url}/creator-ops/campaigns/{CAMPAIGN}")
    browser.wait_for("document.querySelector('#needs-you')", timeout=60)
    shot = browser.full_page_screenshot("ui_13_campaign_page.png")
    assert shot.stat().st_size > 50_000

    def text_of(selector: str) -> str:
        return browser.evaluate(f"document.querySelector({json.dumps(selector)}).innerText")

    def attr(selector: str, name: str) -> str:
        return browser.evaluate(f"document.querySelector({json.dumps(selector)}).getAttribute({json.dumps(name)})")

    assert text_of("#phase") == "live"
    figures = _warehouse_figures(server)
    # one basis: the page shows the latest run's snapshot (= review.json), says which, and in which zone
    assert figures["run_id"] in text_of("#as-of") and figures["as_of"] in text_of("#as-of")
    assert "Asia/Kuala_Lumpur" in text_of("#timezone")
    # the event day as it was: the live run whose interval holds 15:30, not the demo's last (payout) run
    assert figures["run_id"].startswith("live__2026-12-12"), figures["run_id"]
    assert "so far" in text_of("#progress-live_gmv .verdict")
    assert int(attr("#progress-enrolled", "data-actual")) == figures["enrolled"]
    assert int(attr("#progress-eligible_gmv", "data-actual")) == figures["eligible_gmv"] > 0
    assert int(attr("#progress-live_gmv", "data-actual")) == figures["live_gmv"] >= figures["eligible_gmv"]
    eligible_text = text_of("#progress-eligible_gmv .actual")
    assert eligible_text == f"RM {figures['eligible_gmv'] // 100:,}.{figures['eligible_gmv'] % 100:02d}"

    quality = text_of("#quality")
    for dataset in ("creators", "enrollments", "orders", "surveys"):
        assert dataset in quality
    assert "trusted" in quality
    reasons = text_of("#quarantine-reasons")
    assert "negative_gmv" in reasons and "missing_key" in reasons
    assert "orders_" in text_of("#problem-files")
    # the timeline's dated labels, as Chromium lays them out, never overlap
    clashes = browser.evaluate("""(() => {
      const boxes = [...document.querySelectorAll('#timeline text.mark')].map(t => [t.textContent, t.getBBox()]);
      const out = [];
      boxes.forEach(([a, p], i) => boxes.slice(i + 1).forEach(([b, q]) => {
        if (p.x < q.x + q.width && q.x < p.x + p.width && p.y < q.y + q.height && q.y < p.y + p.height) out.push(a + ' / ' + b);
      }));
      return JSON.stringify([boxes.length, out]);
    })()""")
    count, overlapping = json.loads(clashes)
    assert count >= 5 and overlapping == []
    for plot in ("#timeline svg", "#plot-enrollment svg", "#plot-gmv-progress svg", "#plot-gmv-by-hour svg"):
        assert browser.evaluate(f"document.querySelector({json.dumps(plot)}).getBoundingClientRect().height") > 100

    needs = text_of("#needs-you")
    assert "Sign-off waiting" in needs and SIGNOFF_TITLE in needs
    link = attr(".human-action a", "href")
    assert link.endswith(f"/tasks/{SIGNOFF}/required_actions") and quote(waiting_signoff, safe="") in link
    # the link opens the request in Airflow's Required Actions, ready to answer
    browser.goto(f"{server.base_url}{link}")
    browser.wait_for_text(SIGNOFF_TITLE, "Approve", timeout=90)
    time.sleep(1)
    browser.screenshot("ui_14_required_action.png")


def test_the_campaigns_list_shows_the_snapshot(browser, demo_standalone):
    server = demo_standalone
    sign_in(browser, server)
    figures = _warehouse_figures(server)
    browser.goto(f"{server.base_url}/creator-ops/campaigns")
    browser.wait_for(f"document.querySelector('#campaign-{CAMPAIGN} .gmv')", timeout=60)
    browser.full_page_screenshot("ui_17_campaigns_list.png")
    row = browser.evaluate(f"document.querySelector('#campaign-{CAMPAIGN}').innerText")
    eligible = f"RM {figures['eligible_gmv'] // 100:,}.{figures['eligible_gmv'] % 100:02d}"
    assert eligible in row and f"{figures['enrolled']:,} / 3,000" in row
    assert f"figures as of {figures['as_of']}" in row
    assert "times in Asia/Kuala_Lumpur" in browser.evaluate("document.querySelector('#timezone').innerText")


def test_the_matchmaking_and_traffic_pages(browser, demo_standalone):
    server = demo_standalone
    sign_in(browser, server)
    browser.goto(f"{server.base_url}/creator-ops/campaigns/{CAMPAIGN}/matchmaking")
    browser.wait_for("document.querySelector('#signoff')", timeout=60)
    browser.full_page_screenshot("ui_18_matchmaking.png")
    assert "frozen: signed off by BD" in browser.evaluate("document.querySelector('#state').innerText")
    decided_by = browser.evaluate("document.querySelector('#decided-by').innerText")
    assert _spec().runbook and decided_by.strip()
    tabs = browser.evaluate("[...document.querySelectorAll('label.tab')].map(l => l.innerText)")
    assert len(tabs) >= 2
    browser.click("label.tab:nth-of-type(2)")  # the second account manager's tab
    visible = browser.evaluate(
        "[...document.querySelectorAll('.panel')].filter(p => p.offsetParent !== null).map(p => p.dataset.accountManager)"
    )
    assert len(visible) == 1 and tabs[1].startswith(visible[0])
    browser.screenshot("ui_19_matchmaking_second_tab.png")
    products = browser.evaluate("document.querySelector('#products').innerText")
    assert not any(line.split("\t")[0].strip().isdigit() for line in products.splitlines()[1:])  # names, not ids

    browser.goto(f"{server.base_url}/creator-ops/campaigns/{CAMPAIGN}/traffic")
    browser.wait_for("document.querySelector('#hours')", timeout=60)
    browser.full_page_screenshot("ui_20_traffic.png")
    spent = browser.evaluate("document.querySelector('#spent').innerText")
    actual = browser.evaluate("document.querySelector('#actual').innerText")
    # at the pinned now (12 Dec 15:30) the hours allocated so far, and the boosted creators' GMV so far
    assert spent.startswith("RM ") and spent != "RM 0.00" and actual.startswith("RM ")
    assert browser.evaluate("document.querySelector('#boosted-gmv').innerText").startswith("Actual GMV of boosted creators: RM ")


def test_a_demo_task_log_shows_in_the_ui(browser, demo_standalone):
    server = demo_standalone  # and the grid in Kuala Lumpur time once the browser chose it
    sign_in(browser, server)
    figures = _warehouse_figures(server)
    # what the clock button's Select Timezone stores (the UI's useLocalStorage keeps JSON)
    browser.evaluate("localStorage.setItem('timezone', JSON.stringify('Asia/Kuala_Lumpur'))")
    path = f"/dags/{DAG_ID}/runs/{quote(figures['run_id'], safe='')}/tasks/report.summarize_run"
    browser.goto(f"{server.base_url}{path}")
    browser.wait_for_text("Run summary", timeout=90)
    time.sleep(1)
    browser.screenshot("ui_21_task_log.png")
    assert "Log file not found" not in browser.text()
    browser.goto(f"{server.base_url}/dags/{DAG_ID}/runs")
    browser.wait_for_text(figures["run_id"], timeout=90)
    time.sleep(1)
    browser.screenshot("ui_22_runs_in_myt.png")
    # the grid's times are Kuala Lumpur's now: the run's start as the API gives it (UTC), shown 8 hours later
    import datetime as dt

    run = server.api("GET", f"/dags/{DAG_ID}/dagRuns/{quote(figures['run_id'], safe='')}").json()
    started = dt.datetime.fromisoformat(run["start_date"].replace("Z", "+00:00"))
    myt = dt.timezone(dt.timedelta(hours=8))
    assert started.astimezone(myt).strftime("%Y-%m-%d %H:%M") in browser.text()


def test_one_definition_per_figure_on_every_surface(demo_standalone):
    """Each figure that had two numbers under one name (issue 30) has one number, named the same, everywhere."""
    import httpx

    from creator_ops.core.review import loads
    from creator_ops.figures.snapshot import snapshots_at, traffic_of
    from creator_ops.warehouse.db import make_engine
    from creator_ops.warehouse.mechanisms import BOOSTED_GMV_NAME

    server = demo_standalone
    server.api("GET", "/version")  # signs in (the token)
    headers = {"Authorization": f"Bearer {server._token}"}

    def page(path: str) -> str:
        response = httpx.get(f"{server.base_url}/creator-ops{path}", headers=headers, timeout=60)
        assert response.status_code == 200, (path, response.status_code)
        return response.text

    engine = make_engine(f"sqlite:///{server.home / 'creator_ops_warehouse.db'}")
    boosted = traffic_of(snapshots_at(engine, [_spec()], dt.datetime.fromisoformat(DEMO_NOW))[CAMPAIGN]).actual_gmv_sen
    engine.dispose()
    shown = f"RM {boosted // 100:,}.{boosted % 100:02d}"
    # actual GMV of boosted creators: the list, the campaign page, its JSON and the traffic page, one number
    overview = {r["campaign_id"]: r for r in httpx.get(f"{server.base_url}/creator-ops/campaigns.json",
                                                       headers=headers, timeout=60).json()["campaigns"]}
    assert overview[CAMPAIGN]["campaign_id"] == CAMPAIGN
    listing, campaign, traffic = page("/campaigns"), page(f"/campaigns/{CAMPAIGN}"), page(f"/campaigns/{CAMPAIGN}/traffic")
    for html in (listing, campaign, traffic):
        assert f"{BOOSTED_GMV_NAME}</span> {shown}" in html or f"{BOOSTED_GMV_NAME} {shown}" in html \
            or f"{BOOSTED_GMV_NAME[:1].upper()}{BOOSTED_GMV_NAME[1:]}: {shown}" in html
    campaign_json = httpx.get(f"{server.base_url}/creator-ops/campaigns/{CAMPAIGN}.json", headers=headers,
                              timeout=60).json()
    assert campaign_json["traffic"]["actual_gmv_sen"] == boosted
    assert "GMV in the boosted hour" in traffic  # the per-hour figure has a name of its own
    # sample cost: SPEC 10's cost counts every sample shipped; the experiments' figure is named for what it counts
    review = loads((server.home / "output" / CAMPAIGN / "review" / "review.json").read_text(encoding="utf-8"))
    review_html = page(f"/campaigns/{CAMPAIGN}/review")
    assert "Free samples (every sample shipped)" in review_html
    samples = (review.get("experiments") or {}).get("samples")
    if samples and samples.get("spend_myr") is not None:
        assert "samples shipped to treated creators" in review_html
        assert samples["spend_myr"].sen <= review["cost"]["samples_myr"].sen
    # holdout counts: each names its population (the review's "among enrolled" / "among the would-be-treated")
    if review.get("experiments"):
        assert "held out among enrolled" in review_html
        if any(block.get("on_treated") for block in review["experiments"].values()):
            assert "held out among the would-be-treated" in review_html
    matchmaking = page(f"/campaigns/{CAMPAIGN}/matchmaking")
    if 'id="held-out"' in matchmaking:
        assert "held out among enrolled" in matchmaking


def test_the_demos_survey_language_other_is_rare(demo_standalone):
    """Under 10 % of the demo's survey responses fall in language "other" (docs/review.md, "by_language")."""
    from creator_ops.core.review import loads

    review = loads((demo_standalone.home / "output" / CAMPAIGN / "review" / "review.json").read_text(encoding="utf-8"))
    for survey in review["surveys"].values():
        by_language = survey["by_language"]
        total = sum(group["responses"] for group in by_language.values())
        assert by_language.get("other", {"responses": 0})["responses"] < total / 10, by_language
