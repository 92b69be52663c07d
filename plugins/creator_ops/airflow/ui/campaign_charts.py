"""The campaign page's plots, built from a `CampaignPage` as inline SVG (see `svg.py`)."""

from __future__ import annotations

import datetime as dt
from itertools import accumulate

from creator_ops.airflow.ui.campaign_page import (
    HOUR,
    PHASE_COLORS,
    CampaignPage,
    phase_windows,
    timeline_marks,
)
from creator_ops.airflow.ui.svg import Segment, Series, bar_chart, line_chart, timeline

LIVE = "#93c5fd"
ELIGIBLE = "#059669"
PACE = "#9aa5b1"
ENROLLED = "#7c3aed"
SHORT_LABELS = {
    "Recruitment opens": "recruitment opens",
    "Registration closes": "registration closes",
    "Event starts": "event",
    "Event ends": "event ends",
    "Settlement (return window over)": "settlement",
    "Payout export": "payout",
}


def short_money(sen: float) -> str:
    """Ringgit for an axis: RM 1.2M, RM 350k, RM 900 (display only; the page prints exact figures)."""
    myr = sen / 100
    for size, suffix in ((1_000_000, "M"), (1_000, "k")):
        if abs(myr) >= size:
            return f"RM {myr / size:.{0 if myr % size == 0 else 1}f}{suffix}"
    return f"RM {myr:,.0f}"


def _count(value: float) -> str:
    return f"{value:,.0f}"


def _epoch(moment: dt.datetime) -> float:
    return moment.timestamp()


def _day_ticks(start: dt.datetime, end: dt.datetime, tz, most: int = 8) -> list[tuple[float, str]]:
    first = start.astimezone(tz).replace(hour=0, minute=0, second=0, microsecond=0)
    days = max(int((end - first).total_seconds() // 86400) + 1, 1)
    step = max(1, -(-days // most))
    ticks = []
    for i in range(0, days + 1, step):
        day = first + dt.timedelta(days=i)
        if start <= day <= end:
            ticks.append((_epoch(day), f"{day:%d %b}"))
    return ticks


def _hour_ticks(start: dt.datetime, end: dt.datetime, tz) -> list[tuple[float, str]]:
    hours = int((end - start).total_seconds() // HOUR)
    if hours > 48:
        return _day_ticks(start, end, tz)
    step = 3 if hours <= 24 else 6
    return [
        (_epoch(start) + h * HOUR, f"{(start + dt.timedelta(hours=h)).astimezone(tz):%H:%M}")
        for h in range(0, hours + 1, step)
    ]


def _cumulative(by_hour: dict[int, int], until_hour: int | None = None) -> list[tuple[float, float]]:
    """Turn per-hour amounts into a cumulative step series at the end of each hour."""
    hours = sorted(h for h in by_hour if until_hour is None or h <= until_hour)
    totals = list(accumulate(by_hour[h] for h in hours))
    return [(float((h + 1) * HOUR), float(total)) for h, total in zip(hours, totals, strict=True)]


def _until(points: list[tuple[float, float]], now: float) -> list[tuple[float, float]]:
    """Cut a cumulative series at `now`: the hour `now` falls in ends at `now`, later hours are not drawn.

    A page seen at a pinned "now" (the demo's event day) shows its charts as they were then,
    never running past the "now" line (issue 30), even when its snapshot's hour ends later.
    """
    return [(min(x, now), y) for x, y in points if x - HOUR < now]


def timeline_svg(page: CampaignPage) -> str:
    spec, tz = page.spec, page.spec.tz
    segments = [
        Segment(label=str(phase).replace("_", " "), start=_epoch(start), end=_epoch(end),
                color=PHASE_COLORS[phase], current=page.phase == str(phase))
        for phase, start, end in phase_windows(spec)
    ]
    marks = [
        (_epoch(when), f"{SHORT_LABELS.get(label, label.split(': ', 1)[-1])} {when.astimezone(tz):%d %b}")
        for when, label in timeline_marks(spec)
    ]
    now = page.now.astimezone(tz)
    return timeline(segments, marks, now=_epoch(page.now), now_label=f"today {now:%d %b %H:%M}",
                    title=f"{spec.name}: timeline, phases and today")


def enrollment_svg(page: CampaignPage) -> str:
    t, tz = page.spec.timeline, page.spec.tz
    progress = next(p for p in page.progress if p.key == "enrolled")
    start, end = t.recruitment_opens, t.registration_closes
    points = _until(_cumulative(page.enrolled_by_hour), _epoch(page.now))
    before = [p for p in points if p[0] <= _epoch(start)]
    actual = [(_epoch(start), before[-1][1] if before else 0.0)] + [p for p in points if p[0] > _epoch(start)]
    series = [Series("enrolled", actual, ENROLLED, step=True)]
    if progress.target:
        series.append(Series(f"pace to {progress.target:,} by registration close",
                             [(_epoch(start), 0), (_epoch(end), progress.target)], PACE, dashed=True))
    return line_chart(series, title="Creators enrolled against the pace to target",
                      x_range=(_epoch(start), _epoch(end)), x_ticks=_day_ticks(start, end, tz), y_label=_count,
                      y_top=progress.target, now=_epoch(page.now), now_label="today")


def gmv_progress_svg(page: CampaignPage) -> str:
    t, tz = page.spec.timeline, page.spec.tz
    target = next(p for p in page.progress if p.key == "live_gmv").target
    start, end = t.event_start, t.event_end
    series = []
    # live GMV wide and light under eligible GMV: eligible is a part of live, often most of it
    lines = (("live GMV", page.live_by_hour, LIVE, 6.0), ("eligible GMV", page.eligible_by_hour, ELIGIBLE, 2.5))
    for label, by_hour, color, width in lines:
        drawn = [p for p in _until(_cumulative(by_hour), _epoch(page.now)) if p[0] > _epoch(start)]
        series.append(Series(label, [(_epoch(start), 0.0), *drawn], color, step=True, width=width))
    if target:
        series.append(Series("pace to target", [(_epoch(start), 0), (_epoch(end), target)], PACE, dashed=True))
    return line_chart(series, title="GMV during the event against the pace to target",
                      x_range=(_epoch(start), _epoch(end)), x_ticks=_hour_ticks(start, end, tz),
                      y_label=short_money, y_top=target, now=_epoch(page.now), now_label="now")


def gmv_by_hour_svg(page: CampaignPage) -> str:
    t, tz = page.spec.timeline, page.spec.tz
    first, last = int(_epoch(t.event_start) // HOUR), int(-(-_epoch(t.event_end) // HOUR))
    hours = range(first, last)
    multi_day = len(hours) > 24
    now_hour = int(_epoch(page.now) // HOUR)
    bars = []
    for h in hours:
        local = dt.datetime.fromtimestamp(h * HOUR, dt.UTC).astimezone(tz)
        label = (f"{local:%d %b}" if local.hour == 0 else "") if multi_day else f"{local:%H}"
        bars.append((label, float(page.live_by_hour.get(h, 0)) if h <= now_hour else 0.0))  # nothing after now
    highlight = now_hour - first if first <= now_hour < last else None
    return bar_chart(bars, title="Live GMV by hour of the event (campaign time)", y_label=short_money, color="#2563eb",
                     highlight=highlight)


def charts(page: CampaignPage) -> dict[str, str]:
    """Return every plot of the page by name."""
    return {
        "timeline": timeline_svg(page),
        "enrollment": enrollment_svg(page),
        "gmv_progress": gmv_progress_svg(page),
        "gmv_by_hour": gmv_by_hour_svg(page),
    }
