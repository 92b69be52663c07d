"""The campaign page's arithmetic and plots, without a database."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest

from creator_ops.airflow.ui.campaign_page import Progress
from creator_ops.airflow.ui.svg import Segment, Series, bar_chart, grid_steps, line_chart, nice_max, timeline

MYT = dt.timezone(dt.timedelta(hours=8))
START = dt.datetime(2026, 12, 12, tzinfo=MYT)
END = START + dt.timedelta(days=1)


@pytest.mark.parametrize(("value", "top", "steps"), [
    (4_041_915_80, 5_000_000_00, 5), (2_312, 2_500, 5), (3_000, 3_000, 4), (0, 1, 4), (81, 100, 4),
])
def test_axis_tops_and_steps_are_round(value, top, steps):
    assert nice_max(value) == top
    assert grid_steps(nice_max(value)) == steps


def test_pace_is_a_straight_line_to_the_target_in_exact_integers():
    progress = Progress("gmv", "GMV", "sen", 1_000_00, 5_000_000_00, (START, END), START + dt.timedelta(hours=6))
    assert progress.pace_now == 1_250_000_00  # a quarter of the day, a quarter of the target
    assert progress.verdict == "behind pace so far"  # the window is open: a verdict so far (issue 30)
    assert progress.rate_unit == "hour"
    assert progress.needed_rate == -(-(5_000_000_00 - 1_000_00) // 18)  # 18 hours left, rounded up
    done = Progress("gmv", "GMV", "sen", 6_000_000_00, 5_000_000_00, (START, END), START + dt.timedelta(hours=6))
    assert (done.verdict, done.needed_rate) == ("target reached so far", None)
    closed = Progress("gmv", "GMV", "sen", 6_000_000_00, 5_000_000_00, (START, END), END)
    assert closed.verdict == "target reached"  # final once the window closed
    over = Progress("gmv", "GMV", "sen", 10, 5_000_000_00, (START, END), END + dt.timedelta(days=1))
    assert (over.verdict, over.pace_now, over.needed_rate) == ("target missed", 5_000_000_00, None)
    month = Progress("enrolled", "Enrolled", "creators", 0, 3_000, (START - dt.timedelta(days=21), START), START)
    assert month.rate_unit == "day"


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # well-formed XML, or this raises


def test_plots_are_self_contained_svg_with_escaped_text():
    series = [Series("<b>live</b> & co", [(0, 0), (10, 5)], "#000", step=True), Series("pace", [(0, 0), (10, 10)],
                                                                                  "#999", dashed=True)]
    svg = line_chart(series, title="t & <x>", x_range=(0, 10), x_ticks=[(0, "00:00"), (10, "24:00")],
                     y_label=str, now=5, now_label="now")
    root = _parse(svg)
    assert root.tag.endswith("svg") and "<b>" not in svg and "&lt;b&gt;live&lt;/b&gt; &amp; co" in svg
    assert "href" not in svg and "<script" not in svg
    bars = bar_chart([("00", 5.0), ("01", 0.0), ("02", 7.0)], title="by hour", y_label=str, highlight=2)
    rects = [e for e in _parse(bars).iter() if e.tag.endswith("rect")]
    assert len(rects) == 3 and rects[2].get("fill") != rects[0].get("fill")


def test_the_timeline_marks_today_inside_the_current_phase_even_when_it_is_short():
    day = 86_400
    segments = [Segment("recruitment", 0, 18 * day, "#eee"), Segment("live", 21 * day, 22 * day, "#cfc", current=True),
                Segment("cooling", 22 * day, 37 * day, "#ffc")]
    svg = timeline(segments, [(0, "opens"), (21 * day, "event")], now=21.5 * day, now_label="today", title="t")
    root = _parse(svg)
    rects = {e.get("fill"): e for e in root.iter() if e.tag.endswith("rect")}
    live = rects["#cfc"]
    x0, width = float(live.get("x")), float(live.get("width"))
    assert width >= 0.09 * 1180 - 1  # a one-day phase still gets a readable share of the band
    now_x = next(float(e.get("x1")) for e in root.iter() if e.tag.endswith("line") and e.get("stroke-width") == "3")
    assert x0 < now_x < x0 + width


def _marks(svg: str) -> list[tuple[float, float, str]]:
    import html
    import re

    return [(float(x), float(y), html.unescape(body))
            for x, y, body in re.findall(r'<text class="mark"[^>]*? x="([\d.]+)" y="([\d.]+)"[^>]*>([^<]*)</text>', svg)]


def _overlaps(marks: list[tuple[float, float, str]]) -> list[tuple[str, str]]:
    from creator_ops.airflow.ui.svg import label_width

    clashes = []
    for i, (x1, y1, a) in enumerate(marks):
        for x2, y2, b in marks[i + 1:]:
            if y1 == y2 and abs(x1 - x2) < (label_width(a) + label_width(b)) / 2 + 4:
                clashes.append((a, b))
    return clashes


@pytest.mark.parametrize("steps", [2, 10])
def test_timeline_labels_never_overlap_with_the_demo_campaign_and_ten_runbook_steps(steps):
    import datetime as dt

    import yaml
    from repo_paths import DEMO_SPEC

    from creator_ops.airflow.ui.campaign_charts import charts
    from creator_ops.airflow.ui.campaign_page import campaign_page
    from creator_ops.core.spec import parse_spec

    raw = yaml.safe_load(DEMO_SPEC.read_text(encoding="utf-8"))
    raw["runbook"] = raw["runbook"][:2] + [
        {"id": f"step_{i}", "title": f"Team {i} signs off the event checklist part {i}",
         "due": f"event_start - {i % 4}d", "owner": "ops"} for i in range(steps - 2)
    ]  # fmt: skip
    spec = parse_spec(raw)
    page = campaign_page(spec, None, spec.timeline.event_start + dt.timedelta(hours=15))
    marks = _marks(charts(page)["timeline"])
    assert len(marks) >= steps
    assert _overlaps(marks) == []
    assert all(0 <= x for x, _, _ in marks)


def test_cumulative_series_stop_at_now():
    """A page seen at 15:30 draws its 15:00 hour up to 15:30 and nothing after (issue 30)."""
    from creator_ops.airflow.ui.campaign_charts import _cumulative, _until

    base = 500_000  # an epoch hour
    now = (base + 15) * 3600 + 1800.0
    points = _until(_cumulative({base + 14: 10, base + 15: 5, base + 16: 7}), now)
    assert points == [((base + 15) * 3600.0, 10.0), (now, 15.0)]
    assert max(x for x, _ in points) <= now


def _marks_geometry(svg: str):
    """Every mark label line's box (by the renderer's generous width estimate) and every leader line."""
    import re

    from creator_ops.airflow.ui.svg import label_width

    boxes = []
    for x, y, body in re.findall(r'<text class="mark"[^>]*? x="([\d.]+)" y="([\d.]+)"[^>]*>([^<]*)</text>', svg):
        import html

        w = label_width(html.unescape(body))
        boxes.append((float(x) - w / 2, float(y) - 11, float(x) + w / 2, float(y) + 3, html.unescape(body)))
    lines = [tuple(map(float, m)) for m in re.findall(
        r'<line class="leader" x1="([\d.]+)" y1="([\d.]+)" x2="[\d.]+" y2="([\d.]+)"', svg)]
    return boxes, lines


def test_timeline_labels_are_never_cut_overlapping_or_crossed_even_with_long_titles():
    """Long runbook titles wrap (never cut); no two labels overlap; no leader line runs through a label."""
    from creator_ops.airflow.ui.svg import Segment, timeline

    day = 86_400.0
    titles = [
        "MarCom approves the creator brief and key visuals for every livestream and short video 09 Dec",
        "BD confirms the product matchmaking list with the brand partners and the category leads 07 Dec",
        "Finance remits the s107D withholding to LHDN (wht_summary.json) 01 Feb",
        "registration closes 09 Dec", "event 12 Dec", "event ends 13 Dec", "settlement 27 Dec",
        "payout 01 Jan", "Legal signs the creator agreement addendum for the leaderboard prizes 08 Dec",
        "Supercalifragilisticexpialidocious_unbroken_identifier_title_that_is_very_long_indeed_x 10 Dec",
    ]
    marks = [(day * d, t) for d, t in zip((9, 7, 40, 9.2, 12, 13, 27, 32, 8, 10), titles, strict=True)]
    segments = [Segment("recruitment", 0, day * 12, "#ddd", False), Segment("live", day * 12, day * 13, "#ccc", True),
                Segment("settlement", day * 13, day * 45, "#eee", False)]
    svg = timeline(segments, marks, now=day * 12.6, now_label="today", title="t")
    boxes, lines = _marks_geometry(svg)
    shown = "".join(body for *_, body in boxes).replace(" ", "")
    for title in titles:  # every character of every title is drawn, in order (lines wrap): nothing cut
        assert title.replace(" ", "") in shown, title
    for i, (a0, a1, a2, a3, _) in enumerate(boxes):
        assert a0 >= 0 and a2 <= 1200  # inside the picture
        for b0, b1, b2, b3, _ in boxes[i + 1:]:
            assert not (a0 < b2 and b0 < a2 and a1 < b3 and b1 < a3), "two labels overlap"
    for x, y1, y2 in lines:
        for b0, b1, b2, b3, body in boxes:
            assert not (b0 <= x <= b2 and y1 < b3 and b1 < y2), f"a leader line crosses {body!r}"


def test_the_run_summary_gives_its_interval_in_campaign_time_beside_utc():
    from creator_ops.steps.report import render_markdown

    summary = {"campaign_name": "12.12", "run_id": "live__2026-12-12T08:00+08:00", "phase": "live",
               "interval_start": "2026-12-12T00:00:00+00:00", "interval_end": "2026-12-12T01:00:00+00:00",
               "timezone": "Asia/Kuala_Lumpur", "rows": {}, "files": [], "quality": [], "payouts": None, "alerts": {}}
    text = render_markdown(summary)
    assert ("interval Sat 12 Dec 2026 08:00 → Sat 12 Dec 2026 09:00 (Asia/Kuala_Lumpur); "
            "UTC 2026-12-12 00:00 → 2026-12-12 01:00") in text
