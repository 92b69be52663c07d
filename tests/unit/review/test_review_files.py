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


def test_changes_are_coloured_by_which_way_is_better_never_by_their_sign(tmp_path):
    """A rise in cost, concentration or hours to first sale is worse: red, never green (issue 30)."""
    from creator_ops.core.review.render import HEADLINE, better_direction, change_verdict
    from creator_ops.core.review.values import Money

    # every headline figure knows its better direction
    assert all(better_direction(path) in ("higher", "lower") for _, path in HEADLINE)
    assert change_verdict("cost.total_myr", "+RM 282,940.12") == "worse"
    assert change_verdict("top10_share", "+12.8 pp") == "worse"
    assert change_verdict("median_hours_to_first_sale", "+1.0 h") == "worse"
    assert change_verdict("cost_per_selling_creator_myr", "−RM 11.73") == "better"
    assert change_verdict("gmv.eligible_myr", "+RM 2,500.00") == "better"
    assert change_verdict("rates.activation", "-3.0 pp") == "worse"
    assert change_verdict("roi", "+0.00×") == ""  # no change: no colour
    assert change_verdict("payouts.total_myr", "+RM 10.00") == ""  # no better direction: no colour
    assert better_direction("cost.samples_myr") == "lower" and better_direction("surveys.main.nps") == "higher"

    previous = loads((write_review(compute_review(make_spec(), campaign_inputs()), tmp_path / "old")["json"]).read_text())
    previous["cost"]["total_myr"] = Money(previous["cost"]["total_myr"].sen // 2)  # cost doubled this time
    previous["gmv"]["eligible_myr"] = Money(500_000)  # and GMV rose
    html = write_review(compute_review(make_spec(), campaign_inputs(), baseline=previous), tmp_path / "new")["html"]
    page = html.read_text(encoding="utf-8")
    headline = page[page.index('<table id="headline">'):page.index("</table>", page.index('<table id="headline">'))]
    rows = dict(re.findall(r"<tr><td>([^<]+)</td>.*?data-verdict=\"([a-z]*)\"", headline))
    assert rows["Total cost"] == "worse" and rows["Eligible GMV"] == "better"
    cost_cell = re.search(r"<tr><td>Total cost</td>.*?<td class=\"n ([a-z]*)\"", headline).group(1)
    assert cost_cell == "neg"  # red, though the number rose
    for verdict, css in re.findall(r'<td class="n ([a-z]*)" data-verdict="([a-z]*)"', headline):
        assert (verdict, css) in (("pos", "better"), ("neg", "worse"), ("", ""))
    assert "lower is better for total cost, cost per selling creator" in page


def test_the_page_says_its_moment_and_the_event_in_local_time(tmp_path):
    """review.html/md: "figures as of …, built …" and the event in the campaign's zone, not ISO stamps (issue 30)."""
    review = compute_review(make_spec(), campaign_inputs())
    moment = {"figures_as_of": "2027-03-05T16:00:00+00:00", "run_id": "settlement__2027-03-05",
              "built_at": "2027-03-06T01:02:00+00:00"}
    paths = write_review(review, tmp_path, moment=moment)
    html, md = paths["html"].read_text(encoding="utf-8"), paths["md"].read_text(encoding="utf-8")
    line = "Figures as of Sat 06 Mar 2027 00:00, the end of run settlement__2027-03-05; built Sat 06 Mar 2027 09:02."
    assert f'<p class="sub" id="moment">{line}</p>' in html and line in md
    assert "T00:00:00+08:00" not in html and "T00:00:00+08:00" not in md
    assert "(Asia/Kuala_Lumpur)" in html
    assert "moment" not in loads(paths["json"].read_text())  # the figures file is the same whoever built it
