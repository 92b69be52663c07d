"""In Chromium: a signed-out browser following a link to any plugin route gets the sign-in page, and comes back after it.

A review link, a JSON file, a CSV download, with no token or a garbage one in the UI's
cookie: never `{"detail": "Not authenticated"}` or a JSON 403, always Airflow's sign-in
page; signing in there returns to the address that was asked for (a relative `next`).
"""

from __future__ import annotations

import json

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]

CAMPAIGN = "my_1212_2026"


def _write_review(standalone) -> None:
    folder = standalone.home / "output" / CAMPAIGN / "review"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "review.json").write_text(json.dumps({"campaign": {"id": CAMPAIGN, "shown": "after sign-in"}}))


def _on_sign_in_page(browser) -> str:
    browser.wait_for("document.querySelector('input[name=password]')", timeout=60)
    return browser.text()


def test_links_to_data_send_a_signed_out_browser_to_sign_in_and_back(browser, standalone):
    _write_review(standalone)
    base = standalone.base_url
    for path in (f"/creator-ops/campaigns/{CAMPAIGN}/review/review.json", f"/creator-ops/campaigns/{CAMPAIGN}/traffic.csv",
                 f"/creator-ops/campaigns/{CAMPAIGN}.json"):
        browser.goto(base + path)
        shown = _on_sign_in_page(browser)
        assert "Not authenticated" not in shown and "after sign-in" not in shown, path
    browser.send("Network.setCookie", name="_token", value="garbage.not.a-jwt", url=base)
    browser.goto(f"{base}/creator-ops/campaigns/{CAMPAIGN}/review/review.json")
    shown = _on_sign_in_page(browser)
    assert "Invalid JWT" not in shown
    browser.screenshot("ui_sign_in_from_a_review_link.png")
    browser.type_into("input[name=username]", "admin")
    browser.type_into("input[name=password]", standalone.password)
    browser.click("button[type=submit]")
    browser.wait_for("location.pathname.endsWith('/review/review.json')", timeout=60)
    assert "after sign-in" in browser.wait_for_text("after sign-in")
    browser.screenshot("ui_back_at_the_review_after_sign_in.png")
