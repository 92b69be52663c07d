"""Inline SVG plots for the campaign page: no script, no stylesheet, no font from anywhere else.

Hand-built so the page renders in microseconds and reads the same offline: a line chart
(progress against pace), a bar chart (GMV by hour) and the campaign timeline. Every
function takes plain numbers and returns one `<svg>` element as a string; text is escaped.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

FONT = "font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif\""
INK = "#1f2933"
MUTED = "#616e7c"
GRID = "#e4e7eb"
NOW = "#dc2626"


@dataclass(frozen=True)
class Series:
    """One line of a line chart: (x, y) points in data units."""

    label: str
    points: Sequence[tuple[float, float]]
    color: str
    dashed: bool = False
    step: bool = False  # a cumulative count: flat between points
    width: float = 2.5  # a wider line drawn first stays visible under a narrower one on top of it


def nice_max(value: float) -> float:
    """Round `value` up to 1, 2, 2.5 or 5 times a power of ten (an axis top people read easily)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for factor in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if value <= factor * power:
            return factor * power
    return 10 * power


def grid_steps(top: float) -> int:
    """Return how many equal steps divide [0, top] into round tick values (5M → 5 of 1M, 3,000 → 4 of 750)."""
    for steps in (4, 5, 3, 6, 2):
        step = top / steps
        mantissa = step / 10 ** math.floor(math.log10(step))
        if any(math.isclose(mantissa, m) for m in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 7.5, 8)):
            return steps
    return 4


def _text(x: float, y: float, body: str, *, size: int = 12, anchor: str = "start", color: str = MUTED,
          weight: str = "normal") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" fill="{color}" '
        f'font-weight="{weight}" {FONT}>{escape(body)}</text>'
    )


def _open(width: int, height: int, title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'style="max-width:{width}px" role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>'
    )


def _path(points: Sequence[tuple[float, float]], step: bool) -> str:
    parts = []
    for i, (x, y) in enumerate(points):
        if i == 0:
            parts.append(f"M{x:.1f},{y:.1f}")
        elif step:
            parts.append(f"H{x:.1f}V{y:.1f}")
        else:
            parts.append(f"L{x:.1f},{y:.1f}")
    return "".join(parts)


def _legend(entries: Sequence[tuple[str, str, bool]], x: float, y: float) -> list[str]:
    out = []
    for label, color, dashed in entries:
        dash = ' stroke-dasharray="6 4"' if dashed else ""
        out.append(f'<line x1="{x:.1f}" y1="{y - 4:.1f}" x2="{x + 22:.1f}" y2="{y - 4:.1f}" '
                   f'stroke="{color}" stroke-width="3"{dash}/>')
        out.append(_text(x + 27, y, label, color=INK))
        x += 36 + 7.2 * len(label)
    return out


def line_chart(
    series: Sequence[Series],
    *,
    title: str,
    x_range: tuple[float, float],
    x_ticks: Sequence[tuple[float, str]],
    y_label: Callable[[float], str],
    y_top: float | None = None,
    now: float | None = None,
    now_label: str = "now",
    width: int = 640,
    height: int = 250,
) -> str:
    """Plot lines over a time axis, with a dashed marker at `now` when it falls inside."""
    left, right, top, bottom = 84, 16, 30, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    x0, x1 = x_range
    span = (x1 - x0) or 1.0
    highest = max([y for s in series for _, y in s.points] + [y_top or 0, 0])
    y_max = nice_max(highest)

    def sx(x: float) -> float:
        return left + (min(max(x, x0), x1) - x0) / span * plot_w

    def sy(y: float) -> float:
        return top + plot_h - (y / y_max) * plot_h

    out = [_open(width, height, title)]
    steps = grid_steps(y_max)
    for i in range(steps + 1):
        value = y_max * i / steps
        out.append(f'<line x1="{left}" y1="{sy(value):.1f}" x2="{left + plot_w}" y2="{sy(value):.1f}" '
                   f'stroke="{GRID}"/>')
        out.append(_text(left - 6, sy(value) + 4, y_label(value), anchor="end"))
    for x, label in x_ticks:
        out.append(f'<line x1="{sx(x):.1f}" y1="{top + plot_h}" x2="{sx(x):.1f}" y2="{top + plot_h + 4}" '
                   f'stroke="{MUTED}"/>')
        out.append(_text(sx(x), top + plot_h + 18, label, anchor="middle"))
    out.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="{MUTED}"/>')
    for s in series:
        if not s.points:
            continue
        scaled = [(sx(x), sy(y)) for x, y in s.points]
        dash = ' stroke-dasharray="6 4"' if s.dashed else ""
        out.append(f'<path d="{_path(scaled, s.step)}" fill="none" stroke="{s.color}" stroke-width="{s.width}"'
                   f' stroke-linejoin="round"{dash}/>')
    if now is not None and x0 <= now <= x1:
        out.append(f'<line x1="{sx(now):.1f}" y1="{top - 4}" x2="{sx(now):.1f}" y2="{top + plot_h}" '
                   f'stroke="{NOW}" stroke-width="1.5" stroke-dasharray="3 3"/>')
        anchor = "end" if sx(now) > left + plot_w * 0.8 else "start"
        out.append(_text(sx(now) + (-4 if anchor == "end" else 4), top + 8, now_label, anchor=anchor, color=NOW))
    out += _legend([(s.label, s.color, s.dashed) for s in series], left, 16)
    out.append("</svg>")
    return "".join(out)


def bar_chart(
    bars: Sequence[tuple[str, float]],
    *,
    title: str,
    y_label: Callable[[float], str],
    color: str = "#2563eb",
    highlight: int | None = None,
    label_every: int = 1,
    width: int = 640,
    height: int = 230,
) -> str:
    """Plot one bar per label (e.g. GMV per event hour); `highlight` marks the bar of the current hour."""
    left, right, top, bottom = 84, 16, 16, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    y_max = nice_max(max([v for _, v in bars] + [0]))
    slot = plot_w / max(len(bars), 1)
    gap = min(3.0, slot * 0.2)
    out = [_open(width, height, title)]
    steps = grid_steps(y_max)
    for i in range(steps + 1):
        value = y_max * i / steps
        y = top + plot_h - plot_h * i / steps
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="{GRID}"/>')
        out.append(_text(left - 6, y + 4, y_label(value), anchor="end"))
    for i, (label, value) in enumerate(bars):
        h = plot_h * (value / y_max)
        x = left + i * slot + gap / 2
        fill = NOW if i == highlight else color
        out.append(f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{slot - gap:.1f}" height="{h:.1f}" '
                   f'fill="{fill}"><title>{escape(label)}: {escape(y_label(value))}</title></rect>')
        if i % label_every == 0:
            out.append(_text(x + (slot - gap) / 2, top + plot_h + 16, label, anchor="middle", size=11))
    out.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="{MUTED}"/>')
    out.append("</svg>")
    return "".join(out)


@dataclass(frozen=True)
class Segment:
    """A phase of the timeline: [start, end) in seconds, drawn with a minimum width so short phases show."""

    label: str
    start: float
    end: float
    color: str
    current: bool = False


def label_width(label: str, size: float = 11) -> float:
    """A generous width of a label in px at `size` (wide characters such as Han count double)."""
    return sum(size * (1.1 if ord(ch) > 0x2E80 else 0.62) for ch in label)


ROW_H = 18  # px per line of mark labels under the band
MARK_LINE_PX = 330.0  # a mark label longer than this wraps onto more lines (at word boundaries)
GAP = 8.0
LABEL_OFFSET = 6.0  # a label starts this far right of its mark's leader line


def wrap_label(label: str, most: float = MARK_LINE_PX) -> list[str]:
    """Split a mark label into lines of at most `most` px (a word longer than that is split by characters)."""
    lines: list[str] = []
    line = ""
    words = label.split()
    if len(words) >= 2 and re.fullmatch(r"\d{1,2}", words[-2]) and re.fullmatch(r"[A-Z][a-z]{2}", words[-1]):
        words[-2:] = [f"{words[-2]} {words[-1]}"]  # a date ("09 Dec") is never split over two lines
    for word in words:
        while label_width(word) > most:  # one very long word: split it, never cut it
            cut = max(1, next((i for i in range(len(word), 0, -1) if label_width(word[:i]) <= most), 1))
            if line:
                lines.append(line)
                line = ""
            lines.append(word[:cut])
            word = word[cut:]
        candidate = f"{line} {word}".strip()
        if line and label_width(candidate) > most:
            lines.append(line)
            line = word
        else:
            line = candidate
    if line:
        lines.append(line)
    return lines or [""]


def _fits(label: tuple[float, float, float, int], row: int, spans: dict[int, list[tuple[float, float]]],
          leaders: list[tuple[float, int]], *, reach: bool) -> bool:
    """Whether a label (mark x, extent a..b, lines) may start at `row` (see `_place_marks`)."""
    x, a, b, count = label
    mine = range(row, row + count)
    free = all(not (a < e and s < b) for r in mine for s, e in spans.get(r, []))
    crossed = reach and any(s - GAP / 2 <= x <= e + GAP / 2 for r in range(row) for s, e in spans.get(r, []))
    crossing = any(a <= lx <= b and first > r for lx, first in leaders for r in mine)
    return free and not crossed and not crossing


def _place_marks(
    marks: list[tuple[float, str]], lo: float, hi: float
) -> list[tuple[float, float, list[str], int]]:
    """Place each mark's label under the band: (x of the mark, centre of its label, its lines, first row).

    Right to left, each label starts just right of its mark's leader line and takes the first rows
    where (1) it overlaps no other label, (2) its leader line, from the band down to its first row,
    crosses no label in the rows above, and (3) no leader line of a mark placed lower runs through
    it. Labels to the right never hold a mark's x, so a cluster of marks becomes a staircase and
    (2) always holds but where a label had to move left to stay inside the picture; there the
    label goes below and its mark keeps a short tick. So labels are never cut (they wrap), never
    overlap and never have a line drawn across them, however long the titles.
    """
    spans: dict[int, list[tuple[float, float]]] = {}  # row -> label extents
    leaders: list[tuple[float, int]] = []  # (x, first row of its label): the line crosses rows above it
    placed = []
    most = 2 * sum(len(wrap_label(text)) for _, text in marks) + 2
    for x, label in sorted(marks, key=lambda m: -m[0]):
        lines = wrap_label(label)
        w = max(label_width(line) for line in lines)
        cx = min(max(x + LABEL_OFFSET + w / 2, lo + w / 2), hi - w / 2)
        a, b = cx - w / 2 - GAP, cx + w / 2 + GAP
        label_box = (x, a, b, len(lines))
        row = next((r for r in range(most) if _fits(label_box, r, spans, leaders, reach=True)), None)
        reach = row is not None
        if row is None:  # every row its line could reach is blocked: the label goes below, its line stays a tick
            row = next(r for r in range(10 * most) if _fits(label_box, r, spans, leaders, reach=False))
        for r in range(row, row + len(lines)):
            spans.setdefault(r, []).append((a + GAP, b - GAP))
        if reach:
            leaders.append((x, row))
        placed.append((x, cx, lines, row if reach else -1 - row))
    return placed


def timeline(
    segments: Sequence[Segment],
    markers: Sequence[tuple[float, str]],
    *,
    now: float | None,
    now_label: str,
    title: str,
    width: int = 1200,
    min_share: float = 0.09,
) -> str:
    """Draw the phases as one band (proportional, each at least `min_share` wide), dated marks and today."""
    left, right = 10, 10
    band_w = width - left - right
    n = len(segments)
    total = sum(s.end - s.start for s in segments) or 1.0
    raw = [(s.end - s.start) / total for s in segments]
    floor_total = min_share * sum(1 for r in raw if r < min_share)
    rest = sum(r for r in raw if r >= min_share) or 1.0
    shares = [min_share if r < min_share else r / rest * (1 - floor_total) for r in raw]
    edges = [left]
    for share in shares:
        edges.append(edges[-1] + share * band_w)

    def sx(t: float) -> float:
        if t <= segments[0].start:
            return edges[0]
        for i, s in enumerate(segments):
            if t < s.end or i == n - 1:
                fraction = min(max((t - s.start) / ((s.end - s.start) or 1.0), 0.0), 1.0)
                return edges[i] + fraction * (edges[i + 1] - edges[i])
        return edges[-1]

    band_top, band_h = 46, 34
    placed = _place_marks([(sx(t), label) for t, label in sorted(markers)], left, width - right)
    placed = [(x, cx, lines, row, row >= 0) for x, cx, lines, row in placed]  # row < 0: a tick, no leader line
    placed = [(x, cx, lines, row if ok else -1 - row, ok) for x, cx, lines, row, ok in placed]
    slots = max((row + len(lines) for _, _, lines, row, _ in placed), default=1)
    height = band_top + band_h + 26 + ROW_H * slots + 8
    out = [_open(width, height, title)]
    for i, s in enumerate(segments):
        stroke = f' stroke="{INK}" stroke-width="2"' if s.current else ""
        out.append(f'<rect x="{edges[i]:.1f}" y="{band_top}" width="{edges[i + 1] - edges[i]:.1f}" '
                   f'height="{band_h}" fill="{s.color}"{stroke}/>')
        out.append(_text((edges[i] + edges[i + 1]) / 2, band_top + band_h / 2 + 5, s.label, anchor="middle",
                         color=INK, weight="bold" if s.current else "normal", size=13))
    for x, _cx, _lines, row, reach in placed:  # a mark's leader line ends above its label, crossing no other label
        y = band_top + band_h + 22 + ROW_H * row if reach else band_top + band_h + 6 + 12
        out.append(f'<line class="leader" x1="{x:.1f}" y1="{band_top + band_h}" x2="{x:.1f}" y2="{y - 12:.1f}" '
                   f'stroke="{MUTED}"/>')
    for _x, cx, lines, row, _reach in placed:  # the whole label, wrapped onto as many lines as it needs, never cut
        for k, line in enumerate(lines):
            y = band_top + band_h + 22 + ROW_H * (row + k)
            halo = '<text class="mark" paint-order="stroke" stroke="#fff" stroke-width="4" stroke-linejoin="round" '
            out.append(_text(cx, y, line, anchor="middle", size=11).replace("<text ", halo, 1))
    if now is not None:
        x = sx(now)
        # drawn around the band, not across it, so the current phase's name stays readable
        out.append(f'<line x1="{x:.1f}" y1="{band_top - 20}" x2="{x:.1f}" y2="{band_top}" stroke="{NOW}" '
                   f'stroke-width="3"/>')
        out.append(f'<path d="M{x - 7:.1f},{band_top - 8}L{x + 7:.1f},{band_top - 8}L{x:.1f},{band_top}Z" '
                   f'fill="{NOW}"/>')
        out.append(f'<line x1="{x:.1f}" y1="{band_top}" x2="{x:.1f}" y2="{band_top + band_h}" stroke="{NOW}" '
                   f'stroke-width="1.5" stroke-opacity="0.7"/>')
        anchor = "end" if x > width * 0.75 else "start"
        out.append(_text(x + (-10 if anchor == "end" else 10), band_top - 10, now_label, anchor=anchor, color=NOW,
                         weight="bold", size=13))
    out.append("</svg>")
    return "".join(out)
