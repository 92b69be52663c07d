"""The review's incentive response (SPEC 16) for people: per tier a histogram, one sentence, plain statements.

The histogram is hand-written inline SVG (bars of the 50 counts, the fitted counterfactual
as a line, the excluded bins shaded, the threshold marked): no script, style or font from
outside, nothing to load. The words come from the figures in review.json only, so the
page, the Markdown and anyone re-reading the JSON say the same thing:

- the sentence: how many creators pushed past the threshold, what GMV that brought, per
  bonus ringgit, and what the tier costs (rounded as a person reads them, intervals too);
- "does not stand out": the excess's interval reaches 0 or the excess is no larger than a
  placebo's (bunching noise alone made as much where no tier sits);
- "disagree": excess and missing mass differ by more than 1.96 standard errors (the window of
  five bins below and two above does not fit this threshold; `bunching.masses_agree`);
- the what-if tables say which tiers bring the least GMV per bonus ringgit.
"""

from __future__ import annotations

import html
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from creator_ops.core.money import format_rm, format_rm_myr
from creator_ops.core.review.bunching import MIN_CREATORS, MIN_THRESHOLD_SEN, masses_agree, stands_out
from creator_ops.core.review.values import Ratio

BAR = "#9cc3e6"
BAR_NEAR = "#1f6fb2"
FIT = "#e07b00"
SHADE = "#f3f3f3"


def _per_ringgit_sen(ratio: Ratio) -> int:
    """GMV per bonus ringgit as sen for people (`RM 0.80`): the ratio to the nearest sen, half to even."""
    return int((Decimal(ratio.value.numerator) / Decimal(ratio.value.denominator) * 100).quantize(
        Decimal(1), rounding=ROUND_HALF_EVEN))  # fmt: skip


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def rm_rounded(sen: int, step_myr: int) -> str:
    """RM rounded to `step_myr` ringgit for reading (`RM 10,290`); exact figures stay in review.json."""
    step = step_myr * 100
    rounded = int((Decimal(sen) / step).quantize(Decimal(1), rounding=ROUND_HALF_EVEN)) * step
    return format_rm(rounded).removesuffix(".00")


def _creators(value: Any) -> str:
    return f"{round(float(value)):,}"  # an int: never "-0"


def full_bonuses(entries: list[dict[str, Any]]) -> list[int]:
    """Each tier's whole bonus (sen): the running sum of the entries' bonus over the tier below."""
    out, total = [], 0
    for entry in entries:
        total += entry["bonus_myr"].sen
        out.append(total)
    return out


def tier_sentence(entry: dict[str, Any], full_bonus_sen: int | None = None) -> str:
    """The one sentence of SPEC 16 for a tier, or why there is none."""
    threshold = format_rm(entry["threshold_myr"].sen)
    if entry.get("reason"):
        if entry["threshold_myr"].sen < MIN_THRESHOLD_SEN:
            return (f"No estimate at {threshold}: a threshold under RM 50.00 gives bins narrower than RM 1.00, "
                    "too few sen to count creators in.")  # fmt: skip
        return (f"No estimate at {threshold}: fewer than {MIN_CREATORS} selling creators have eligible GMV within "
                "50 % of it (too few to tell a push from noise).")  # fmt: skip
    bonus = entry["bonus_myr"].sen
    whole = full_bonus_sen if full_bonus_sen is not None else bonus
    more = "more" if bonus >= 0 else "less"  # a tier may pay less than the one below it (SPEC 5 allows it)
    reach = f"the {format_rm(whole)} bonus" + (f" ({format_rm(abs(bonus))} {more} than the tier below)"
                                                if whole != bonus else "")  # fmt: skip
    low, high = entry["excess_ci95"]
    pushed = entry["pushed_gmv_myr"].sen
    pushed_low, pushed_high = (m.sen for m in entry["pushed_gmv_ci95_myr"])
    per = entry["gmv_per_bonus_myr"]
    per_text = (f"{format_rm(_per_ringgit_sen(per))} of GMV per bonus ringgit" if isinstance(per, Ratio)
                else "no bonus ringgit paid at this tier to divide it by")  # fmt: skip
    return (
        f"About {_creators(entry['excess'])} creators (between {_creators(low)} and {_creators(high)}) pushed past "
        f"{threshold} to reach {reach}; that push brought {rm_rounded(pushed, 10)} of GMV (between "
        f"{rm_rounded(pushed_low, 100)} and {rm_rounded(pushed_high, 100)}), {per_text}; the tier costs "
        f"{rm_rounded(entry['tier_cost_myr'].sen, 1)}."
    )


def plain_statements(entry: dict[str, Any]) -> list[str]:
    """What a person must know before trusting the sentence: noise, and excess against missing mass."""
    if entry.get("reason"):
        return []
    out = []
    placebos = {k: v for k, v in (entry.get("placebo") or {}).items() if v is not None}
    shown = ", ".join(f"{float(v):+,.1f} at {format_rm_myr(k)}" for k, v in placebos.items())
    verdict = stands_out(entry)
    if verdict is None:
        out.append("No placebo threshold could be measured here (each lies within 30 % of a tier or has too few "
                   "creators), so nothing shows how much bunching noise alone makes at this size.")  # fmt: skip
    elif not verdict:
        out.append(f"The threshold does not stand out of its placebos (excess where no tier sits: {shown}): "
                   "this is within what noise alone makes, not evidence that the bonus moved anyone.")  # fmt: skip
    else:
        out.append(f"The threshold stands out of its placebos (excess where no tier sits: {shown}).")
    if masses_agree(entry) is False:
        out.append(f"Excess ({float(entry['excess']):,.1f} creators above) and missing mass "
                   f"({float(entry['missing']):,.1f} below) disagree: the window does not fit this threshold "
                   "(creators may come from further than 10 % below it, or the distribution bends more than the "
                   "fit follows), so read the figures with care.")  # fmt: skip
    return out


def histogram_svg(entry: dict[str, Any], label: str) -> str:
    """The 50 bins around the threshold as bars, the fitted counterfactual as a line: inline SVG."""
    counts = [int(c) for c in entry["counts"]]
    fitted = [float(f) for f in entry["fitted"]]
    width, height, left, right, top, bottom = 720, 260, 48, 44, 14, 46
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max(max(counts), max(fitted), 1) * 1.08
    bar = plot_w / 50

    def x(i: float) -> float:
        return left + i * bar

    def y(v: float) -> float:
        return top + plot_h * (1 - max(v, 0) / peak)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="{_e(label)}" font-family="sans-serif" font-size="11">',
        f"<title>{_e(label)}</title>",
        f'<rect x="{x(20):.1f}" y="{top}" width="{7 * bar:.1f}" height="{plot_h}" fill="{SHADE}"/>',
    ]
    for i, c in enumerate(counts):
        colour = BAR_NEAR if 20 <= i <= 26 else BAR
        parts.append(
            f'<rect x="{x(i) + 0.5:.1f}" y="{y(c):.1f}" width="{bar - 1:.1f}" height="{top + plot_h - y(c):.1f}" '
            f'fill="{colour}"><title>{c} creators</title></rect>'
        )
    line = " ".join(f"{x(i + 0.5):.1f},{y(f):.1f}" for i, f in enumerate(fitted))
    parts.append(f'<polyline points="{line}" fill="none" stroke="{FIT}" stroke-width="2"/>')
    parts.append(f'<line x1="{x(25):.1f}" y1="{top}" x2="{x(25):.1f}" y2="{top + plot_h}" stroke="#b42318" '
                 'stroke-dasharray="4 3"/>')  # fmt: skip
    parts.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" stroke="#888"/>')
    threshold, w = entry["threshold_myr"].sen, entry["bin_myr"].sen
    for i in (0, 10, 25, 40, 50):
        at = threshold + (i - 25) * w
        parts.append(f'<text x="{x(i):.1f}" y="{top + plot_h + 14}" text-anchor="middle" fill="#444">'
                     f"{_e(rm_rounded(at, 1))}</text>")  # fmt: skip
    for v in (0, peak / 1.08 / 2, peak / 1.08):
        parts.append(f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end" fill="#444">{v:,.0f}</text>')
    legend_y = height - 8
    parts += [
        f'<rect x="{left}" y="{legend_y - 9}" width="10" height="10" fill="{BAR}"/>',
        f'<text x="{left + 14}" y="{legend_y}" fill="#333">selling creators per bin of {_e(format_rm(w))}</text>',
        f'<line x1="{left + 250}" y1="{legend_y - 4}" x2="{left + 270}" y2="{legend_y - 4}" stroke="{FIT}" '
        'stroke-width="2"/>',
        f'<text x="{left + 275}" y="{legend_y}" fill="#333">fitted without the push (degree 5)</text>',
        f'<rect x="{left + 480}" y="{legend_y - 9}" width="10" height="10" fill="{SHADE}" stroke="#ccc"/>',
        f'<text x="{left + 494}" y="{legend_y}" fill="#333">left out of the fit</text>',
        "</svg>",
    ]
    return "".join(parts)


def least_gmv_per_bonus(review: dict[str, Any]) -> str | None:
    """Which tiers of the current design bring the least GMV per bonus ringgit, least first (None without tiers)."""
    entries = review.get("incentive_response") or []
    if not entries:
        return None
    measured = sorted((e for e in entries if isinstance(e.get("gmv_per_bonus_myr"), Ratio)),
                      key=lambda e: (e["gmv_per_bonus_myr"].value, e["threshold_myr"].sen))  # fmt: skip
    unmeasured = [format_rm(e["threshold_myr"].sen) for e in entries if not isinstance(e.get("gmv_per_bonus_myr"),
                                                                                         Ratio)]  # fmt: skip

    def tier(e: dict[str, Any]) -> str:
        noise = "" if stands_out(e) else ", within noise"
        per = format_rm(_per_ringgit_sen(e["gmv_per_bonus_myr"]))
        return f"the tier at {format_rm(e['threshold_myr'].sen)} ({per}{noise})"

    parts = []
    if measured:
        parts.append(
            "Of the current design's tiers, "
            + tier(measured[0])
            + " brings the least GMV per bonus ringgit"
            + ("" if len(measured) == 1 else ", then " + ", then ".join(tier(e) for e in measured[1:]))
        )
    if unmeasured:
        names = unmeasured[0] if len(unmeasured) == 1 else ", ".join(unmeasured[:-1]) + " and " + unmeasured[-1]
        have = "has" if len(unmeasured) == 1 else "have"
        parts.append(f"the {'tier' if len(unmeasured) == 1 else 'tiers'} at {names} {have} no estimate "
                     "(too few creators near the threshold, or no bonus paid)")  # fmt: skip
    return (
        "; ".join(parts) + ". A what-if design recomputes payouts on the same sales; the push measured here is "
        "what each tier's bonus brought in the first place."
    )


def incentive_html(review: dict[str, Any]) -> str:
    """The page's section: per tier the sentence, the histogram and the plain statements."""
    entries = review.get("incentive_response") or []
    if not entries:
        return "<p>No tiers in the incentive design.</p>"
    parts = [
        "<p>A bonus that makes creators push leaves a mark: more creators just above its threshold than the smooth "
        "distribution of eligible GMV predicts, fewer just below. Counts in 50 bins of 2 % of the threshold, a "
        "degree-5 fit outside the seven bins around it, 95 % intervals from 1,000 bootstrap resamples.</p>"
    ]
    for entry, whole in zip(entries, full_bonuses(entries), strict=True):
        threshold = format_rm(entry["threshold_myr"].sen)
        parts.append(f"<h3>Tier at {_e(threshold)}</h3>")
        parts.append(f'<p class="sentence">{_e(tier_sentence(entry, whole))}</p>')
        if not entry.get("reason"):
            label = f"Selling creators by eligible GMV around {threshold}, with the fitted counterfactual"
            parts.append(f'<div class="plot">{histogram_svg(entry, label)}</div>')
        parts += [f"<p><b>{_e(s)}</b></p>" for s in plain_statements(entry)]
    return "\n".join(parts)


def incentive_markdown(review: dict[str, Any]) -> list[str]:
    """The same section in words, for review.md."""
    entries = review.get("incentive_response") or []
    lines = ["## Do the tier bonuses make creators sell more?", ""]
    if not entries:
        return lines + ["No tiers in the incentive design.", ""]
    for entry, whole in zip(entries, full_bonuses(entries), strict=True):
        lines += [f"### Tier at {format_rm(entry['threshold_myr'].sen)}", "", _md(tier_sentence(entry, whole)), ""]
        lines += [f"**{_md(s)}**\n" for s in plain_statements(entry)]
    return lines


def _md(text: str) -> str:
    return html.escape(text, quote=False)
