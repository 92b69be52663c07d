"""SPEC 16 on the review page in real Chromium, offline: the histogram is drawn, the sentence is there (screenshot kept)."""

from __future__ import annotations

import base64
import sys

import numpy as np
import pytest
from repo_paths import TESTS

pytestmark = [pytest.mark.integration, pytest.mark.slow]
sys.path.insert(0, str(TESTS / "unit" / "payouts"))


def test_the_incentive_response_histogram_is_drawn_offline(browser, tmp_path):
    from payout_builders import ON_TIME, enrollments, make_spec, orders

    from creator_ops.core.review import ReviewInputs, compute_review
    from creator_ops.core.review.render import write_review

    rng = np.random.default_rng(12)
    gmv = np.round(rng.lognormal(np.log(120_000), 0.8, 1_500)).astype(np.int64)
    near = (gmv >= 90_000) & (gmv < 100_000) & (rng.random(len(gmv)) < 0.5)
    gmv[near] = 100_000 + rng.integers(0, 2_000, int(near.sum()))
    ids = [f"c{i:04d}" for i in range(len(gmv))]
    inputs = ReviewInputs(
        orders=orders(*({"creator_id": c, "gmv_sen": int(g)} for c, g in zip(ids, gmv, strict=True))),
        enrollments=enrollments(*((c, ON_TIME) for c in ids)),
    )
    page = write_review(compute_review(make_spec(), inputs, themes=False), tmp_path / "review")["html"]

    browser.send("Network.enable")
    browser.send(
        "Network.emulateNetworkConditions", offline=True, latency=0, downloadThroughput=-1, uploadThroughput=-1
    )
    browser.goto(page.as_uri())
    text = browser.wait_for_text("Do the tier bonuses make creators sell more?", "Tier at RM 1,000.00")
    assert "pushed past RM 1,000.00 to reach the RM 50.00 bonus" in text
    assert "brings the least GMV per bonus ringgit" in text
    drawn = browser.evaluate(
        "(() => { const s = document.querySelector('#section-incentive_response ~ .plot svg');"
        " const r = s.getBoundingClientRect();"
        " const bars = Array.from(s.querySelectorAll('rect')).filter(b => b.querySelector('title'));"
        " const line = s.querySelector('polyline').getBBox();"
        " return [r.y + window.scrollY, r.width, r.height, bars.length,"
        " bars.filter(b => b.getBBox().height > 0).length, line.width, line.height]; })()"
    )
    top, width, height, bars, with_height, line_width, line_height = drawn
    assert width > 500 and height > 150
    assert bars == 50 and with_height >= 45  # a few bins may be empty
    assert line_width > 400 and line_height > 10  # the fitted counterfactual spans the bins
    assert browser.evaluate("performance.getEntriesByType('resource').length") == 0

    shot = browser.send(
        "Page.captureScreenshot",
        format="png",
        captureBeyondViewport=True,
        clip={"x": 0, "y": max(0, top - 200), "width": 1200, "height": height + 320, "scale": 1},
    )
    screenshot = tmp_path / "incentive_response.png"
    screenshot.write_bytes(base64.b64decode(shot["data"]))
    assert screenshot.stat().st_size > 20_000
    print(f"screenshot: {screenshot}")
