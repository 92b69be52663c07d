"""The Airflow UI in headless Chromium: sign in, a campaign DAG's grid and docs, a task log, and the campaigns view."""

from __future__ import annotations

import time

import pytest

DAG_ID = "campaign__my_1212_2026"
RUN_ID = "browser_recruitment"
LOGICAL_DATE = "2026-11-23T00:00:00+08:00"  # recruitment phase, no sign-off due

DOCS_BUTTON = (
    "Array.from(document.querySelectorAll('button')).find(b => "
    "['Dag Docs', 'Dag Documentation'].includes(b.getAttribute('aria-label') || b.getAttribute('title') || ''))"
    " ?? null"
)

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module")
def finished_run(standalone):
    standalone.wait_for_dag(DAG_ID)
    state = standalone.run_to_end(DAG_ID, LOGICAL_DATE, RUN_ID)
    assert state == "success", standalone.log_tail()
    return RUN_ID


def sign_in(browser, standalone) -> None:
    browser.goto(f"{standalone.base_url}/")
    browser.wait_for("document.querySelector('input[name=username]')", timeout=60)
    browser.screenshot("ui_01_sign_in.png")
    browser.type_into("input[name=username]", "admin")
    browser.type_into("input[name=password]", standalone.password)
    browser.click("button[type=submit]")
    browser.wait_for("!document.querySelector('input[name=password]')", timeout=60)


def test_signed_out_visitors_see_the_sign_in_page(browser, standalone):
    browser.goto(f"{standalone.base_url}/dags/{DAG_ID}")
    browser.wait_for("document.querySelector('input[name=password]')", timeout=60)
    assert "12.12 Year-End Mega Sale 2026" not in browser.text()
    # the Campaigns view's own address sends a signed-out browser to the same sign-in page
    browser.goto(f"{standalone.base_url}/creator-ops/campaigns")
    browser.wait_for("document.querySelector('input[name=password]')", timeout=60)
    assert "12.12 Year-End Mega Sale 2026" not in browser.text()


def test_campaign_dag_grid_docs_and_task_log(browser, standalone, finished_run):
    sign_in(browser, standalone)
    browser.goto(f"{standalone.base_url}/dags/{DAG_ID}")
    # the campaign's name heads its DAG page (dag_display_name); the id stays in the address
    text = browser.wait_for_text("12.12 Year-End Mega Sale 2026", "register_run", timeout=90)
    browser.screenshot("ui_02_dag_grid.png")
    assert "runbook" in text  # the sign-off task group shows in the grid

    # The DAG's documentation (doc_md): the campaign's timeline, targets and owners.
    browser.wait_for(f"({DOCS_BUTTON}) !== null", timeout=30)
    browser.evaluate(f"void ({DOCS_BUTTON}).click()")
    docs = browser.wait_for_text("Timeline", "Targets", "Owners:", timeout=30)
    time.sleep(1)  # let the dialog finish fading in before the picture
    browser.screenshot("ui_03_dag_docs.png")
    assert "aisyah.rahman, wei.jie.tan" in docs
    assert "registration_closes" in docs and "Wed 09 Dec 2026 23:59" in docs
    assert "BD confirms the product matchmaking list" in docs
    browser.send("Input.dispatchKeyEvent", type="keyDown", key="Escape", code="Escape", windowsVirtualKeyCode=27)

    browser.goto(f"{standalone.base_url}/dags/{DAG_ID}/runs/{finished_run}/tasks/register_run")
    log = browser.wait_for_text("is in the recruitment phase", timeout=90)
    browser.screenshot("ui_04_task_log.png")
    assert "Campaign my_1212_2026, phase recruitment" in log


def test_campaigns_view_inside_the_ui(browser, standalone, finished_run):
    sign_in(browser, standalone)
    browser.goto(f"{standalone.base_url}/plugin/creator-ops-campaigns")
    text = browser.wait_for_text("12.12 Year-End Mega Sale 2026", "Raya Creator Day 2027", timeout=90)
    browser.screenshot("ui_05_campaigns_view.png")
    assert "Campaigns" in text
    assert "last run: recruitment" in text  # read from the warehouse the run wrote
    assert "Sign-off: BD confirms the product matchmaking list" in text
    assert "RM 0.00 / RM 5,000,000.00" in text
