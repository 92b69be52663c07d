"""The review's `experiments` section (SPEC 12): what each mechanism with a holdout caused.

Read inside the review's DuckDB session, over the same tables the other figures use: the
population is rule 2's `enrolled` creators minus exclusions, `Y` their eligible GMV from
the section 5 result, `X` the creators pull's `gmv_30d_sen` (the row landed last; 0 when
absent). The groups come from the assignment function itself, so a review computed from
files and one computed from the warehouse hold out the same creators. Estimates are
`core.experiments`'s; here they become the review's types: money rounded to the sen (two
decimals), ratios with six decimals, nothing null unless SPEC 12 says so.
"""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING, Any

from creator_ops.core.experiments import (
    MECHANISMS,
    Interval,
    estimate_lift,
    holdout_ids,
    holdout_share_of,
    population_arrays,
)
from creator_ops.core.ingest.datasets import last_landed_sql
from creator_ops.core.payouts import PayoutResult, register_input
from creator_ops.core.review.values import Money, Ratio

if TYPE_CHECKING:
    import duckdb

    from creator_ops.core.projection import Reference
    from creator_ops.core.spec import CampaignSpec

EXPERIMENT_COLUMNS: dict[str, tuple[tuple[str, str, bool], ...]] = {
    "creators": (
        ("creator_id", "VARCHAR", True),
        ("gmv_30d_sen", "BIGINT", False),
        ("row_number", "BIGINT", False),
    ),
    "traffic": (
        ("creator_id", "VARCHAR", True),
        ("spend_sen", "BIGINT", True),
        ("expected_gmv_sen", "BIGINT", False),
    ),
}


def _money(sen: float | int | None) -> Money | None:
    """Money from a float of sen, rounded to the sen (half to even)."""
    return None if sen is None else Money(int(round(sen)))


def _ratio(value: float | int | Fraction | None) -> Ratio | None:
    return None if value is None else Ratio(Fraction(value))


def _interval_fields(interval: Interval | None) -> dict[str, Money | None]:
    if interval is None:
        return {"lift_myr": None, "ci95_low_myr": None, "ci95_high_myr": None}
    return {
        "lift_myr": _money(interval.lift),
        "ci95_low_myr": _money(interval.low),
        "ci95_high_myr": _money(interval.high),
    }


def register_experiment_tables(con: duckdb.DuckDBPyConnection, creators: Any, traffic: Any) -> None:
    register_input(con, "exp_creators", creators, EXPERIMENT_COLUMNS["creators"])
    register_input(con, "exp_traffic", traffic, EXPERIMENT_COLUMNS["traffic"])


def _population(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute(
        "SELECT creator_id FROM enrolled WHERE creator_id NOT IN "
        "(SELECT creator_id FROM exclusions WHERE creator_id IS NOT NULL) ORDER BY creator_id"
    ).fetchall()
    return [r[0] for r in rows]


def _covariate(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Return X per creator: `gmv_30d_sen` of the creators row landed last (SPEC 12; 0 when absent)."""
    rows = con.execute(last_landed_sql("exp_creators", "creator_id", ("creator_id", "gmv_30d_sen"))).fetchall()
    return {c: int(x or 0) for c, x in rows}


def _samples_of(con: duckdb.DuckDBPyConnection, treated: set[str]) -> tuple[int, int]:
    """Return (price of the products of shipped samples of treated creators in sen, how many samples)."""
    rows = con.execute(
        "SELECT s.creator_id, coalesce(p.price_sen, 0) FROM shipped AS s LEFT JOIN current_products AS p "
        "USING (product_id)"
    ).fetchall()
    mine = [price for creator, price in rows if creator in treated]
    return int(sum(mine)), len(mine)


def experiments_figures(spec: CampaignSpec, con: duckdb.DuckDBPyConnection, result: PayoutResult) -> dict[str, Any]:
    """Return `experiments.<mechanism>` for every mechanism the spec holds creators out of."""
    mechanisms = [m for m in MECHANISMS if holdout_share_of(spec, m) is not None]
    if not mechanisms:
        return {}
    population = _population(con)
    outcome = (
        dict(zip(result.table["creator_id"].to_pylist(), result.table["eligible_gmv_sen"].to_pylist(), strict=True))
        if result.creators
        else {}
    )
    covariate = _covariate(con)
    out: dict[str, Any] = {}
    for mechanism in mechanisms:
        share = holdout_share_of(spec, mechanism)
        held = holdout_ids(spec.id, mechanism, population, share)
        _, y, x, flags = population_arrays(population, outcome, covariate, held)
        est = estimate_lift(y, x, flags)
        treated = set(population) - held
        block: dict[str, Any] = {
            "holdout_share": _ratio(Fraction(share)),
            "n_treated": est.n_treated,
            "n_holdout": est.n_holdout,
            "mean_treated_myr": _money(est.mean_treated),
            "mean_holdout_myr": _money(est.mean_holdout),
            "theta": _ratio(est.theta),
            **_interval_fields(est.cuped),
            "raw": _interval_fields(est.raw),
        }
        incremental = est.incremental
        low_high = est.incremental_interval
        block["incremental_gmv_myr"] = _money(incremental)
        block["incremental_gmv_ci95_myr"] = [_money(low_high[0]), _money(low_high[1])] if low_high else None
        if mechanism == "traffic":
            spend, predicted = con.execute(
                "SELECT coalesce(sum(spend_sen), 0), coalesce(sum(expected_gmv_sen), 0) FROM exp_traffic"
            ).fetchall()[0]
            spend, predicted = int(spend), int(predicted)
            extra: dict[str, Any] = {}
        else:
            spend, shipped = _samples_of(con, treated)
            extra = {"shipped_samples": shipped}
        block["spend_myr"] = Money(spend)
        block["incremental_roi"] = _ratio(incremental / spend) if incremental is not None and spend else None
        if mechanism == "traffic":
            block["predicted_incremental_gmv_myr"] = Money(predicted)
            block["calibration"] = _ratio(incremental / predicted) if incremental is not None and predicted else None
        block["significant"] = None if est.cuped is None else est.cuped.excludes_zero
        block["reason"] = est.reason
        block.update(extra)
        out[mechanism] = block
    return out


def projection_block(summary: dict[str, Any], live: list[Any], final_sen: int) -> dict[str, Any]:
    """The review's `projection`: the backtest per checkpoint, and this campaign's live projections against its final.

    `summary` is `core.projection.backtest`'s; `live` the stored live projections (as_of,
    predicted, low, high). Errors and coverage are ratios (six decimals), null when nothing
    could be measured.
    """
    checkpoints = {
        name: {
            "replays": c["replays"],
            "median_abs_pct_error": _ratio(c["median_abs_pct_error"]),
            "with_interval": c["with_interval"],
            "interval_coverage": _ratio(c["interval_coverage"]),
        }
        for name, c in summary["checkpoints"].items()
    }
    rows = []
    for p in live:
        error = abs(p.predicted_sen - final_sen) / final_sen if final_sen else None
        held = None if p.low_sen is None or p.high_sen is None else p.low_sen <= final_sen <= p.high_sen
        rows.append(
            {
                "as_of": p.as_of.isoformat(),
                "projected_myr": Money(p.predicted_sen),
                "low80_myr": None if p.low_sen is None else Money(p.low_sen),
                "high80_myr": None if p.high_sen is None else Money(p.high_sen),
                "abs_pct_error": _ratio(error),
                "interval_held_final": held,
            }
        )
    return {
        "final_eligible_myr": Money(final_sen),
        "backtest_campaigns": list(summary["campaigns"]),
        # share of each campaign's GMV placed (any status) that ended eligible: the projection's second factor
        "conversion": {c: _ratio(v) for c, v in (summary.get("conversions") or {}).items()},
        "backtest": checkpoints,
        "live": rows,
    }


def review_reference(review: dict[str, Any]) -> Reference:
    """A review's GMV placed and eligible GMV per event hour (sen): its campaign's line in the backtest.

    A review written before GMV placed was recorded has only the eligible hours; they stand
    in for both (conversion 1), which the backtest then cannot correct for.
    """
    from creator_ops.core.projection import Reference

    gmv = review.get("gmv") or {}
    eligible = [money.sen for money in (gmv.get("by_hour") or {}).values()]
    placed = [money.sen for money in (gmv.get("placed_by_hour") or {}).values()] or eligible
    return Reference(review["campaign"]["id"], placed, eligible)


def projection_section(
    review: dict[str, Any], earlier: list[Reference], live: list[Any] | None = None
) -> dict[str, Any]:
    """The review's `projection`: replay the earlier campaigns and this one (from its own hourly GMV).

    In the warehouse `earlier` holds every earlier campaign of the type; on the command line
    it holds the `--baseline` review's campaign, or nothing (this campaign alone is replayed,
    on the flat shape and without a conversion). Either way the same inputs give the same
    block, so a review from files and one from the warehouse agree.
    """
    from creator_ops.core.projection import backtest

    summary = backtest([*earlier, review_reference(review)])
    return projection_block(summary, live or [], review["gmv"]["eligible_myr"].sen)
