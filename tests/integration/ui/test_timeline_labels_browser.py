"""Timeline labels with long titles, laid out by Chromium: never cut, never overlapping, never crossed by a line."""

from __future__ import annotations

import json

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]

DAY = 86_400.0
TITLES = [
    "MarCom approves the creator brief and key visuals for every livestream and short video 09 Dec",
    "BD confirms the product matchmaking list with the brand partners and the category leads 07 Dec",
    "Legal signs the creator agreement addendum for the leaderboard prizes 08 Dec",
    "registration closes 09 Dec", "event 12 Dec", "event ends 13 Dec", "settlement 27 Dec", "payout 01 Jan",
    "Finance remits the s107D withholding to LHDN (wht_summary.json) 01 Feb",
    "Finance gives the 2026 CP58 statements to the payees 31 Mar",
]
DAYS = (9, 7, 8, 9.2, 12, 13, 27, 32, 62, 120)


def test_long_titles_in_chromium(browser, tmp_path):
    from creator_ops.airflow.ui.svg import Segment, timeline

    segments = [Segment("recruitment", 0, DAY * 12, "#dbeafe", False), Segment("live", DAY * 12, DAY * 13, "#fde68a", True),
                Segment("settlement", DAY * 13, DAY * 27, "#e5e7eb", False),
                Segment("payout", DAY * 27, DAY * 125, "#ede9fe", False)]
    svg = timeline(segments, list(zip((d * DAY for d in DAYS), TITLES, strict=True)), now=DAY * 12.6,
                   now_label="today 12 Dec 15:30", title="timeline with long titles")
    page = tmp_path / "timeline.html"
    page.write_text(f'<!doctype html><html><body style="margin:0"><div id="timeline">{svg}</div></body></html>',
                    encoding="utf-8")
    browser.goto(page.as_uri())
    browser.screenshot("ui_timeline_long_titles.png")
    found = json.loads(browser.evaluate("""(() => {
      const svg = document.querySelector('#timeline svg');
      const view = svg.viewBox.baseVal;
      const texts = [...svg.querySelectorAll('text.mark')].map(t => [t.textContent, t.getBBox()]);
      const lines = [...svg.querySelectorAll('line.leader')].map(l => [l.x1.baseVal.value, l.y1.baseVal.value,
                                                                         l.y2.baseVal.value]);
      const out = {shown: texts.map(([s]) => s).join(''), overlaps: [], crossed: [], outside: []};
      texts.forEach(([a, p], i) => {
        if (p.x < 0 || p.x + p.width > (view.width || svg.width.baseVal.value)) out.outside.push(a);
        texts.slice(i + 1).forEach(([b, q]) => {
          if (p.x < q.x + q.width && q.x < p.x + p.width && p.y < q.y + q.height && q.y < p.y + p.height)
            out.overlaps.push(a + ' / ' + b);
        });
        lines.forEach(([x, y1, y2]) => {
          if (p.x <= x && x <= p.x + p.width && y1 < p.y + p.height && p.y < y2) out.crossed.push(a);
        });
      });
      return JSON.stringify(out);
    })()"""))
    shown = found["shown"].replace(" ", "")
    for title in TITLES:  # every character drawn, in order: nothing cut
        assert title.replace(" ", "") in shown, title
    assert found["overlaps"] == [] and found["crossed"] == [] and found["outside"] == [], found
