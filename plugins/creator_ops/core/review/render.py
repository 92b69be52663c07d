"""Write a review as review.json, review.md and review.html (one self-contained page with plots).

The page has no external script, style or font: plots are matplotlib SVG inlined in the
HTML (text kept as text in a generic sans-serif family, no embedded fonts), the style is
one inline `<style>` block. Output is deterministic: a fixed SVG hash salt, no dates in
the SVG metadata, element ids prefixed per plot so the inlined SVGs never share one.
"""

from __future__ import annotations

import html
import io
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from creator_ops.core.money import format_rm_myr
from creator_ops.core.review.bunching_render import incentive_html, incentive_markdown, least_gmv_per_bonus
from creator_ops.core.review.experiments_render import experiments_html, experiments_markdown
from creator_ops.core.review.themes import LANGUAGE_NAMES
from creator_ops.core.review.values import Money, Ratio, display_myr, dumps, text
from creator_ops.core.safe_csv import write_atomically
from creator_ops.core.times import format_local

FUNNEL_STEPS = (
    ("invited", "Invited"),
    ("enrolled", "Enrolled"),
    ("enrolled_from_invite", "Enrolled from invite"),
    ("sampled", "Sampled (shipped)"),
    ("sampled_posted", "Sample posted"),
    ("posting", "Posting"),
    ("selling", "Selling"),
    ("sampled_selling", "Sampled and selling"),
)
CURRENT = "#1f6fb2"
PREVIOUS = "#b0b0b0"
ACCENT = "#e07b00"


def percent(value: Ratio | None) -> str:
    return "n/a" if value is None else f"{value.decimal() * 100:.1f}%"


# --------------------------------------------------------------------------- plots


def load_pyplot():
    """Import matplotlib's pyplot on the Agg backend with the review's style."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    plt.rcParams.update(
        {
            "svg.hashsalt": "creator-ops-review",
            "svg.fonttype": "none",
            "font.family": "sans-serif",
            "font.size": 10,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.titlesize": 12,
            "axes.titleweight": "bold",
        }
    )
    return plt


_pyplot = load_pyplot


def _svg(fig: Any, prefix: str) -> str:
    plt = _pyplot()
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None}, bbox_inches="tight")
    plt.close(fig)
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.S)  # RDF boilerplate, nothing to show
    svg = re.sub(r'id="([^"]+)"', rf'id="{prefix}-\1"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", rf"url(#{prefix}-\1)", svg)
    svg = re.sub(r'href="#([^"]+)"', rf'href="#{prefix}-\1"', svg)
    return svg


def _barh(
    title: str, labels: list[str], values: list[float], value_labels: list[str], prefix: str, width: float = 9.5
) -> str:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(width, 0.42 * max(len(labels), 2) + 1.0))
    positions = list(range(len(labels)))[::-1]
    ax.barh(positions, values, color=CURRENT)
    ax.set_yticks(positions, labels)
    top = max(values) if values and max(values) > 0 else 1
    for y, v, label in zip(positions, values, value_labels, strict=True):
        ax.text(v + top * 0.01, y, label, va="center", fontsize=9)
    ax.set_xlim(0, top * 1.25)
    ax.set_title(title, loc="left")
    ax.xaxis.set_visible(False)
    ax.spines["bottom"].set_visible(False)
    return _svg(fig, prefix)


def funnel_plot(review: dict[str, Any]) -> str:
    funnel = review["funnel"]
    steps = [(key, label) for key, label in FUNNEL_STEPS if key in funnel]
    values = [funnel[k] for k, _ in steps]
    return _barh(
        "Funnel: creators at each step", [lbl for _, lbl in steps], values, [f"{v:,}" for v in values], "funnel"
    )


def money_plot(title: str, groups: dict[str, Money], prefix: str) -> str:
    labels = list(groups)
    values = [g.sen / 100 for g in groups.values()]
    return _barh(title, labels, values, [display_myr(g) for g in groups.values()], prefix, width=5.0)


def hourly_plot(review: dict[str, Any]) -> str:
    plt = _pyplot()
    by_hour = review["gmv"]["by_hour"]
    current = [m.sen / 100 for m in by_hour.values()]
    baseline = review.get("baseline") or {}
    previous = [m.sen / 100 for m in baseline.get("gmv_by_hour") or [] if isinstance(m, Money)]
    fig, ax = plt.subplots(figsize=(10, 3.8))
    hours = list(range(len(current)))
    ax.bar(hours, current, color=CURRENT, label=f"{review['campaign']['name']}", width=0.8)
    if previous:
        ax.plot(
            range(len(previous)), previous, color=ACCENT, marker="o", markersize=3, linewidth=1.5,
            label=f"previous: {baseline.get('name') or baseline.get('campaign_id')}",
        )  # fmt: skip
    ax.set_xlabel("hour of the event (campaign time, from the event's first hour)")
    ax.set_ylabel("eligible GMV (RM)")
    ax.set_title("Eligible GMV by hour of the event", loc="left")
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.legend(frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2)
    ax.grid(axis="y", color="#e5e5e5")
    return _svg(fig, "hourly")


def concentration_plot(review: dict[str, Any]) -> str:
    plt = _pyplot()
    points = review.get("concentration") or []
    xs = [0.0] + [float(p["creator_share"].value) * 100 for p in points]
    ys = [0.0] + [float(p["gmv_share"].value) * 100 for p in points]
    fig, ax = plt.subplots(figsize=(7, 4.2))
    ax.plot([0, 100], [0, 100], color=PREVIOUS, linestyle="--", linewidth=1, label="every creator sells the same")
    ax.plot(xs, ys, color=CURRENT, linewidth=2, label="this campaign")
    share = review.get("top10_share")
    if isinstance(share, Ratio):
        ax.axvline(10, color=ACCENT, linewidth=1)
        ax.annotate(f"top 10% of creators: {percent(share)} of GMV", (10, float(share.value) * 100),
                    xytext=(30, 30), color=ACCENT, arrowprops={"arrowstyle": "->", "color": ACCENT})  # fmt: skip
    ax.set_xlim(0, 100)
    ax.set_ylim(0, 105)
    ax.set_xlabel("selling creators, best first (%)")
    ax.set_ylabel("share of eligible GMV (%)")
    ax.set_title("Concentration of GMV", loc="left")
    ax.legend(frameon=False, loc="lower right")
    return _svg(fig, "concentration")


def survey_plot(review: dict[str, Any]) -> str | None:
    plt = _pyplot()
    bars = []
    for survey_id, s in review["surveys"].items():
        for key, label in (("nps", "NPS"), ("csat", "CSAT")):
            if isinstance(s.get(key), Ratio):
                bars.append((f"{survey_id}\n{label}", float(s[key].value), label))
    if not bars:
        return None
    fig, ax = plt.subplots(figsize=(max(5.0, 1.1 * len(bars) + 2), 3.4))
    colors = [CURRENT if kind == "NPS" else ACCENT for _, _, kind in bars]
    ax.bar(range(len(bars)), [v for _, v, _ in bars], color=colors)
    ax.set_xticks(range(len(bars)), [lbl for lbl, _, _ in bars])
    for i, (_, v, _) in enumerate(bars):
        ax.text(i, v + (2 if v >= 0 else -6), f"{v:.1f}", ha="center", fontsize=9)
    ax.axhline(0, color="#888", linewidth=0.8)
    ax.set_ylim(min(-100, min(v for _, v, _ in bars) - 10) if any(v < 0 for _, v, _ in bars) else 0, 110)
    ax.set_title("Survey scores (NPS −100…100, CSAT 0…100)", loc="left")
    return _svg(fig, "surveys")


# --------------------------------------------------------------------------- HTML

STYLE = """
body{font-family:system-ui,"Segoe UI",Roboto,"Noto Sans",sans-serif;margin:0;color:#1d1d1f;background:#f6f7f9}
main{max-width:1080px;margin:0 auto;padding:24px}
h1{font-size:26px;margin:0 0 4px}h2{font-size:19px;margin:28px 0 10px;border-bottom:1px solid #ddd;padding-bottom:4px}
h3{font-size:15px;margin:16px 0 6px}.sub{color:#555;margin:0 0 16px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(200px,1fr));gap:10px}
.card{background:#fff;border:1px solid #e1e4e8;border-radius:8px;padding:10px 12px}
.card .k{font-size:12px;color:#555}.card .v{font-size:18px;font-weight:600;margin-top:2px;white-space:nowrap}
.card .d{font-size:12px;color:#555}
.plot{background:#fff;border:1px solid #e1e4e8;border-radius:8px;padding:8px;margin:10px 0;overflow-x:auto}
.plot svg{max-width:100%;height:auto}.two{display:grid;grid-template-columns:1fr 1fr;gap:10px}
table{border-collapse:collapse;background:#fff;margin:8px 0;font-size:14px}
details{margin:8px 0}summary{cursor:pointer;color:#1f6fb2;font-weight:600}
th,td{border:1px solid #e1e4e8;padding:4px 8px;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}
th{background:#f0f2f5}.pos{color:#1a7f37}.neg{color:#b42318}.theme{margin:4px 0 10px}
.ex{color:#444;font-style:italic;margin-left:12px}
@media (max-width:800px){.two{grid-template-columns:1fr}}
"""


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _table(headers: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="n">{_e(text(c))}</td>' if isinstance(c, Money | Ratio | int) and not isinstance(c, bool)
            else f"<td>{_e(text(c))}</td>"
            for c in row
        )
        + "</tr>"
        for row in rows
    )  # fmt: skip
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _delta_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Money):
        return ("+" if value.sen >= 0 else "−") + display_myr(Money(abs(value.sen)))
    if isinstance(value, Ratio):
        shown = value.decimal()
        return f"{'+' if shown >= 0 else ''}{abs(shown) if shown == 0 else shown}"
    if isinstance(value, int):
        return f"{value:+,}"
    return ""


def _points(value: Any) -> str:
    """A change of a share in percentage points."""
    if not isinstance(value, Ratio):
        return ""
    shown = (value.decimal() * 100).quantize(Decimal("0.1"))
    return f"{'+' if shown >= 0 else ''}{abs(shown) if shown == 0 else shown} pp"


def _signed(value: Any, digits: str, unit: str) -> str:
    """A change of a ratio (ROI, hours) rounded as its figure is shown, with the figure's unit."""
    if not isinstance(value, Ratio):
        return ""
    shown = value.decimal().quantize(Decimal(digits))
    return f"{'+' if shown >= 0 else ''}{abs(shown) if shown == 0 else shown}{unit}"


def _times(value: Ratio | None) -> str:
    return "n/a" if value is None else f"{value.decimal():,.2f}×"


def _hours(value: Ratio | None) -> str:
    return "n/a" if value is None else f"{value.decimal():,.1f} h"


# --------------------------------------------------------------------------- labels and formats
# Every figure of the review by its path in review.json, with the words people read and the
# way its number is written: RM with separators, shares as % with one decimal, ratios with two.

LABELS = {
    "funnel": "Funnel", **{f"funnel.{k}": v for k, v in FUNNEL_STEPS},
    "rates": "Rates",
    "rates.invite_acceptance": "Invite acceptance (enrolled from invite / invited)",
    "rates.activation": "Activation (selling / enrolled)",
    "rates.sample_post_rate": "Sampled creators who posted",
    "rates.sample_sell_rate": "Sampled creators who sold",
    "gmv": "GMV", "gmv.eligible_myr": "Eligible GMV", "gmv.by_content_type": "Eligible GMV by content type",
    "gmv.by_category": "Eligible GMV by product category", "gmv.by_hour": "Eligible GMV by hour",
    "cost": "Cost", "cost.incentives_myr": "Incentives", "cost.commission_myr": "Commission",
    "cost.samples_myr": "Free samples (every sample shipped)", "cost.total_myr": "Total cost",
    "roi": "ROI (eligible GMV / total cost)",
    "cost_per_selling_creator_myr": "Cost per selling creator",
    "top10_share": "Top 10% of creators' share of GMV",
    "median_hours_to_first_sale": "Median hours to first sale",
    "targets": "Targets", "targets.creators_enrolled": "Creators enrolled", "targets.gmv_myr": "GMV",
    "targets.survey_responses": "Survey responses",
    "target": "target", "actual": "actual", "attainment": "attainment",
    "payouts": "Payouts", "payouts.creators": "Creators paid", "payouts.total_myr": "Total payouts",
    "payouts.total_to_gmv": "Payouts / eligible GMV", "payouts.scaled": "Scaled to fit the budget",
    "payouts.creators_per_tier": "Creators per tier",
    "what_if": "What if",
    "surveys": "Survey", "responses": "responses", "nps": "NPS", "csat": "CSAT",
    "nps_answers": "NPS answers", "csat_answers": "CSAT answers", "promoters": "promoters", "passives": "passives",
    "detractors": "detractors", "valid": "valid", "satisfied": "satisfied (4-5)",
    "by_language": "by language", "by_account_manager": "by account manager",
    "creators": "creators", "total_myr": "total", "total_to_gmv": "total / GMV", "scaled": "scaled",
    "creators_per_tier": "creators per tier",
}
SHARE_KEYS = ("rates.", "top10_share", "attainment", "total_to_gmv", "creator_share", "gmv_share")
SCORE_KEYS = ("nps", "csat")


def _kind(path: str) -> str:
    last = path.rsplit(".", 1)[-1]
    if any(path.startswith(k) or last == k or path.endswith("." + k) for k in SHARE_KEYS):
        return "share"
    if last in SCORE_KEYS:
        return "score"
    if last == "median_hours_to_first_sale" or path == "median_hours_to_first_sale":
        return "hours"
    return "ratio"


def label(path: str) -> str:
    """Return the words for a figure's path in review.json (`gmv.by_category.beauty` → `...category: beauty`)."""
    if path in LABELS:
        return LABELS[path]
    parts = path.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        head = ".".join(parts[:cut])
        if head in LABELS:
            rest = parts[cut:]
            if head == "payouts.creators_per_tier":
                return f"Creators in the tier from {format_rm_myr(rest[0])}" if rest[0].replace(".", "").isdigit() \
                    else f"Creators per tier: {'.'.join(rest)}"
            if head == "surveys":
                return f"Survey {rest[0]}" + ("".join(f": {LABELS.get(r, r.replace('_', ' '))}" for r in rest[1:]))
            if head == "targets" and len(rest) == 1:
                return f"{LABELS[head]}: {LABELS.get(rest[0], rest[0])}"
            return f"{LABELS[head]}: " + ", ".join(LABELS.get(r, r.replace("_", " ")) for r in rest)
    if path.startswith("what_if[") and "]" in path:
        name, _, rest = path[len("what_if["):].partition("]")
        key = rest.lstrip(".")
        return f"What if “{name}”: " + label_of_design(key)
    return LABELS.get(parts[-1], parts[-1].replace("_", " "))


def label_of_design(key: str) -> str:
    if key.startswith("creators_per_tier."):
        return label("payouts." + key)
    return LABELS.get(key, key.replace("_", " "))


def shown(path: str, value: Any) -> str:
    """Write a figure for people: RM with separators, shares in % (one decimal), ratios with two decimals."""
    if isinstance(value, Ratio):
        kind = _kind(path)
        if kind == "share":
            return percent(value)
        if kind == "score":
            return score(value)
        if kind == "hours":
            return _hours(value)
        return _times(value) if path.endswith("roi") else f"{value.decimal():,.2f}"
    return text(value)


def change(path: str, value: Any) -> str:
    """Write a change (this − previous) as its figure is written: ±RM, ± pp for shares, ± with two decimals."""
    if isinstance(value, Ratio):
        kind = _kind(path)
        if kind == "share":
            return _points(value)
        if kind in ("score", "hours"):
            return _signed(value, "0.1", " h" if kind == "hours" else "")
        return _signed(value, "0.01", "×" if path.endswith("roi") else "")
    return _delta_text(value)


def _lookup(tree: Any, path: str) -> Any:
    """Return the value at a `_flatten` path of `tree` (None when it is not there)."""
    out: list[tuple[str, Any]] = []
    _flatten("", tree, out)
    return dict(out).get(path)


def previous_value(current: Any, difference: Any) -> Any:
    """Return the previous campaign's figure from this campaign's and the change (exact: previous = this − change)."""
    if current is None or difference is None:
        return None
    if isinstance(current, Money) and isinstance(difference, Money):
        return current - difference
    if isinstance(current, Ratio) and isinstance(difference, Ratio):
        return current - difference
    if isinstance(current, int) and isinstance(difference, int) and not isinstance(current, bool):
        return current - difference
    return None


def comparison_rows(review: dict[str, Any]) -> list[tuple[str, str, str, str, str]]:
    """(path, label, this campaign, previous campaign, change) of every compared figure but the hourly series."""
    baseline = review.get("baseline") or {}
    changes: list[tuple[str, Any]] = []
    _flatten("", baseline.get("delta") or {}, changes)
    current: list[tuple[str, Any]] = []
    _flatten("", {k: review.get(k) for k in (baseline.get("delta") or {})}, current)
    values = dict(current)
    rows = []
    for path, difference in changes:
        if path.startswith("gmv.by_hour."):
            continue  # plotted beside the previous campaign's hours
        this = values.get(path, _zero(difference))
        before = previous_value(this, difference)
        rows.append((path, label(path), shown(path, this), shown(path, before) if before is not None else "n/a",
                     change(path, difference)))  # fmt: skip
    return rows


def _zero(like: Any) -> Any:
    if isinstance(like, Money):
        return Money(0)
    if isinstance(like, Ratio):
        return Ratio(like.value * 0)
    return 0 if isinstance(like, int) else None


HEADLINE = (
    # (label, path in review.json)
    ("Eligible GMV", "gmv.eligible_myr"),
    ("Total cost", "cost.total_myr"),
    ("ROI (GMV / cost)", "roi"),
    ("Selling creators", "funnel.selling"),
    ("Activation (selling / enrolled)", "rates.activation"),
    ("Cost per selling creator", "cost_per_selling_creator_myr"),
    ("Top 10% share of GMV", "top10_share"),
    ("Median hours to first sale", "median_hours_to_first_sale"),
)
# Which way each headline figure is better (issue 30: a rise is not always good news). A change
# is coloured by this, never by its sign: green only when better, red only when worse.
BETTER = {
    "gmv.eligible_myr": "higher",
    "cost.total_myr": "lower",
    "roi": "higher",
    "funnel.selling": "higher",
    "rates.activation": "higher",
    "cost_per_selling_creator_myr": "lower",
    "top10_share": "lower",  # GMV more concentrated in a few creators: a riskier campaign
    "median_hours_to_first_sale": "lower",
}


def better_direction(path: str) -> str | None:
    """Return "higher" or "lower" when that way is better for the figure at `path`, None when neither is.

    Money spent (cost, its parts) and how long or how concentrated sales are: lower is better.
    Sales, creators, rates, survey scores and target attainment: higher. Neutral (None, never
    coloured): targets themselves, payouts (cost to the program, reward to creators), the
    what-if designs, counts of passives, and anything not named here.
    """
    if path in BETTER:
        return BETTER[path]
    last = path.rsplit(".", 1)[-1]
    if path.startswith("cost.") or last.startswith("cost_per"):
        return "lower"
    if last in ("detractors", "top10_share") or last.startswith("median_hours"):
        return "lower"
    if path.startswith(("what_if", "payouts")) or last in ("target", "passives"):
        return None
    if path.startswith(("funnel.", "rates.", "gmv.")) or last in ("actual", "attainment", "nps", "csat",
                                                                  "promoters", "satisfied", "responses", "roi"):
        return "higher"
    return None


def change_verdict(path: str, change_text: str) -> str:
    """Return "better", "worse" or "" (no change, or a figure with no better direction) for a shown change."""
    direction = better_direction(path)
    rose = change_text.startswith("+") and change_text.strip("+0.,% ph×RM") != ""
    fell = change_text.startswith(("-", "−"))
    if direction is None or not (rose or fell):
        return ""
    return "better" if rose == (direction == "higher") else "worse"


def headline_comparison(review: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(label, this campaign, previous campaign, change) of the headline figures, side by side."""
    delta = ((review.get("baseline") or {}).get("delta")) or {}
    rows = []
    for name, path in HEADLINE:
        this = _lookup(review, path)
        difference = _lookup(delta, path)
        before = previous_value(this, difference) if difference is not None else None
        rows.append((name, shown(path, this), shown(path, before) if before is not None else "n/a",
                     change(path, difference) if difference is not None else ""))  # fmt: skip
    return rows


def headline_cards(review: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(label, value, delta vs the previous campaign) of the headline figures."""
    delta = ((review.get("baseline") or {}).get("delta")) or {}
    funnel = review["funnel"]
    return [
        ("Eligible GMV", text(review["gmv"]["eligible_myr"]), _delta_text(delta.get("gmv", {}).get("eligible_myr"))),
        ("Total cost", text(review["cost"]["total_myr"]), _delta_text(delta.get("cost", {}).get("total_myr"))),
        ("ROI (GMV / cost)", _times(review["roi"]), _signed(delta.get("roi"), "0.01", "×")),
        ("Selling creators", text(funnel["selling"]), _delta_text(delta.get("funnel", {}).get("selling"))),
        ("Activation (selling / enrolled)", percent(review["rates"]["activation"]),
         _points(delta.get("rates", {}).get("activation"))),
        ("Cost per selling creator", text(review["cost_per_selling_creator_myr"]),
         _delta_text(delta.get("cost_per_selling_creator_myr"))),
        ("Top 10% share of GMV", percent(review["top10_share"]), _points(delta.get("top10_share"))),
        ("Median hours to first sale", _hours(review["median_hours_to_first_sale"]),
         _signed(delta.get("median_hours_to_first_sale"), "0.1", " h")),
    ]  # fmt: skip


def _flatten(prefix: str, value: Any, out: list[tuple[str, Any]]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _flatten(f"{prefix}.{k}" if prefix else str(k), v, out)
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict):
                name = item.get("name", "")
                _flatten(f"{prefix}[{name}]", {k: v for k, v in item.items() if k != "name"}, out)
    else:
        out.append((prefix, value))


def _answers(count: int) -> str:
    return f"{count:,} answer" if count == 1 else f"{count:,} answers"


def score(value: Ratio | None) -> str:
    """An NPS or CSAT score for people: one decimal."""
    return "n/a" if value is None else f"{value.decimal():.1f}"


def _survey_html(review: dict[str, Any]) -> str:
    parts = []
    for survey_id, s in review["surveys"].items():
        parts.append(f"<h3>{_e(s.get('title', survey_id))} <small>({_e(survey_id)})</small></h3>")
        rows = [["responses", s["responses"]]]
        if "nps" in s:
            a = s["nps_answers"]
            rows.append([f"NPS (“{s['nps_question']}”)", score(s["nps"])])
            rows.append(["  promoters / passives / detractors / valid",
                         f"{a['promoters']} / {a['passives']} / {a['detractors']} / {a['valid']}"])  # fmt: skip
        if "csat" in s:
            a = s["csat_answers"]
            rows.append([f"CSAT (“{s['csat_question']}”)", score(s["csat"])])
            rows.append(["  satisfied (4-5) / valid", f"{a['satisfied']} / {a['valid']}"])
        parts.append(_table(["figure", "value"], rows))
        for split, title in (("by_language", "language"), ("by_account_manager", "account manager")):
            groups = s.get(split) or {}
            if groups:
                headers = [title, "responses"] + [k.upper() for k in ("nps", "csat") if k in s]
                parts.append(
                    _table(
                        headers,
                        [
                            [LANGUAGE_NAMES.get(g, g) if split == "by_language" else g, v["responses"]]
                            + [score(v.get(k)) for k in ("nps", "csat") if k in s]
                            for g, v in groups.items()
                        ],
                    )
                )
        for question, counts in (s.get("choices") or {}).items():
            total = sum(counts.values())
            parts.append(f"<h3>“{_e(question)}”</h3>")
            parts.append(_table(["answer", "answers", "share"],
                                [[a, n, f"{n * 100 / total:.1f}%"] for a, n in counts.items()]))  # fmt: skip
        for language, themes in (s.get("themes") or {}).items():
            parts.append(f"<h3>Themes in {_e(LANGUAGE_NAMES.get(language, language))}</h3>")
            for theme in themes:
                examples = "".join(f'<div class="ex">“{_e(x)}”</div>' for x in theme["examples"])
                parts.append(
                    f'<div class="theme"><b>{_e(theme["label"])}</b> — {_answers(theme["count"])}{examples}</div>'
                )
    return "\n".join(parts) or "<p>No surveys in the spec.</p>"


def _headline_html(review: dict[str, Any]) -> str:
    baseline = review.get("baseline")
    if not baseline:
        cards = "".join(
            f'<div class="card"><div class="k">{_e(k)}</div><div class="v">{_e(v)}</div></div>'
            for k, v, _ in headline_cards(review)
        )
        return f'<div class="cards">{cards}</div>'
    previous = baseline.get("name") or baseline.get("campaign_id")
    rows = []
    for (_, path), (name, this, before, diff) in zip(HEADLINE, headline_comparison(review), strict=True):
        verdict = change_verdict(path, diff)
        css = {"better": "pos", "worse": "neg"}.get(verdict, "")
        rows.append(
            f"<tr><td>{_e(name)}</td><td class=\"n\"><b>{_e(this)}</b></td><td class=\"n\">{_e(before)}</td>"
            f'<td class="n {css}" data-verdict="{verdict}" title="{verdict or "no better way"}">{_e(diff)}</td></tr>'
        )
    lower = ", ".join(name.lower() for name, path in HEADLINE if BETTER.get(path) == "lower")
    return (
        f'<table id="headline"><thead><tr><th>figure</th><th>{_e(review["campaign"]["name"])}</th>'
        f"<th>{_e(previous)}</th><th>change</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
        f'<p class="sub" id="headline-colours">Changes in green are better, in red worse: lower is better for '
        f"{_e(lower)}; higher for the others.</p>"
    )


def _verdict_class(path: str, change_text: str) -> str:
    """The CSS class of a change: green ("pos") only when better, red ("neg") only when worse."""
    return {"better": "pos", "worse": "neg"}.get(change_verdict(path, change_text), "")


def _funnel_html(review: dict[str, Any]) -> str:
    return (
        f'<div class="plot">{funnel_plot(review)}</div>'
        + _table(["rate", "value"], [[label(f"rates.{k}"), percent(v)] for k, v in review["rates"].items()])
    )


def _gmv_html(review: dict[str, Any]) -> str:
    gmv = review["gmv"]
    return (
        f'<div class="plot">{hourly_plot(review)}</div>'
        '<div class="two">'
        f'<div class="plot">{money_plot("Eligible GMV by content type", gmv["by_content_type"], "ctype")}</div>'
        f'<div class="plot">{money_plot("Eligible GMV by product category", gmv["by_category"], "category")}</div>'
        "</div>"
        f'<div class="plot">{concentration_plot(review)}</div>'
    )


def _cost_html(review: dict[str, Any]) -> str:
    rows = [[label(f"cost.{k}"), text(v)] for k, v in review["cost"].items()]
    rows += [[label(k), shown(k, review[k])]
             for k in ("roi", "cost_per_selling_creator_myr", "top10_share", "median_hours_to_first_sale")]  # fmt: skip
    return _table(["figure", "value"], rows)


def _targets_html(review: dict[str, Any]) -> str:
    targets = [
        [label(f"targets.{name}"), shown(f"targets.{name}.target", t["target"]),
         shown(f"targets.{name}.actual", t["actual"]), percent(t["attainment"])]
        for name, t in review["targets"].items()
    ]  # fmt: skip
    if not targets:
        return "<p>No targets in the spec.</p>"
    return _table(["figure", "target", "actual", "attainment"], targets)


def _designs_html(review: dict[str, Any]) -> str:
    designs = [["actual design", *_design_cells(review["payouts"])]] + [
        [w["name"], *_design_cells(w)] for w in review["what_if"]
    ]
    ranking = least_gmv_per_bonus(review)  # SPEC 16: which tiers bring the least GMV per bonus ringgit
    return _table(["design", "creators paid", "total", "total / GMV", "scaled to budget", "creators per tier"],
                  designs) + (f'<p id="tier-ranking">{_e(ranking)}</p>' if ranking else "")  # fmt: skip


def _design_cells(design: dict[str, Any]) -> list[Any]:
    tiers = sorted(design["creators_per_tier"].items(), key=lambda kv: Decimal(kv[0]) if _number(kv[0]) else 0)
    shown_tiers = ", ".join(f"from {format_rm_myr(k)}: {v:,}" if _number(k) else f"{k}: {v:,}" for k, v in tiers)
    return [design["creators"], text(design["total_myr"]), percent(design["total_to_gmv"]),
            "yes" if design["scaled"] else "no", shown_tiers]  # fmt: skip


def _number(value: str) -> bool:
    try:
        Decimal(value)
    except ArithmeticError:
        return False
    return True


def _surveys_html(review: dict[str, Any]) -> str:
    survey_svg = survey_plot(review)
    return (f'<div class="plot">{survey_svg}</div>' if survey_svg else "") + _survey_html(review)


def _against_html(review: dict[str, Any]) -> str:
    baseline = review["baseline"]
    previous = baseline.get("name") or baseline.get("campaign_id")
    rows = comparison_rows(review)
    body = "".join(
        f"<tr><td>{_e(name)}</td><td class=\"n\">{_e(this)}</td><td class=\"n\">{_e(before)}</td>"
        f'<td class="n {_verdict_class(path, diff)}">{_e(diff)}</td></tr>'
        for path, name, this, before, diff in rows
    )
    return (
        f"<p>{len(rows):,} figures compared with {_e(previous)} ({_e(baseline['source'])}); the headline ones are at "
        "the top of the page.</p>"
        f'<details id="comparison"><summary>Every figure side by side</summary><table><thead><tr><th>figure</th>'
        f"<th>{_e(review['campaign']['name'])}</th><th>{_e(previous)}</th><th>change</th></tr></thead>"
        f"<tbody>{body}</tbody></table></details>"
    )


def _notes_html(review: dict[str, Any]) -> str:
    return "<ul>" + "".join(f"<li>{_e(n)}</li>" for n in review["notes"]) + "</ul>"


# The page's sections in order: (id, title or a function of the review giving it, whether the review has it,
# its HTML). A new
# section of the review (an experiment, a projection) is one entry here.
SECTIONS: list[tuple[str, Any, Any, Any]] = [
    ("funnel", "Funnel", lambda r: True, _funnel_html),
    ("gmv", "GMV", lambda r: True, _gmv_html),
    ("cost", "Cost and return", lambda r: True, _cost_html),
    ("targets", "Targets", lambda r: True, _targets_html),
    ("designs", "Incentive designs (what if)", lambda r: True, _designs_html),
    ("incentive_response", "Do the tier bonuses make creators sell more?",
     lambda r: bool(r.get("incentive_response")), incentive_html),  # SPEC 16
    ("experiments", None, lambda r: True, experiments_html),  # writes its own headings
    ("surveys", "Surveys", lambda r: True, _surveys_html),
    ("against", lambda r: f"Against {r['baseline'].get('name') or r['baseline'].get('campaign_id')}",
     lambda r: bool(r.get("baseline")), _against_html),
    ("notes", "Notes", lambda r: bool(r.get("notes")), _notes_html),
]


def event_span(campaign: dict[str, Any]) -> str:
    """The event's start and end in the campaign's time zone (`Sat 12 Dec 2026 00:00 to Sun 13 Dec 2026 00:00 MYT`)."""
    zone = campaign.get("timezone") or "Asia/Kuala_Lumpur"
    return (f"{format_local(campaign['event_start'], zone)} to {format_local(campaign['event_end'], zone)} "
            f"({zone})")  # fmt: skip


def moment_line(review: dict[str, Any]) -> str:
    """Say what moment the figures describe and when the page was built, in the campaign's time zone."""
    moment, zone = review["moment"], review["campaign"].get("timezone") or "Asia/Kuala_Lumpur"
    run = f", the end of run {moment['run_id']}" if moment.get("run_id") else ""
    return (f"Figures as of {format_local(moment.get('figures_as_of'), zone)}{run}; "
            f"built {format_local(moment.get('built_at'), zone)}.")  # fmt: skip


def render_html(review: dict[str, Any]) -> str:
    """Return the review as one self-contained HTML page."""
    c = review["campaign"]
    baseline = review.get("baseline")
    sections = [
        f"<h1>{_e(c['name'])}: campaign review</h1>",
        f'<p class="sub">{_e(c["id"])} · {_e(c["type"])} · event {_e(event_span(c))}'
        + (
            f" · compared with {_e(baseline.get('name') or baseline.get('campaign_id'))} ({_e(baseline['source'])})"
            if baseline
            else " · no previous campaign of this type to compare with"
        )
        + "</p>",
        f'<p class="sub" id="moment">{_e(moment_line(review))}</p>' if review.get("moment") else "",
        _headline_html(review),
    ]
    for section_id, title, present, build in SECTIONS:
        if present(review):
            heading = title(review) if callable(title) else title
            sections += [f'<h2 id="section-{section_id}">{_e(heading)}</h2>' if heading else "", build(review)]
    body = "\n".join(s for s in sections if s)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(c['name'])}: campaign review</title><style>{STYLE}</style></head>"
        f"<body><main>\n{body}\n</main></body></html>\n"
    )


# --------------------------------------------------------------------------- Markdown


def _md(value: Any) -> str:
    """Return a value as one line of Markdown text, HTML-escaped: a `<script>` in a name or answer is shown, not run.

    Markdown passes raw HTML through to whatever renders it, so every value from the data
    (names, ids, categories, survey titles, answers, notes) goes through here.
    """
    import html

    return " ".join(html.escape(text(value), quote=False).splitlines())


def _md_table(headers: list[str], rows: list[list[Any]]) -> list[str]:
    def cell(v: Any) -> str:
        return _md(v).replace("|", "\\|")

    return [
        "| " + " | ".join(headers) + " |",
        "| " + " | ".join("---" for _ in headers) + " |",
        *("| " + " | ".join(cell(c) for c in row) + " |" for row in rows),
        "",
    ]


def render_markdown(review: dict[str, Any]) -> str:
    """Return the review as Markdown (the figures, without plots)."""
    c = review["campaign"]
    baseline = review.get("baseline")
    lines = [
        f"# {_md(c['name'])}: campaign review",
        "",
        f"{_md(c['id'])} · {_md(c['type'])} · event {_md(event_span(c))}",
        "",
        *([_md(moment_line(review)), ""] if review.get("moment") else []),
    ]
    if baseline:
        previous = _md(baseline.get("name") or baseline.get("campaign_id"))
        lines += ["## Headline", ""] + _md_table(
            ["figure", _md(c["name"]), previous, "change"], [list(x) for x in headline_comparison(review)]
        )
    else:
        lines += ["## Headline", ""] + _md_table(["figure", "value"], [[k, v] for k, v, _ in headline_cards(review)])
    lines += ["## Funnel", ""] + _md_table(["step", "creators"], [[label(f"funnel.{k}"), v]
                                                                 for k, v in review["funnel"].items()])
    lines += _md_table(["rate", "value"], [[label(f"rates.{k}"), percent(v)] for k, v in review["rates"].items()])
    gmv = review["gmv"]
    lines += ["## GMV", "", f"Eligible GMV: {text(gmv['eligible_myr'])}", ""]
    lines += _md_table(["content type", "eligible GMV"], [[k, v] for k, v in gmv["by_content_type"].items()])
    lines += _md_table(["category", "eligible GMV"], [[k, v] for k, v in gmv["by_category"].items()])
    lines += _md_table(["hour (campaign time)", "eligible GMV"], [[k, v] for k, v in gmv["by_hour"].items() if v.sen])
    lines += ["## Cost and return", ""] + _md_table(
        ["figure", "value"],
        [[label(f"cost.{k}"), v] for k, v in review["cost"].items()]
        + [
            [label(k), shown(k, review[k])]
            for k in ("roi", "cost_per_selling_creator_myr", "top10_share", "median_hours_to_first_sale")
        ],
    )
    if review["targets"]:
        lines += ["## Targets", ""] + _md_table(
            ["figure", "target", "actual", "attainment"],
            [[label(f"targets.{k}"), shown(f"targets.{k}.target", t["target"]),
              shown(f"targets.{k}.actual", t["actual"]), percent(t["attainment"])]
             for k, t in review["targets"].items()],
        )  # fmt: skip
    lines += ["## Incentive designs (what if)", ""] + _md_table(
        ["design", "creators paid", "total", "total / GMV", "scaled to budget", "creators per tier"],
        [["actual design", *_design_cells(review["payouts"])]]
        + [[w["name"], *_design_cells(w)] for w in review["what_if"]],
    )
    ranking = least_gmv_per_bonus(review)  # SPEC 16
    lines += [_md(ranking), ""] if ranking else []
    if review.get("incentive_response"):
        lines += incentive_markdown(review)
    lines += experiments_markdown(review)
    for survey_id, s in review["surveys"].items():
        title = f"## Survey {_md(s.get('title', survey_id))} ({_md(survey_id)})"
        lines += [title, "", f"Responses: {s['responses']}", ""]
        if "nps" in s:
            lines += [f"NPS: {score(s['nps'])} ({s['nps_answers']['valid']} valid answers)", ""]
        if "csat" in s:
            lines += [f"CSAT: {score(s['csat'])} ({s['csat_answers']['valid']} valid answers)", ""]
        for question, counts in (s.get("choices") or {}).items():
            lines += [f"### “{_md(question)}”", ""]
            lines += _md_table(["answer", "answers"], [[a, n] for a, n in counts.items()])
        for language, themes in (s.get("themes") or {}).items():
            lines += [f"### Themes in {_md(LANGUAGE_NAMES.get(language, language))}", ""]
            for theme in themes:
                lines.append(f"- **{_md(theme['label'])}** ({_answers(theme['count'])})")
                lines += [f"  - “{_md(x)}”" for x in theme["examples"]]
            lines.append("")
    if baseline:
        previous = _md(baseline.get("name") or baseline.get("campaign_id"))
        lines += [f"## Against {previous} ({_md(baseline['source'])})", ""]
        lines += _md_table(["figure", _md(c["name"]), previous, "change"],
                           [[name, this, before, diff] for _p, name, this, before, diff in comparison_rows(review)])
    if review.get("notes"):
        lines += ["## Notes", ""] + [f"- {_md(n)}" for n in review["notes"]] + [""]
    return "\n".join(lines)


# --------------------------------------------------------------------------- files


def _write(path: Path, content: str) -> None:
    write_atomically(path, content.encode("utf-8"))


def write_review(review: dict[str, Any], out_dir: str | Path, moment: dict[str, Any] | None = None) -> dict[str, Path]:
    """Write review.json, review.md and review.html into `out_dir` (atomically each); return their paths.

    `moment` (`figures_as_of`, `run_id`, `built_at`: what a run knows) heads the page and the
    Markdown; review.json stays the figures alone, the same whoever computed them.
    """
    from creator_ops.core.review import collector_paused
    from creator_ops.core.storage import root_path

    out = root_path(out_dir)  # a folder, or an object-storage path the Airflow layer made
    out.mkdir(parents=True, exist_ok=True)
    paths = {"json": out / "review.json", "md": out / "review.md", "html": out / "review.html"}
    with collector_paused():  # as the review's figures: the plots' artists are many short-lived objects
        _write(paths["json"], dumps(review))
        shown = {**review, "moment": moment} if moment else review
        _write(paths["md"], render_markdown(shown))
        _write(paths["html"], render_html(shown))
    return paths
