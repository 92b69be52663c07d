"""The campaign review's figures, SPEC section 10, computed exactly from one campaign's data.

Everything about orders goes through the section 5 engine (`PayoutSession`): its
eligible lines (rules 1-2) give the GMV splits, the commission cost and the first sale,
its result rows give `selling`, the incentive cost and the leaderboard order, and every
what-if design is the same engine applied to the same eligible lines. The other data
sets (invitations, samples, products, content, surveys) are joined to the engine's
`enrolled` creators in the same DuckDB session. Money is integer sen, ratios exact
fractions (`values.Money`, `values.Ratio`); nothing here is a binary float.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from creator_ops.core.funnel import funnel_counts
from creator_ops.core.ingest.datasets import SPECS, last_landed_sql
from creator_ops.core.payouts import EVENT_LINES, PayoutResult, PayoutRules, PayoutSession, register_input
from creator_ops.core.review.bunching import incentive_response, too_few_notes
from creator_ops.core.review.experiments import experiments_figures, register_experiment_tables
from creator_ops.core.review.values import ZERO, Money, Ratio
from creator_ops.core.samples import is_posted, is_shipped
from creator_ops.core.spec import CampaignSpec, Incentives

if TYPE_CHECKING:
    import duckdb

UNKNOWN = "UNKNOWN"
US_PER_HOUR = 3_600_000_000
# The section 9 data sets the review reads, each registered with its registry columns and types
# (`DatasetSpec.duckdb_columns`); required are the columns the review's figures cannot do without
# (the others may be absent from an input handed over: NULL).
REVIEW_REQUIRED: dict[str, tuple[str, ...]] = {
    "invitations": ("creator_id",),
    "samples": ("sample_id", "creator_id", "status"),
    "products": ("product_id",),
    "content": ("creator_id", "posted_at"),
}


@dataclass
class ReviewInputs:
    """One campaign's data, as Arrow tables (or DataFrames / Parquet paths), in input order.

    `orders`, `enrollments`, `exclusions` are the payout engine's inputs (orders may carry
    `product_id`, `content_type`, `commission_sen`). Survey responses have `response_id`,
    `creator_id`, `submitted_at`; answers have `response_id`, `question`, `answer`,
    `language`. Tables that a campaign lacks are None.
    """

    orders: Any
    enrollments: Any
    exclusions: Any = None
    invitations: Any = None
    samples: Any = None
    products: Any = None
    content: Any = None
    survey_responses: Any = None
    survey_answers: Any = None
    notes: list[str] = field(default_factory=list)
    # SPEC 12: the creators pull (creator_id, gmv_30d_sen, row_number) and the traffic allocation's
    # rows over every hour (creator_id, spend_sen, expected_gmv_sen)
    creators: Any = None
    traffic: Any = None
    # SPEC 15: the allocation rows carry ghost_spend_sen and ghost_expected_gmv_sen (absent: 0); the
    # matchmaking list's treated pairs and its ghost pairs (creator_id, product_id)
    matchmaking: Any = None
    matchmaking_ghosts: Any = None


def what_if_designs(spec: CampaignSpec) -> list[tuple[str, Incentives]]:
    """Return the spec's `review.what_if` alternatives as (name, incentives)."""
    review = getattr(spec, "review", None)
    alternatives = getattr(review, "what_if", None) or []
    return [(alt.name, alt.incentives) for alt in alternatives]


def _scalar(con: duckdb.DuckDBPyConnection, sql: str, params: Any = None) -> Any:
    return con.execute(sql, params or []).fetchall()[0][0]


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: Any = None) -> list[tuple]:
    return con.execute(sql, params or []).fetchall()


def register_review_tables(con: duckdb.DuckDBPyConnection, inputs: ReviewInputs) -> None:
    """Register the section 9 inputs and the current samples (shipped, posted) and products on `con`."""
    for name, required in REVIEW_REQUIRED.items():
        register_input(con, name, getattr(inputs, name), SPECS[name].duckdb_columns(required))
    # samples change status: for one sample_id the row landed last wins (SPEC section 9)
    current_samples = last_landed_sql("samples", "sample_id", ("sample_id", "creator_id", "product_id", "status"))
    con.execute(f"CREATE TEMP TABLE current_samples AS {current_samples}")
    # shipped and posted as core.samples defines them, applied to each distinct status
    import pyarrow as pa

    statuses = [r[0] for r in _rows(con, "SELECT DISTINCT status FROM current_samples ORDER BY status")]
    con.register(
        "sample_statuses",
        pa.table(
            {
                "status": pa.array(statuses, pa.string()),
                "shipped": pa.array([is_shipped(s) for s in statuses], pa.bool_()),
                "posted": pa.array([is_posted(s) for s in statuses], pa.bool_()),
            }
        ),
    )
    con.execute(
        "CREATE TEMP TABLE shipped AS SELECT s.*, t.posted FROM current_samples AS s "
        "JOIN sample_statuses AS t ON s.status IS NOT DISTINCT FROM t.status WHERE t.shipped"
    )
    current_products = last_landed_sql("products", "product_id", ("product_id", "category", "price_sen", "name"))
    con.execute(f"CREATE TEMP TABLE current_products AS {current_products}")


def _funnel(con: duckdb.DuckDBPyConnection, spec: CampaignSpec, result: PayoutResult) -> dict[str, int]:
    """The funnel at the end of the campaign (`core.funnel`, the snapshot's definition too)."""
    return funnel_counts(con, spec, result.table["creator_id"].to_pylist() if result.creators else ())


def _rates(funnel: dict[str, int]) -> dict[str, Ratio]:
    def rate(numerator: str, denominator: str) -> Ratio:
        return Ratio.of(funnel[numerator], funnel[denominator], zero=ZERO)  # type: ignore[return-value]

    return {
        "invite_acceptance": rate("enrolled_from_invite", "invited"),
        "activation": rate("selling", "enrolled"),
        "sample_post_rate": rate("sampled_posted", "sampled"),
        "sample_sell_rate": rate("sampled_selling", "sampled"),
    }


def event_hours(spec: CampaignSpec) -> list[dt.datetime]:
    """Return the campaign-local start of every hour of the event."""
    tz = spec.tz
    start = spec.timeline.event_start.astimezone(tz).replace(minute=0, second=0, microsecond=0)
    end = spec.timeline.event_end.astimezone(tz)
    hours = []
    moment = start
    while moment < end:
        hours.append(moment)
        moment = (moment.astimezone(dt.UTC) + dt.timedelta(hours=1)).astimezone(tz)
    return hours


def _gmv(con: duckdb.DuckDBPyConnection, spec: CampaignSpec, result: PayoutResult) -> dict[str, Any]:
    content_type = f"coalesce(nullif(upper(trim(l.content_type)), ''), '{UNKNOWN}')"
    category = f"coalesce(nullif(trim(p.category), ''), '{UNKNOWN}')"
    # summed per raw content type and per product first (a handful of groups), then named: integer sums,
    # so the same totals as naming every line, without trimming a million strings or joining every line
    by_type = _rows(
        con,
        f"SELECT {content_type} AS k, sum(l.gmv_sen) FROM (SELECT content_type, sum(gmv_sen) AS gmv_sen "
        "FROM eligible_lines GROUP BY content_type) AS l GROUP BY k ORDER BY 2 DESC, k",
    )
    by_category = _rows(
        con,
        f"SELECT {category} AS k, sum(l.gmv_sen) FROM (SELECT product_id, sum(gmv_sen) AS gmv_sen "
        "FROM eligible_lines GROUP BY product_id) AS l "
        "LEFT JOIN current_products AS p USING (product_id) GROUP BY k ORDER BY 2 DESC, k",
    )
    hours = event_hours(spec)
    first = hours[0].astimezone(dt.UTC) if hours else spec.timeline.event_start.astimezone(dt.UTC)
    per_hour = dict(
        _rows(
            con,
            "SELECT (epoch_us(order_time) - epoch_us($first)) // $us_per_hour AS h, sum(gmv_sen) "
            "FROM eligible_lines GROUP BY h",
            {"first": first, "us_per_hour": US_PER_HOUR},
        )
    )
    # GMV placed (every status) per hour: the live projection's input, for its backtest (SPEC 12)
    placed_per_hour = dict(
        _rows(
            con,
            "SELECT (epoch_us(order_time) - epoch_us($first)) // $us_per_hour AS h, sum(gmv_sen) "
            f"FROM {EVENT_LINES} GROUP BY h",
            {"first": first, "us_per_hour": US_PER_HOUR},
        )
    )
    return {
        "eligible_myr": Money(sum(result.table["eligible_gmv_sen"].to_pylist()) if result.creators else 0),
        "by_content_type": {k: Money(int(v)) for k, v in by_type},
        "by_category": {k: Money(int(v)) for k, v in by_category},
        "by_hour": {h.isoformat(): Money(int(per_hour.get(i, 0))) for i, h in enumerate(hours)},
        "placed_by_hour": {h.isoformat(): Money(int(placed_per_hour.get(i, 0))) for i, h in enumerate(hours)},
    }


def _cost(con: duckdb.DuckDBPyConnection, result: PayoutResult) -> tuple[dict[str, Money], list[str]]:
    notes = []
    commission = int(_scalar(con, "SELECT coalesce(sum(commission_sen), 0) FROM eligible_lines"))
    samples, unpriced = _rows(
        con,
        "SELECT coalesce(sum(p.price_sen), 0), count(*) FILTER (WHERE p.price_sen IS NULL) "
        "FROM shipped AS s LEFT JOIN current_products AS p USING (product_id)",
    )[0]
    if unpriced:
        notes.append(f"{unpriced} shipped samples have no product price in products; counted at 0")
    incentives = Money(result.total_sen)
    cost = {
        "incentives_myr": incentives,
        "commission_myr": Money(commission),
        "samples_myr": Money(int(samples)),
    }
    cost["total_myr"] = Money(sum(v.sen for v in cost.values()))
    return cost, notes


def leaderboard_gmv(result: PayoutResult) -> list[int]:
    """Return eligible GMV (sen) of every result row in leaderboard order (rule 7; unranked last)."""
    if not result.creators:
        return []
    ranks = result.table["leaderboard_rank"].to_pylist()
    gmv = result.table["eligible_gmv_sen"].to_pylist()
    ids = result.table["creator_id"].to_pylist()
    order = sorted(range(len(ids)), key=lambda i: (ranks[i] is None, ranks[i] or 0, ids[i]))
    return [gmv[i] for i in order]


def top10_share(result: PayoutResult) -> Ratio:
    """Eligible GMV of the first ⌈0.1 × selling⌉ creators in leaderboard order over all eligible GMV."""
    ordered = leaderboard_gmv(result)
    top = -(-len(ordered) // 10)
    return Ratio.of(sum(ordered[:top]), sum(ordered), zero=ZERO)  # type: ignore[return-value]


def median(values: list[Fraction]) -> Fraction | None:
    """The median; the mean of the two middle values for an even count; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def _hours_to_first_sale(con: duckdb.DuckDBPyConnection, spec: CampaignSpec) -> Ratio | None:
    # whole microseconds, sorted by DuckDB: the median of us / US_PER_HOUR is the median of us over
    # US_PER_HOUR (one denominator keeps the order), so only the middle one or two become a Fraction
    rows = _rows(
        con,
        "SELECT epoch_us(min(l.order_time)) - greatest(epoch_us(any_value(e.registered_at)), epoch_us($start)) "
        "AS us FROM eligible_lines AS l JOIN enrolled AS e USING (creator_id) GROUP BY l.creator_id ORDER BY us",
        {"start": spec.timeline.event_start.astimezone(dt.UTC)},
    )
    if not rows:
        return None
    mid = len(rows) // 2
    middle = int(rows[mid][0]) if len(rows) % 2 else int(rows[mid - 1][0]) + int(rows[mid][0])
    return Ratio(Fraction(middle, US_PER_HOUR * (1 if len(rows) % 2 else 2)))


def design_summary(result: PayoutResult, eligible_sen: int) -> dict[str, Any]:
    """The figures of one incentive design: creators, total, total / eligible GMV, scaled, creators per tier."""
    counts = result.tier_counts()
    return {
        "creators": result.creators,
        "total_myr": Money(result.total_sen),
        "total_to_gmv": Ratio.of(result.total_sen, eligible_sen, zero=ZERO),
        "scaled": result.scaled,
        "creators_per_tier": {str(Money(minimum)): n for minimum, n in sorted(counts.items())},
    }


def targets_figures(spec: CampaignSpec, actuals: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    targets = spec.targets
    if targets.creators_enrolled:
        out["creators_enrolled"] = {
            "target": targets.creators_enrolled,
            "actual": actuals["creators_enrolled"],
            "attainment": Ratio.of(actuals["creators_enrolled"], targets.creators_enrolled),
        }
    if targets.gmv_myr:
        target = Money(int(targets.gmv_myr * 100))
        out["gmv_myr"] = {
            "target": target,
            "actual": actuals["gmv_myr"],
            "attainment": Ratio.of(actuals["gmv_myr"].sen, target.sen),
        }
    if targets.survey_responses:
        out["survey_responses"] = {
            "target": targets.survey_responses,
            "actual": actuals["survey_responses"],
            "attainment": Ratio.of(actuals["survey_responses"], targets.survey_responses),
        }
    return out


@dataclass
class ComputedFigures:
    """The order-side figures plus what the survey and plot code needs from the session."""

    figures: dict[str, Any]
    account_managers: dict[str, str]
    notes: list[str]


def compute_figures(spec: CampaignSpec, inputs: ReviewInputs, *, threads: int | None = None) -> ComputedFigures:
    """Compute every section 10 figure except surveys and baseline (those need no engine)."""
    rules = PayoutRules.from_incentives(spec.timeline, spec.incentives)
    with PayoutSession(rules, inputs.orders, inputs.enrollments, inputs.exclusions, threads=threads) as session:
        con = session.con
        register_review_tables(con, inputs)
        result = session.calculate()
        funnel = _funnel(con, spec, result)
        gmv = _gmv(con, spec, result)
        cost, notes = _cost(con, result)
        selling = funnel["selling"]
        eligible_sen = gmv["eligible_myr"].sen
        figures: dict[str, Any] = {
            "funnel": funnel,
            "rates": _rates(funnel),
            "gmv": gmv,
            "cost": cost,
            "roi": Ratio.of(eligible_sen, cost["total_myr"].sen),
            "cost_per_selling_creator_myr": Money(cost["total_myr"].sen // selling) if selling else None,
            "top10_share": top10_share(result),
            "median_hours_to_first_sale": _hours_to_first_sale(con, spec),
            "payouts": design_summary(result, eligible_sen),
            "what_if": [
                {"name": name, **design_summary(session.calculate(design), eligible_sen)}
                for name, design in (
                    (name, PayoutRules.from_incentives(spec.timeline, inc)) for name, inc in what_if_designs(spec)
                )
            ],
            "concentration": _concentration(result),
            "incentive_response": _incentive_response(spec, rules, result),
        }
        notes += too_few_notes(figures["incentive_response"])
        register_experiment_tables(
            con, inputs.creators, inputs.traffic, inputs.matchmaking, inputs.matchmaking_ghosts
        )
        figures["experiments"] = experiments_figures(spec, con, result)
        managers = dict(
            _rows(
                con,
                "SELECT creator_id, arg_min(account_manager, row_number) FROM invitations "
                "WHERE account_manager IS NOT NULL AND trim(account_manager) <> '' GROUP BY creator_id",
            )
        )
    return ComputedFigures(figures, managers, notes)


def _incentive_response(spec: CampaignSpec, rules: PayoutRules, result: PayoutResult) -> list[dict[str, Any]]:
    """SPEC 16 over the selling creators' eligible GMV: the same result rows the payouts are."""
    gmv = result.table["eligible_gmv_sen"].to_numpy() if result.creators else []
    return incentive_response(spec.id, rules.tiers, gmv)


def _concentration(result: PayoutResult, points: int = 50) -> list[dict[str, Any]]:
    """The concentration curve: share of eligible GMV of the top x% of selling creators."""
    ordered = leaderboard_gmv(result)
    total = sum(ordered)
    if not ordered:
        return []
    n = len(ordered)
    cumulative = [0]
    for gmv in ordered:
        cumulative.append(cumulative[-1] + gmv)
    steps = sorted({-(-n * i // points) for i in range(1, points + 1)})
    return [
        {"creators": k, "creator_share": Ratio.of(k, n), "gmv_share": Ratio.of(cumulative[k], total, zero=ZERO)}
        for k in steps
    ]
