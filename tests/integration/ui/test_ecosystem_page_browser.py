"""The ecosystem page opens offline in real Chromium with its heatmaps and growth bars (screenshot kept)."""

from __future__ import annotations

import base64
import sys

import pytest
from repo_paths import TESTS

pytestmark = [pytest.mark.integration, pytest.mark.slow]
sys.path.insert(0, str(TESTS / "unit" / "ecosystem"))


def test_ecosystem_page_opens_offline_with_its_plots(browser, tmp_path):
    from ecosystem_fixture import write_campaigns

    from creator_ops.cli import main

    root = write_campaigns(tmp_path / "campaigns")
    assert main(["ecosystem", "--campaigns", str(root), "--out", str(tmp_path / "out")]) == 0
    page = tmp_path / "out" / "ecosystem.html"

    browser.send("Network.enable")
    browser.send(
        "Network.emulateNetworkConditions", offline=True, latency=0, downloadThroughput=-1, uploadThroughput=-1
    )
    browser.goto(page.as_uri())
    text = browser.wait_for_text(
        "Creator ecosystem", "Creators lost since the last campaign", "Cohort retention", "Scorecard leaders"
    )
    assert "1 of the 2 sellers of c3_beta did not enrol in c5" in text
    assert "RM 1,100.00" in text  # a's eligible GMV over c1 and c5, the leader
    svgs = browser.evaluate(
        "Array.from(document.querySelectorAll('svg')).map(s => {"
        " const r = s.getBoundingClientRect(); return [r.width, r.height, s.querySelectorAll('rect').length] })"
    )
    assert len(svgs) == 4  # growth of enrolled and of selling creators, the two cohort heatmaps
    for width, height, shapes in svgs:
        assert width > 300 and height > 100 and shapes >= 4
    # the c1 cohort's row of the enrolled heatmap: 100 %, 66.7 %, 33.3 %, 33.3 %, 66.7 %
    first_row = browser.evaluate(
        "Array.from(document.querySelectorAll('svg')[2].querySelectorAll('rect title'))"
        ".slice(0, 5).map(t => t.textContent)"
    )
    assert first_row == [
        "c1 in c1: 3 (100.0%)", "c1 in c2: 2 (66.7%)", "c1 in c3_alpha: 1 (33.3%)", "c1 in c3_beta: 1 (33.3%)",
        "c1 in c5: 2 (66.7%)",
    ]  # fmt: skip
    assert browser.evaluate("performance.getEntriesByType('resource').length") == 0
    assert browser.evaluate("document.fonts.size") == 0

    height = browser.evaluate("document.documentElement.scrollHeight")
    shot = browser.send(
        "Page.captureScreenshot",
        format="png",
        captureBeyondViewport=True,
        clip={"x": 0, "y": 0, "width": 1300, "height": min(height, 4000), "scale": 1},
    )
    screenshot = tmp_path / "ecosystem_page.png"
    screenshot.write_bytes(base64.b64decode(shot["data"]))
    assert screenshot.stat().st_size > 30_000
    print(f"screenshot: {screenshot}")
