"""The three review files: deterministic bytes, a self-contained page with its plots, readable Markdown."""

from __future__ import annotations

import re

from review_builders import campaign_inputs, make_spec

from creator_ops.core.review import compute_review, loads
from creator_ops.core.review.render import write_review


def test_same_inputs_give_byte_identical_files(tmp_path):
    first = write_review(compute_review(make_spec(), campaign_inputs()), tmp_path / "one")
    second = write_review(compute_review(make_spec(), campaign_inputs()), tmp_path / "two")
    for kind in ("json", "md", "html"):
        assert first[kind].read_bytes() == second[kind].read_bytes(), kind


def test_page_is_self_contained_with_every_plot(tmp_path):
    review = compute_review(make_spec(), campaign_inputs())
    previous = loads((write_review(review, tmp_path / "old")["json"]).read_text())
    previous["campaign"]["name"] = "Old SCD"
    page = write_review(compute_review(make_spec(), campaign_inputs(), baseline=previous), tmp_path / "new")["html"]
    html = page.read_text(encoding="utf-8")
    assert page.stat().st_size < 5 * 1024 * 1024
    assert not re.search(r"<script|<link|@import|@font-face|src=|https?://(?!www\.w3\.org)", html)
    ids = re.findall(r"<svg[^>]*>", html)
    assert len(ids) == 5  # funnel, hourly, content type, category, concentration (no survey scores here)
    for title in ("Funnel: creators at each step", "Eligible GMV by hour of the event", "Eligible GMV by content type",
                  "Eligible GMV by product category", "Concentration of GMV"):  # fmt: skip
        assert title in html
    assert "previous: Old SCD" in html
    defined = re.findall(r'\sid="([^"]+)"', html)
    assert len(defined) == len(set(defined)), "two inlined SVGs share an element id"


def test_markdown_has_the_headline_figures(tmp_path):
    md = write_review(compute_review(make_spec(), campaign_inputs()), tmp_path)["md"].read_text(encoding="utf-8")
    assert "| Eligible GMV | RM 7,500.00 |" in md
    assert "| Cost per selling creator | RM 4,404.00 |" in md
    assert "| VIDEO | RM 6,000.00 |" in md


def test_headline_changes_of_ratios_are_rounded_as_their_figures_are_shown():
    from fractions import Fraction

    from creator_ops.core.review.render import _signed
    from creator_ops.core.review.values import Ratio

    assert _signed(Ratio(Fraction(587141, 1000000)), "0.01", "×") == "+0.59×"  # ROI is shown as 7.31×
    assert _signed(Ratio(Fraction(-538333, 1000000)), "0.1", " h") == "-0.5 h"  # hours are shown as 1.5 h
    assert _signed(Ratio(Fraction(0)), "0.1", " h") == "+0.0 h"
    assert _signed(None, "0.1", " h") == ""


def _with_baseline(tmp_path):
    from creator_ops.core.review.values import Money

    previous = loads((write_review(compute_review(make_spec(), campaign_inputs()), tmp_path / "old")["json"]).read_text())
    previous["campaign"]["name"] = "Old SCD"
    previous["gmv"]["eligible_myr"] = Money(500_000)  # RM 5,000.00: the change must read +RM 2,500.00
    return write_review(compute_review(make_spec(), campaign_inputs(), baseline=previous), tmp_path / "new")


def test_the_review_reads_like_a_report_labels_and_formatted_numbers(tmp_path):
    paths = _with_baseline(tmp_path)
    html = paths["html"].read_text(encoding="utf-8")
    md = paths["md"].read_text(encoding="utf-8")
    for page in (html, md):
        visible = re.sub(r"<svg.*?</svg>|<style>.*?</style>|<[^>]+>", " ", page, flags=re.S)
        assert not re.search(r"\b\d+\.\d{6}\b", visible), "a six-decimal number is shown"
        assert not re.search(r"\b(total_myr|eligible_myr|cost_per_selling_creator_myr|top10_share)\b", visible)
        assert not re.search(r"\b[a-z_]+\.[a-z_]+\.[a-z_0-9]+\b", visible), "a dotted key is shown"
        assert "target | target" not in page and "<th>target</th><th>target</th>" not in page
    # the headline figures side by side: this campaign, the previous one, the change
    assert "| Eligible GMV | RM 7,500.00 | RM 5,000.00 | +RM 2,500.00 |" in md
    assert '<table id="headline">' in html and "<th>Old SCD</th>" in html
    # the rest folded away, each figure with its words
    assert '<details id="comparison">' in html
    assert "Eligible GMV by product category: beauty" in html
    assert "Creators in the tier from RM 1,000.00" in html
    assert "ROI (eligible GMV / total cost)" in html and "0.85×" in html
    assert "50.0%" in html  # activation, a share: % with one decimal


def test_tiers_are_listed_in_the_order_of_their_threshold():
    from creator_ops.core.review.render import _design_cells
    from creator_ops.core.review.values import Money, Ratio

    cells = _design_cells({"creators": 3, "total_myr": Money(123456), "total_to_gmv": Ratio.of(1, 8), "scaled": False,
                           "creators_per_tier": {"5000.00": 1, "1000.00": 2, "20000.00": 0}})  # fmt: skip
    assert cells == [3, "RM 1,234.56", "12.5%", "no",
                     "from RM 1,000.00: 2, from RM 5,000.00: 1, from RM 20,000.00: 0"]  # fmt: skip
