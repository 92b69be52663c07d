"""Write the ecosystem (SPEC section 13) as ecosystem.json, creators.csv and ecosystem.html.

The page is self-contained and opens offline: one inline `<style>`, the cohort heatmap and
the growth bars as inline SVG drawn here (no script, no font, nothing fetched), every
value escaped. Output is deterministic: the same figures give byte-identical files.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from creator_ops.core.ecosystem import (
    HISTORY_FILE,
    LEADERS,
    SCORECARD_COLUMNS,
    Ecosystem,
    history_json,
    scorecard_csv_rows,
)
from creator_ops.core.money import format_rm
from creator_ops.core.review.values import Money, Ratio
from creator_ops.core.safe_csv import write_atomically, write_csv

NEW, RETURNING, REACTIVATED, CHURNED = "#1f6fb2", "#2e9e5b", "#e07b00", "#c0392b"
STYLE = """
body{font-family:sans-serif;margin:24px;color:#222;max-width:1200px}
h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd;padding-bottom:4px}
table{border-collapse:collapse;font-size:13px;margin:8px 0}
th,td{border:1px solid #ddd;padding:4px 8px;text-align:right}th{background:#f4f4f4}
td.l,th.l{text-align:left}.cards{display:flex;gap:12px;flex-wrap:wrap}
.card{border:1px solid #ddd;border-radius:6px;padding:8px 14px;min-width:120px}
.card b{display:block;font-size:20px}.muted{color:#666;font-size:12px}
.legend span{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px;vertical-align:middle}
"""


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _share(value: Ratio | None) -> str:
    return "n/a" if value is None else f"{value.decimal() * 100:.1f}%"


def _table(headers: list[str], rows: list[list[Any]], left: int = 1) -> str:
    head = "".join(f'<th class="{"l" if i < left else ""}">{_e(h)}</th>' for i, h in enumerate(headers))
    body = "".join(
        "<tr>" + "".join(f'<td class="{"l" if i < left else ""}">{_e(c)}</td>' for i, c in enumerate(row)) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _heat_colour(share: Ratio | None) -> str:
    if share is None:
        return "#ffffff"
    x = float(share.value)  # display only: the figure itself stays exact
    # white (0) to deep blue (1)
    r, g, b = (round(255 - (255 - c) * x) for c in (31, 111, 178))
    return f"#{r:02x}{g:02x}{b:02x}"


def cohort_heatmap(eco: Ecosystem, metric: str = "enrolled") -> str:
    """Inline SVG: one row per cohort, one column per campaign, cells shaded by the cohort's share."""
    ids = eco.ids
    cohorts = list(eco.retention)
    cell_w, cell_h, left, top = 78, 26, 170, 70
    width, height = left + cell_w * len(ids) + 110, top + cell_h * len(cohorts) + 10  # room for slanted labels
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" aria-label="cohort retention, {metric} share">'
    ]
    for j, cid in enumerate(ids):
        x = left + j * cell_w + cell_w / 2
        parts.append(
            f'<text x="{x:.0f}" y="{top - 8}" font-size="10" text-anchor="start" '
            f'transform="rotate(-30 {x:.0f} {top - 8})">{_e(cid)}</text>'
        )
    for i, cohort in enumerate(cohorts):
        y = top + i * cell_h
        size = eco.retention[cohort][cohort]["enrolled"]
        parts.append(
            f'<text x="{left - 6}" y="{y + 17}" font-size="11" text-anchor="end">{_e(cohort)} ({size:,})</text>'
        )
        for j, cid in enumerate(ids):
            cell = eco.retention[cohort].get(cid)
            if cell is None:
                continue
            share = cell[f"{metric}_share"]
            fill = _heat_colour(share)
            ink = "#ffffff" if share is not None and share.value > 0.55 else "#222222"
            x = left + j * cell_w
            parts.append(
                f'<rect x="{x}" y="{y}" width="{cell_w - 2}" height="{cell_h - 2}" fill="{fill}" stroke="#dddddd">'
                f"<title>{_e(cohort)} in {_e(cid)}: {cell[metric]:,} ({_share(share)})</title></rect>"
                f'<text x="{x + cell_w / 2 - 1:.0f}" y="{y + 17}" font-size="11" text-anchor="middle" '
                f'fill="{ink}">{_share(share)}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def growth_bars(eco: Ecosystem, key: str = "growth") -> str:
    """Inline SVG: per campaign, new / returning / reactivated stacked up and churned down."""
    block = getattr(eco, key)
    ids = eco.ids
    peak = max([1] + [r["new"] + r["returning"] + r["reactivated"] for r in block.values()])
    low = max([1] + [r["churned"] for r in block.values()])
    bar_w, left, up_h, down_h = 60, 50, 160, 80
    width, height = left + bar_w * len(ids) + 120, up_h + down_h + 110  # room for slanted labels
    axis = up_h + 20
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" aria-label="growth accounting per campaign">',
        f'<line x1="{left - 4}" y1="{axis}" x2="{width - 10}" y2="{axis}" stroke="#888888"/>',
    ]
    scale = up_h / max(peak, low * up_h / down_h)
    for j, cid in enumerate(ids):
        row = block[cid]
        x = left + j * bar_w + 8
        y = axis
        for name, colour in (("new", NEW), ("returning", RETURNING), ("reactivated", REACTIVATED)):
            h = row[name] * scale
            y -= h
            parts.append(
                f'<rect x="{x}" y="{y:.1f}" width="{bar_w - 16}" height="{h:.1f}" fill="{colour}">'
                f"<title>{_e(cid)} {name}: {row[name]:,}</title></rect>"
            )
        h = row["churned"] * scale
        parts.append(
            f'<rect x="{x}" y="{axis}" width="{bar_w - 16}" height="{h:.1f}" fill="{CHURNED}">'
            f"<title>{_e(cid)} churned: {row['churned']:,}</title></rect>"
        )
        label_y = axis + down_h + 16
        parts.append(f'<text x="{x}" y="{label_y}" font-size="9" transform="rotate(30 {x} {label_y})">{_e(cid)}</text>')
    parts.append("</svg>")
    return "".join(parts)


LEGEND = (
    '<p class="legend"><span style="background:' + NEW + '"></span>new<span style="background:' + RETURNING
    + '"></span>returning<span style="background:' + REACTIVATED + '"></span>reactivated<span style="background:'
    + CHURNED + '"></span>churned (below the line)</p>'
)  # fmt: skip


def _growth_rows(eco: Ecosystem, key: str) -> list[list[Any]]:
    block = getattr(eco, key)
    rows = []
    for f in eco.campaigns:
        r = block[f.campaign_id]
        quick = r["quick_ratio"]
        rows.append([f.campaign_id, f.event_start.date().isoformat(), f"{r['enrolled']:,}", f"{r['new']:,}",
                     f"{r['returning']:,}", f"{r['reactivated']:,}", f"{r['churned']:,}",
                     "n/a" if quick is None else f"{quick.decimal():.2f}"])  # fmt: skip
    return rows


def moment_line(moment: dict[str, Any]) -> str:
    """Say what moment the figures describe and when the page was built, in local time (issue 30)."""
    from creator_ops.core.times import format_local

    zone = moment.get("timezone") or "Asia/Kuala_Lumpur"
    return (f"Figures as of {format_local(moment.get('figures_as_of'), zone)} (the end of the latest settlement "
            f"or payout run); built {format_local(moment.get('built_at'), zone)}; times in {zone}.")  # fmt: skip


def render_html(eco: Ecosystem, moment: dict[str, Any] | None = None) -> str:
    """Return ecosystem.html: headline, growth accounting, cohort heatmaps, leaders, creators lost."""
    latest = eco.campaigns[-1] if eco.campaigns else None
    title = "Creator ecosystem"
    cards = [(state, f"{n:,}") for state, n in eco.states.items()]
    lost = eco.lost
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
        f'<p class="muted" id="moment">{_e(moment_line(moment))}</p>' if moment else "",
        f'<p class="muted">{len(eco.campaigns)} campaigns, ordered by event start then id; '
        f"{len(eco.scorecard):,} creators enrolled in at least one. Enrolled and selling follow the payout rules "
        "(a valid enrollment on time; a payout result row). "
        + (
            f"States are as of the latest campaign, {_e(latest.name)} ({_e(latest.campaign_id)}).</p>"
            if latest
            else "</p>"
        ),
        "".join(
            f'<p class="missing" style="color:#a33">Not included: {_e(reason)}.</p>'
            for _, reason in sorted(eco.missing.items())
        ),
        '<h2>Creators by state</h2><div class="cards">'
        + "".join(f'<div class="card"><span class="muted">{_e(s)}</span><b>{_e(v)}</b></div>' for s, v in cards)
        + "</div>",
        "<h2>Creators lost since the last campaign</h2>",
    ]
    if lost["previous"]:
        parts.append(
            f"<p>{lost['sellers_not_enrolled']:,} of the {lost['previous_sellers']:,} sellers of "
            f"{_e(lost['previous'])} did not enrol in {_e(lost['campaign'])}; they sold "
            f"{_e(format_rm(lost['gmv_myr'].sen))} there.</p>"
        )
        gmv = {f.campaign_id: f for f in eco.campaigns}[lost["previous"]].selling_gmv_sen
        shown = lost["creator_ids"][:LEADERS]
        if shown:
            parts.append(
                _table(["creator", f"eligible GMV in {lost['previous']}"], [[c, format_rm(gmv[c])] for c in shown])
            )
            if len(lost["creator_ids"]) > len(shown):
                parts.append(f'<p class="muted">the {len(shown)} who sold most; all are in creators.csv '
                             "(state churned).</p>")  # fmt: skip
    else:
        parts.append("<p>Only one campaign so far: nobody can have been lost yet.</p>")
    headers = ["campaign", "event start", "enrolled", "new", "returning", "reactivated", "churned", "quick ratio"]
    parts += [
        "<h2>Growth accounting: enrolled creators</h2>",
        LEGEND,
        growth_bars(eco, "growth"),
        _table(headers, _growth_rows(eco, "growth"), left=2),
        "<h2>Growth accounting: selling creators</h2>",
        growth_bars(eco, "selling_growth"),
        _table(["campaign", "event start", "selling", *headers[3:]], _growth_rows(eco, "selling_growth"), left=2),
        '<p class="muted">quick ratio = (new + reactivated) / churned; n/a when nobody churned.</p>',
        "<h2>Cohort retention: share of each cohort enrolled</h2>",
        '<p class="muted">A cohort is the creators who first enrolled in that campaign (its size in brackets).</p>',
        cohort_heatmap(eco, "enrolled"),
        "<h2>Cohort retention: share of each cohort selling</h2>",
        cohort_heatmap(eco, "selling"),
        f"<h2>Scorecard leaders (top {min(LEADERS, len(eco.scorecard))} by eligible GMV)</h2>",
        _table(
            [
                "creator",
                "state",
                "enrolled",
                "selling",
                "eligible GMV",
                "first",
                "last",
                "samples",
                "posted",
                "post rate",
            ],  # fmt: skip
            [
                [
                    r["creator_id"],
                    r["state"],
                    r["campaigns_enrolled"],
                    r["campaigns_selling"],
                    format_rm(r["eligible_gmv_myr"].sen),
                    r["first_campaign"],
                    r["last_campaign"],
                    r["samples_shipped"],
                    r["samples_posted"],
                    _share(r["post_rate"]) if r["samples_shipped"] else "",
                ]  # fmt: skip
                for r in eco.scorecard[:LEADERS]
            ],
            left=2,
        ),
        '<p class="muted">The full scorecard is creators.csv.</p>',
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def write_ecosystem(eco: Ecosystem, out_dir: str | Path, moment: dict[str, Any] | None = None) -> dict[str, Path]:
    """Write ecosystem.json, creators.csv, ecosystem.html and history.json into `out_dir` (atomic, deterministic).

    `moment` (`figures_as_of`, `built_at`, what the Airflow run knows) heads the page; without it
    the files depend on the data alone.
    """
    from creator_ops.core.storage import root_path

    out = root_path(out_dir)  # a folder, or an object-storage path the Airflow layer made
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "json": write_atomically(out / "ecosystem.json", eco.dumps().encode("utf-8")),
        "csv": write_csv(out / "creators.csv", SCORECARD_COLUMNS, scorecard_csv_rows(eco)),
        "html": write_atomically(out / "ecosystem.html", render_html(eco, moment).encode("utf-8")),
        # what recruitment reads beside each candidate (state, past eligible GMV in sen)
        "history": write_atomically(out / HISTORY_FILE, history_json(eco).encode("utf-8")),
    }
    return paths


__all__ = ["Money", "cohort_heatmap", "growth_bars", "render_html", "write_ecosystem"]
