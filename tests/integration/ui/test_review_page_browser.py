"""The review page opens offline in real Chromium with every plot drawn (screenshot kept for a person to look at)."""

from __future__ import annotations

import base64
import sys

import pytest
from repo_paths import TESTS

pytestmark = [pytest.mark.integration, pytest.mark.slow]
sys.path.insert(0, str(TESTS / "unit" / "review"))


def test_review_page_opens_offline_with_its_plots(browser, tmp_path):
    from test_review_surveys import survey_inputs, survey_spec

    from creator_ops.core.review import compute_review, dumps, loads
    from creator_ops.core.review.render import write_review

    spec, inputs = survey_spec(), survey_inputs()
    previous = loads(dumps(compute_review(spec, inputs)))
    previous["campaign"] |= {"id": "my_scd_2026", "name": "SCD 2026"}
    previous["gmv"]["by_hour"] = {k: type(v)(v.sen // 2 + 40_000) for k, v in previous["gmv"]["by_hour"].items()}
    page = write_review(compute_review(spec, inputs, baseline=previous), tmp_path / "review")["html"]

    browser.send("Network.enable")
    browser.send("Network.emulateNetworkConditions", offline=True, latency=0, downloadThroughput=-1, uploadThroughput=-1)
    browser.goto(page.as_uri())
    text = browser.wait_for_text("campaign review", "Funnel", "Concentration of GMV", "Against SCD 2026")
    assert "RM 7,500.00" in text and "Themes in English" in text and "Themes in Chinese" in text
    assert "small_budget" not in text and "lean" in text  # the spec's what-if designs beside the actual one
    plots = browser.evaluate(
        "Array.from(document.querySelectorAll('.plot svg')).map(s => {"
        " const r = s.getBoundingClientRect(); return [r.width, r.height, s.querySelectorAll('path, rect, use').length] })"
    )
    assert len(plots) == 6  # funnel, hourly, content type, category, concentration, survey scores
    for width, height, shapes in plots:
        assert width > 300 and height > 100 and shapes > 5
    # nothing was fetched: no script, style sheet, font or image outside the file
    assert browser.evaluate("performance.getEntriesByType('resource').length") == 0
    assert browser.evaluate("document.fonts.size") == 0

    height = browser.evaluate("document.documentElement.scrollHeight")
    shot = browser.send(
        "Page.captureScreenshot",
        format="png",
        captureBeyondViewport=True,
        clip={"x": 0, "y": 0, "width": 1500, "height": min(height, 4000), "scale": 1},
    )
    screenshot = tmp_path / "review_page.png"
    screenshot.write_bytes(base64.b64decode(shot["data"]))
    assert screenshot.stat().st_size > 50_000
    print(f"screenshot: {screenshot}")
