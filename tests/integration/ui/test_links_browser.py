"""Every kind of link on the plugin's pages, clicked in headless Chromium, both where ops open them.

Inside Airflow's navigation a plugin page runs in an iframe sandboxed without
`allow-top-navigation` and `allow-popups` (airflow/ui/dist): a `target=_top` or `_blank` link
does nothing there on its own. Each link is clicked with the mouse (DevTools input events, as a
person clicks), in the frame and on the page's own address, and must land where it says:

- Airflow's pages (DAG grid, runs, a run, Required Actions) open in Airflow's own window,
  never nested inside the plugin's frame;
- the plugin's pages (campaign, review, ecosystem, matchmaking, traffic) open in the frame,
  with Airflow's address following them, or in the tab when opened on their own;
- downloads (CSV) arrive as files.

Screenshots of each landing go to test-artifacts/ (ui_links_*.png).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from repo_paths import DEMO_CAMPAIGN

CAMPAIGN = DEMO_CAMPAIGN
DAG_ID = f"campaign__{CAMPAIGN}"
FRAME = "document.querySelector('iframe')"

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def sign_in(browser, server) -> None:
    browser.goto(f"{server.base_url}/")
    browser.wait_for("document.querySelector('input[name=username]')", timeout=60)
    browser.type_into("input[name=username]", "admin")
    browser.type_into("input[name=password]", server.password)
    browser.click("button[type=submit]")
    browser.wait_for("!document.querySelector('input[name=password]')", timeout=60)


class Pages:
    """Open a plugin page framed (Airflow's navigation) or on its own, and click its links with the mouse."""

    def __init__(self, browser, server, framed: bool) -> None:
        self.browser = browser
        self.server = server
        self.framed = framed

    @property
    def doc(self) -> str:
        return f"{FRAME}.contentDocument" if self.framed else "document"

    def open(self, path: str, ready: str) -> None:
        """Open `/creator-ops<path>`, from Airflow's navigation or on its own; wait for `ready` (a selector)."""
        url = f"/plugin/creator-ops-campaigns/creator-ops{path}" if self.framed else f"/creator-ops{path}"
        self.browser.goto(self.server.base_url + url)
        self.wait(ready)

    def wait(self, selector: str) -> None:
        guard = f"{FRAME} && {FRAME}.contentDocument && " if self.framed else ""
        self.browser.wait_for(f"{guard}{self.doc}.readyState === 'complete' && "
                              f"{self.doc}.querySelector({json.dumps(selector)})", timeout=60)

    def href(self, selector: str) -> str:
        return self.browser.evaluate(f"{self.doc}.querySelector({json.dumps(selector)}).href")

    def click(self, selector: str) -> None:
        """Click the link's middle with the mouse (press and release at its place on the screen)."""
        self.wait(selector)
        frame_box = f"{FRAME}.getBoundingClientRect()" if self.framed else "({left: 0, top: 0})"
        x, y = self.browser.evaluate(f"""(() => {{
          const f = {frame_box};
          const e = {self.doc}.querySelector({json.dumps(selector)});
          e.scrollIntoView({{block: 'center'}});
          const r = e.getBoundingClientRect();
          return [f.left + r.left + Math.min(r.width / 2, 20), f.top + r.top + r.height / 2];
        }})()""")
        for kind in ("mousePressed", "mouseReleased"):
            self.browser.send("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)

    def top_path(self) -> str:
        return unquote(urlsplit(self.browser.evaluate("location.href")).path)

    def expect_airflow_page(self, path: str, *texts: str, shot: str) -> None:
        """Airflow's own page `path` is the top window's, with no plugin frame around it."""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and self.top_path() != path:
            time.sleep(0.3)
        assert self.top_path() == path, f"clicked towards {path}, still at {self.browser.evaluate('location.href')}"
        # Airflow's page itself, not Airflow nested inside the plugin's frame: the frame goes away
        self.browser.wait_for("!Array.from(document.querySelectorAll('iframe'))"
                              ".some(f => f.src.includes('/creator-ops/') || f.src.includes('/dags/'))", timeout=60)
        for text in texts:
            self.browser.wait_for(f"document.body.innerText.includes({json.dumps(text)})", timeout=60)
        time.sleep(1)
        self.browser.screenshot(shot)

    def expect_plugin_page(self, path: str, selector: str, shot: str) -> None:
        """The plugin's page `path` shows: in the frame (Airflow's address follows it) or in the tab."""
        want = f"/plugin/creator-ops-campaigns/creator-ops{path}" if self.framed else f"/creator-ops{path}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and self.top_path() != want:
            time.sleep(0.3)
        assert self.top_path() == want, self.browser.evaluate("location.href")
        self.wait(selector)
        if self.framed:  # Airflow's navigation is still around the page
            assert self.browser.evaluate("Boolean(document.querySelector('[data-testid=nav-sidebar]'))")
        time.sleep(0.5)
        self.browser.screenshot(shot)


def _latest_run_id(server) -> str:
    """The run the page calls latest: the one due last (`run_after`), as `campaign_view.latest_run` picks it.

    Not the latest logical date: a run ops started by hand for an earlier day (the sign-off test's)
    is the latest run although its logical date is not.
    """
    runs = server.api("GET", f"/dags/{DAG_ID}/dagRuns", params={"order_by": "-run_after", "limit": 1}).json()
    return runs["dag_runs"][0]["dag_run_id"]


@pytest.mark.parametrize("framed", [True, False], ids=["in_airflow_navigation", "on_its_own"])
def test_every_kind_of_link_lands_where_it_says(browser, demo_standalone, framed, tmp_path):
    server = demo_standalone
    where = "framed" if framed else "own"
    sign_in(browser, server)
    pages = Pages(browser, server, framed)
    row = f"tr#campaign-{CAMPAIGN}"

    # Campaigns view: DAG, runs, review, ecosystem, the campaign's page
    pages.open("/campaigns", "a.campaign-link")
    pages.click(f"{row} a.dag-link")
    pages.expect_airflow_page(f"/dags/{DAG_ID}", "12.12 Year-End Mega Sale 2026", shot=f"ui_links_{where}_1_dag.png")

    pages.open("/campaigns", "a.campaign-link")
    pages.click(f"{row} a.runs-link")
    pages.expect_airflow_page(f"/dags/{DAG_ID}/runs", "Runs", shot=f"ui_links_{where}_2_runs.png")

    pages.open("/campaigns", "a.campaign-link")
    pages.click(f"{row} a.review")
    pages.expect_plugin_page(f"/campaigns/{CAMPAIGN}/review", "main", shot=f"ui_links_{where}_3_review.png")

    pages.open("/campaigns", "a.campaign-link")
    pages.click("#ecosystem-link")
    pages.expect_plugin_page("/ecosystem", "body", shot=f"ui_links_{where}_4_ecosystem.png")

    pages.open("/campaigns", "a.campaign-link")
    pages.click(f"{row} a.campaign-link")
    pages.expect_plugin_page(f"/campaigns/{CAMPAIGN}", "#needs-you", shot=f"ui_links_{where}_5_campaign.png")

    # the campaign's page: a run, Required Actions, the DAG grid, review, matchmaking, traffic, back
    run_id = _latest_run_id(server)
    pages.click("#latest-run")
    pages.expect_airflow_page(f"/dags/{DAG_ID}/runs/{run_id}", run_id, shot=f"ui_links_{where}_6_run.png")

    pages.open(f"/campaigns/{CAMPAIGN}", "#needs-you")
    pages.click("#required-actions")
    pages.expect_airflow_page(f"/dags/{DAG_ID}/required_actions", "Required Actions",
                              shot=f"ui_links_{where}_7_required_actions.png")

    pages.open(f"/campaigns/{CAMPAIGN}", "#needs-you")
    pages.click("#dag-grid")
    pages.expect_airflow_page(f"/dags/{DAG_ID}", "12.12 Year-End Mega Sale 2026", shot=f"ui_links_{where}_8_grid.png")

    pages.open(f"/campaigns/{CAMPAIGN}", "#needs-you")
    pages.click("#review-link")
    pages.expect_plugin_page(f"/campaigns/{CAMPAIGN}/review", "main", shot=f"ui_links_{where}_9_review.png")

    pages.open(f"/campaigns/{CAMPAIGN}", "#needs-you")
    pages.click("#traffic-link")
    pages.expect_plugin_page(f"/campaigns/{CAMPAIGN}/traffic", "#csv", shot=f"ui_links_{where}_10_traffic.png")
    pages.click("a.back-link")
    pages.expect_plugin_page(f"/campaigns/{CAMPAIGN}", "#needs-you", shot=f"ui_links_{where}_11_back.png")

    # downloads: the traffic and matchmaking lists arrive as files
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    browser.send("Browser.setDownloadBehavior", behavior="allow", downloadPath=str(downloads))
    for page, name in ((f"/campaigns/{CAMPAIGN}/traffic", f"{CAMPAIGN}_traffic.csv"),
                       (f"/campaigns/{CAMPAIGN}/matchmaking", f"{CAMPAIGN}_matchmaking.csv")):
        pages.open(page, "#csv")
        pages.click("#csv")
        _wait_for_file(downloads / name)
        assert (downloads / name).read_text(encoding="utf-8").count("\n") > 10


def _wait_for_file(path: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.stat().st_size > 0:
            return
        time.sleep(0.3)
    raise AssertionError(f"{path.name} was not downloaded (in {sorted(p.name for p in path.parent.iterdir())})")
