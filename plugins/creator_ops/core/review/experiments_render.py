"""The review's experiments section in words and an interval plot (SPEC 12), for review.md and review.html.

The plot is a small hand-written SVG (no script, no font, no external file): one row per
estimate, the 95 % interval as a bar, the point as a dot, zero as a line, and for traffic
what the allocation predicted per creator as a diamond, so a reader sees at once whether
the interval excludes zero and how far the prediction was from what was measured.
"""

from __future__ import annotations

import html
from typing import Any

from creator_ops.core.review.values import Money, Ratio, display_myr, text

WHAT = {"traffic": ("the boost", "boosted"), "samples": ("free samples", "sampled")}
# what `spend_myr` counts, named so it is never read as the review's cost (SPEC 10's `cost.samples_myr`
# counts every sample shipped; this one only the samples of the treated creators, at product price)
SPEND_NAMES = {"traffic": "boost spent on treated creators", "samples": "samples shipped to treated creators"}


def _rm(value: Money | None) -> str:
    return "n/a" if value is None else display_myr(value)


def lift_sentence(mechanism: str, block: dict[str, Any]) -> str:
    """Say what the mechanism added per creator and in total, how sure we are, and whether zero is excluded."""
    what, _ = WHAT.get(mechanism, (mechanism, mechanism))
    n_t, n_h = block["n_treated"], block["n_holdout"]
    if block.get("reason") == "too_few":
        return (
            f"Not measured: {what} needs at least 2 creators in each group ({n_t} treated, {n_h} held out), "
            "so no lift is estimated."
        )
    low, high = block["incremental_gmv_ci95_myr"]
    verb = "added" if block["lift_myr"].sen >= 0 else "changed eligible GMV by"
    words = (
        f"{what.capitalize()} {verb} {_rm(block['lift_myr'])} per creator, between {_rm(block['ci95_low_myr'])} "
        f"and {_rm(block['ci95_high_myr'])} (95 % interval), so {_rm(block['incremental_gmv_myr'])} in total over "
        f"{n_t:,} creators (between {_rm(low)} and {_rm(high)}), measured against {n_h:,} creators held out."
    )
    if block.get("significant"):
        words += " The interval excludes zero: the effect is real at the 95 % level."
    else:
        words += " The interval includes zero: we cannot tell it from no effect."
    roi = block.get("incremental_roi")
    spend = block["spend_myr"].sen
    if roi is not None and spend:
        words += (
            f" Incremental ROI {float(roi.value):.2f}× on {_rm(block['spend_myr'])} of "
            f"{SPEND_NAMES.get(mechanism, 'spend')} "
            f"(between {low.sen / spend:.2f}× and {high.sen / spend:.2f}×)."
        )
    if mechanism == "traffic":
        calibration = block.get("calibration")
        predicted = block.get("predicted_incremental_gmv_myr")
        if calibration is not None:
            words += (
                f" The allocation predicted {_rm(predicted)}; measured / predicted (calibration) is "
                f"{float(calibration.value):.3f} (between {low.sen / predicted.sen:.3f} and "
                f"{high.sen / predicted.sen:.3f})."
            )
        elif predicted is not None:
            words += f" The allocation predicted {_rm(predicted)}; no calibration (nothing predicted)."
    return words


def _rows(block: dict[str, Any]) -> list[tuple[str, int, int, int]]:
    out = []
    for label, source in (("CUPED", block), ("raw", block.get("raw") or {})):
        if source.get("lift_myr") is not None:
            out.append((label, source["ci95_low_myr"].sen, source["lift_myr"].sen, source["ci95_high_myr"].sen))
    return out


def interval_svg(mechanism: str, block: dict[str, Any], *, on_treated: bool = False) -> str:
    """Return an inline SVG of the lift per creator with its 95 % intervals (empty when not measured).

    The axis spans the CUPED interval, zero and the prediction; a raw interval much wider than
    that is drawn to the edge with an arrow, its ends written beside it, so the narrower
    interval stays readable.
    """
    rows = _on_treated_rows(block) if on_treated else _rows(block)
    if not rows:
        return ""
    predicted = None
    if mechanism == "traffic" and block.get("predicted_incremental_gmv_myr") is not None and block["n_treated"]:
        predicted = round(block["predicted_incremental_gmv_myr"].sen / block["n_treated"])
    main = rows[0]
    values = [main[1], main[3], 0] + ([predicted] if predicted is not None else [])
    for _, low, _, high in rows[1:]:
        if high - low <= 4 * ((main[3] - main[1]) or 1):
            values += [low, high]
    lo, hi = min(values), max(values)
    span = (hi - lo) or 100
    lo, hi = lo - 0.12 * span, hi + 0.12 * span
    width, left, right, row_h = 640, 80, 24, 40
    height = 34 + row_h * (len(rows) + (1 if predicted is not None else 0)) + 22

    def x(sen: float) -> float:
        return left + (min(max(sen, lo), hi) - lo) / (hi - lo) * (width - left - right)

    def rm(sen: int) -> str:
        return html.escape(_rm(Money(sen)))

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{html.escape(mechanism)} lift per creator with 95 % intervals" '
        'font-family="sans-serif" font-size="12">',
        f'<line x1="{x(0):.1f}" y1="18" x2="{x(0):.1f}" y2="{height - 22}" stroke="#555" stroke-dasharray="4 3"/>',
        f'<text x="{x(0):.1f}" y="13" text-anchor="middle" fill="#555">RM 0</text>',
    ]
    y = 36
    for label, low, point, high in rows:
        colour = "#8a8a8a" if label == "raw" else "#1f6fb2"
        parts += [
            f'<text x="{left - 10}" y="{y + 4}" text-anchor="end">{label}</text>',
            f'<line x1="{x(low):.1f}" y1="{y}" x2="{x(high):.1f}" y2="{y}" stroke="{colour}" stroke-width="6" '
            'stroke-linecap="round"/>',
        ]
        if lo <= point <= hi:  # a point past the edge is in the table, not pinned to the edge
            dot = f'<circle cx="{x(point):.1f}" cy="{y}" r="6" fill="#fff" stroke="{colour}" stroke-width="2.5"/>'
            parts.append(dot)
        for end, clipped, direction in ((low, low < lo, -1), (high, high > hi, 1)):
            if clipped:
                tip = x(end) + 8 * direction
                parts.append(
                    f'<path d="M{tip:.1f} {y} L{x(end):.1f} {y - 6} L{x(end):.1f} {y + 6} Z" fill="{colour}"/>'
                )
        anchor_low, anchor_high = ("start", "end") if x(high) - x(low) > 170 else ("end", "start")
        parts += [
            f'<text x="{x(low):.1f}" y="{y + 19}" text-anchor="{anchor_low}" fill="#333">{rm(low)}</text>',
            f'<text x="{x(high):.1f}" y="{y + 19}" text-anchor="{anchor_high}" fill="#333">{rm(high)}</text>',
        ]
        y += row_h
    if predicted is not None:
        px = x(predicted)
        parts += [
            f'<text x="{left - 10}" y="{y + 4}" text-anchor="end">predicted</text>',
            f'<path d="M{px:.1f} {y - 7} L{px + 7:.1f} {y} L{px:.1f} {y + 7} L{px - 7:.1f} {y} Z" fill="#e07b00"/>',
            f'<text x="{px:.1f}" y="{y + 20}" text-anchor="middle" fill="#333">{rm(predicted)}</text>',
        ]
    parts.append(
        f'<text x="{width - right}" y="{height - 4}" text-anchor="end" fill="#555">lift per creator, '
        "dot = estimate, bar = 95 % interval (an arrow: it runs on past the edge)</text></svg>"
    )
    return "".join(parts)


def _cell(value: Any) -> str:
    if isinstance(value, list):
        return " to ".join(_cell(v) for v in value)
    return text(value)


FIELDS = (
    ("holdout_share", "holdout share"),
    ("n_treated", "creators treated"),
    ("n_holdout", "held out among enrolled"),
    ("mean_treated_myr", "mean eligible GMV, treated"),
    ("mean_holdout_myr", "mean eligible GMV, held out"),
    ("theta", "θ (CUPED, on 30-day GMV)"),
    ("lift_myr", "lift per creator (CUPED)"),
    ("ci95_low_myr", "95 % interval, low"),
    ("ci95_high_myr", "95 % interval, high"),
    ("incremental_gmv_myr", "incremental GMV"),
    ("incremental_gmv_ci95_myr", "incremental GMV, 95 % interval"),
    ("spend_myr", "spend"),
    ("incremental_roi", "incremental ROI"),
    ("predicted_incremental_gmv_myr", "predicted incremental GMV"),
    ("calibration", "calibration (measured / predicted)"),
    ("significant", "interval excludes zero"),
)


def _field_rows(block: dict[str, Any]) -> list[tuple[str, str]]:
    spend_name = SPEND_NAMES["samples" if "shipped_samples" in block else "traffic"]
    rows = [(spend_name if key == "spend_myr" else label, _cell(block[key])) for key, label in FIELDS if key in block]
    raw = block.get("raw") or {}
    if raw.get("lift_myr") is not None:
        interval = f"{_cell(raw['lift_myr'])} ({_cell(raw['ci95_low_myr'])} to {_cell(raw['ci95_high_myr'])})"
        rows.insert(9, ("lift per creator (raw, without CUPED)", interval))
    return rows


def percent_text(value: Ratio | None) -> str:
    return "n/a" if value is None else f"{float(value.value) * 100:.1f} %"


def _interval(p: dict[str, Any]) -> str:
    if p["low80_myr"] is None:
        return "none yet"
    return f"{_rm(p['low80_myr'])} to {_rm(p['high80_myr'])}"


def projection_rows(review: dict[str, Any]) -> list[list[str]]:
    """Rows of the backtest table: checkpoint, replays, median absolute % error, interval coverage."""
    block = review.get("projection") or {}
    return [
        [name, str(c["replays"]), percent_text(c["median_abs_pct_error"]),
         f"{percent_text(c['interval_coverage'])} of {c['with_interval']}"]
        for name, c in (block.get("backtest") or {}).items()
    ]  # fmt: skip


def _zone(review: dict[str, Any]) -> str:
    return (review.get("campaign") or {}).get("timezone") or "UTC"


def _local(review: dict[str, Any], moment: str) -> str:
    """A stored ISO moment in the campaign's time zone, as a person reads it (`12 Dec 2026 17:00`)."""
    from creator_ops.core.times import DATE_TIME, format_local

    try:
        return format_local(moment, _zone(review), style=DATE_TIME)
    except (TypeError, ValueError, KeyError):
        return moment


def conversion_sentence(block: dict[str, Any]) -> str:
    """How much of each replayed campaign's GMV placed ended eligible (the projection's second factor)."""
    shares = [f"{c} {percent_text(v)}" for c, v in (block.get("conversion") or {}).items() if v is not None]
    if not shares:
        return ""
    return ("The projection scales GMV placed (every status) and converts it to eligible GMV. Share of GMV placed "
            f"that ended eligible: {', '.join(shares)}; each replay converts with the shares of the campaigns "
            "before it.")  # fmt: skip


def projection_markdown(review: dict[str, Any]) -> list[str]:
    block = review.get("projection")
    if not block:
        return []
    lines = [
        "## Live projection, held to account",
        "",
        f"Final eligible GMV: {_rm(block['final_eligible_myr'])}. Backtest over "
        f"{', '.join(block['backtest_campaigns']) or 'no settled campaign'} (each replayed hour by hour with the "
        "shapes of the campaigns before it):",
        "",
        *([conversion_sentence(block), ""] if conversion_sentence(block) else []),
        "| at | replays | median absolute error | 80 % interval held the final |",
        "| --- | --- | --- | --- |",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in projection_rows(review)]
    if block["live"]:
        lines += ["", f"| live projection as of ({_zone(review)}) | projected | 80 % interval | error | held |"]
        lines += ["| --- | --- | --- | --- | --- |"]
        for p in block["live"]:
            held = {True: "yes", False: "no", None: "n/a"}[p["interval_held_final"]]
            lines.append(
                f"| {_local(review, p['as_of'])} | {_rm(p['projected_myr'])} | {_interval(p)} | "
                f"{percent_text(p['abs_pct_error'])} | {held} |"
            )
    return [*lines, ""]


def projection_html(review: dict[str, Any]) -> str:
    block = review.get("projection")
    if not block:
        return ""
    rows = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in projection_rows(review))
    live = "".join(
        f"<tr><td>{html.escape(_local(review, p['as_of']))}</td><td>{html.escape(_rm(p['projected_myr']))}</td>"
        f"<td>{html.escape(_interval(p))}</td>"
        f"<td>{html.escape(percent_text(p['abs_pct_error']))}</td>"
        f"<td>{ {True: 'yes', False: 'no', None: 'n/a'}[p['interval_held_final']] }</td></tr>"
        for p in block["live"]
    )
    parts = [
        "<h2>Live projection, held to account</h2>",
        f"<p>Final eligible GMV {html.escape(_rm(block['final_eligible_myr']))}. Backtest over "
        f"{html.escape(', '.join(block['backtest_campaigns']) or 'no settled campaign')}, each replayed hour by hour "
        f"with the shapes of the campaigns before it. {html.escape(conversion_sentence(block))}</p>",
        "<table><thead><tr><th>at</th><th>replays</th><th>median absolute error</th>"
        f"<th>80 % interval held the final</th></tr></thead><tbody>{rows}</tbody></table>",
    ]
    if live:
        parts.append(
            f"<table><thead><tr><th>live projection as of ({html.escape(_zone(review))})</th><th>projected</th>"
            "<th>80 % interval</th>"
            f"<th>error</th><th>held</th></tr></thead><tbody>{live}</tbody></table>"
        )
    return "\n".join(parts)


def experiments_markdown(review: dict[str, Any]) -> list[str]:
    """Return the experiments section of review.md (and the projection's, when the review has one)."""
    experiments = review.get("experiments") or {}
    if not experiments:
        return projection_markdown(review)
    lines = ["## What the mechanisms caused (holdouts)", ""]
    for mechanism, block in experiments.items():
        lines += [f"### {mechanism}", ""]
        on_treated = block.get("on_treated")
        if on_treated is not None:
            lines += [f"**{on_treated_sentence(mechanism, on_treated)}**", "", srm_sentence(block), "",
                      "| on the creators the plan chose | value |", "| --- | --- |"]  # fmt: skip
            lines += [f"| {label} | {value} |" for label, value in _on_treated_field_rows(on_treated)]
            lines += ["", "All enrolled creators (section 12, intent to treat):", ""]
        lines += [lift_sentence(mechanism, block), "", "| figure | value |", "| --- | --- |"]
        lines += [f"| {label} | {value} |" for label, value in _field_rows(block)]
        lines.append("")
    return lines + projection_markdown(review)


def experiments_html(review: dict[str, Any]) -> str:
    """Return the experiments section of review.html (empty when no mechanism has a holdout)."""
    experiments = review.get("experiments") or {}
    if not experiments:
        return projection_html(review)
    parts = ["<h2>What the mechanisms caused (holdouts)</h2>"]
    for mechanism, block in experiments.items():
        rows = "".join(
            f'<tr><td>{html.escape(label)}</td><td class="n">{html.escape(value)}</td></tr>'
            for label, value in _field_rows(block)
        )
        svg = interval_svg(mechanism, block)
        parts.append(f"<h3>{html.escape(mechanism)}</h3>")
        on_treated = block.get("on_treated")
        if on_treated is not None:
            headline_svg = interval_svg(mechanism, on_treated, on_treated=True)
            srm_text = srm_sentence(block)
            mismatch = any(t.get("mismatch") for t in (block.get("srm") or {}).values())
            treated_rows = "".join(
                f'<tr><td>{html.escape(label)}</td><td class="n">{html.escape(value)}</td></tr>'
                for label, value in _on_treated_field_rows(on_treated)
            )
            parts += [
                f'<p class="headline"><strong>{html.escape(on_treated_sentence(mechanism, on_treated))}</strong></p>',
                f'<div class="plot">{headline_svg}</div>' if headline_svg else "",
                f'<p class="{"alert" if mismatch else "note"}">{html.escape(srm_text)}</p>' if srm_text else "",
                "<table><thead><tr><th>on the creators the plan chose</th><th>value</th></tr></thead>"
                f"<tbody>{treated_rows}</tbody></table>",
                "<p>All enrolled creators (section 12, intent to treat):</p>",
            ]
        parts += [
            f"<p>{html.escape(lift_sentence(mechanism, block))}</p>",
            f'<div class="plot">{svg}</div>' if svg else "",
            f"<table><thead><tr><th>figure</th><th>value</th></tr></thead><tbody>{rows}</tbody></table>",
        ]
    return "\n".join(p for p in parts if p) + "\n" + projection_html(review)


# --------------------------------------------------------------------------- SPEC 15: on the would-be-treated


def _p_text(p: Ratio | None) -> str:
    if p is None:
        return "n/a"
    value = float(p.value)
    return f"{value:.4f}" if value >= 0.0001 else "< 0.0001"


def on_treated_sentence(mechanism: str, block: dict[str, Any]) -> str:
    """Say the effect per would-be-treated creator with its interval and p, and whether the two agree."""
    what, done = WHAT.get(mechanism, (mechanism, mechanism))
    n_t, n_h = block["n_treated"], block["n_holdout"]
    if block.get("reason") == "no_plan":
        missing = "no allocation rows" if mechanism == "traffic" else "no matchmaking pairs"
        return f"Not measured on the chosen creators: there is no plan ({missing})."
    if block.get("reason") == "too_few":
        return (
            f"Not measured on the chosen creators: {what} needs at least 2 creators the plan chose in each group "
            f"({n_t} {done}, {n_h} held out), so no effect is estimated."
        )
    low, high = block["incremental_gmv_ci95_myr"]
    df = block.get("df")
    df_text = f"Welch t, {float(df.value):.1f} df" if df is not None else "no spread: the interval is the point"
    verb = "added" if block["lift_myr"].sen >= 0 else "changed eligible GMV by"
    words = (
        f"On the creators the plan chose: {what} {verb} {_rm(block['lift_myr'])} per {done} creator, between "
        f"{_rm(block['ci95_low_myr'])} and {_rm(block['ci95_high_myr'])} (95 % interval, {df_text}; "
        f"randomization p = {_p_text(block.get('p_value'))}), so {_rm(block['incremental_gmv_myr'])} over "
        f"{n_t:,} {done} creators (between {_rm(low)} and {_rm(high)}), measured against {n_h:,} creators the plan "
        "chose but held out."
    )
    excludes = block["ci95_low_myr"].sen > 0 or block["ci95_high_myr"].sen < 0
    p = block.get("p_value")
    p_small = p is not None and float(p.value) < 0.05
    if block.get("significant"):
        words += " The interval excludes zero and the randomization test agrees (p < 0.05): the effect is real."
    elif excludes != p_small:
        words += (
            " The interval and the randomization test disagree "
            f"({'the interval excludes zero but p ≥ 0.05' if excludes else 'p < 0.05 but the interval includes zero'}):"
            " a few large creators dominate a small group, so the effect is not established."
        )
    else:
        words += " The interval includes zero and p ≥ 0.05: we cannot tell it from no effect."
    roi = block.get("incremental_roi")
    if roi is not None:
        words += f" Incremental ROI {float(roi.value):.2f}× on {_rm(block['spend_myr'])} spent on them."
    if mechanism == "traffic" and block.get("calibration") is not None:
        ci = block.get("calibration_ci95") or [None, None]
        words += (
            f" The plan predicted {_rm(block['predicted_incremental_gmv_myr'])} for them; calibration "
            f"{float(block['calibration'].value):.3f} (se {float(block['calibration_se'].value):.3f}"
            + (f", between {float(ci[0].value):.3f} and {float(ci[1].value):.3f}" if ci[0] is not None else "")
            + ")."
        )
    compliance = block.get("compliance")
    if compliance:
        words += (
            f" Compliance: {compliance['holdout_sampled']} held-out creators got a sample anyway; "
            f"{compliance['treated_unsampled']} chosen creators got none shipped."
        )
    if block.get("held_back_myr") is not None and block["held_back_myr"].sen:
        kind = "of boost" if mechanism == "traffic" else "of samples"
        words += f" {_rm(block['held_back_myr'])} {kind} held back with the holdout."
    return words


def srm_detail(which: str, test: dict[str, Any]) -> str:
    share = float(test["expected_share"].value) if test.get("expected_share") is not None else 0.0
    chi2 = test.get("chi2")
    chi2_text = "n/a" if chi2 is None else f"{float(chi2.value):.2f}"
    return (
        f"{'all enrolled' if which == 'all' else 'would-be-treated'}: {test['holdout']:,} held out of {test['n']:,} "
        f"(expected {share * test['n']:,.1f} at share {share:g}), χ² {chi2_text}, p {_p_text(test.get('p_value'))}"
    )


def srm_sentence(block: dict[str, Any]) -> str:
    """Say whether the split is what the holdout share says, in words; a mismatch says not to trust the estimates."""
    srm = block.get("srm") or {}
    if not srm:
        return ""
    details = "; ".join(srm_detail(which, test) for which, test in srm.items())
    if any(test.get("mismatch") for test in srm.values()):
        return (
            f"Sample ratio mismatch ({details}): a split this far off its share happens by chance less than once in "
            "a thousand, so the assignment or the data are broken (a late file dropped holdout creators, ids changed "
            "form). The estimates of this mechanism must not be trusted."
        )
    return f"Sample ratio as expected ({details})."


def _on_treated_rows(block: dict[str, Any]) -> list[tuple[str, int, int, int]]:
    if block.get("lift_myr") is None:
        return []
    return [("chosen", block["ci95_low_myr"].sen, block["lift_myr"].sen, block["ci95_high_myr"].sen)]


ON_TREATED_FIELDS = (
    ("n_treated", "chosen creators treated"),
    ("n_holdout", "held out among the would-be-treated"),
    ("mean_treated_myr", "mean eligible GMV, treated"),
    ("mean_holdout_myr", "mean eligible GMV, held out"),
    ("theta", "θ (CUPED over the chosen)"),
    ("lift_myr", "effect per treated creator"),
    ("ci95_low_myr", "95 % interval, low (Welch t)"),
    ("ci95_high_myr", "95 % interval, high (Welch t)"),
    ("df", "degrees of freedom"),
    ("p_value", "randomization p (10,000 relabellings)"),
    ("sd_adjusted_myr", "sd of adjusted GMV (next plan's power)"),
    ("incremental_gmv_myr", "incremental GMV"),
    ("incremental_gmv_ci95_myr", "incremental GMV, 95 % interval"),
    ("spend_myr", "spend on the treated"),
    ("held_back_myr", "held back with the holdout"),
    ("incremental_roi", "incremental ROI"),
    ("predicted_incremental_gmv_myr", "predicted incremental GMV"),
    ("calibration", "calibration (measured / predicted)"),
    ("calibration_ci95", "calibration, 95 % interval"),
    ("calibration_se", "calibration, standard error"),
    ("significant", "significant (interval excludes 0 and p < 0.05)"),
)


def _on_treated_field_rows(block: dict[str, Any]) -> list[tuple[str, str]]:
    rows = [(label, _cell(block[key])) for key, label in ON_TREATED_FIELDS if key in block]
    compliance = block.get("compliance")
    if compliance:
        rows += [("held out but sampled anyway", str(compliance["holdout_sampled"])),
                 ("chosen, treated, none shipped", str(compliance["treated_unsampled"]))]  # fmt: skip
    return rows
