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

import math
from dataclasses import dataclass
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
from creator_ops.core.ingest.datasets import SPECS, last_landed_sql
from creator_ops.core.payouts import PayoutResult, register_input
from creator_ops.core.review.values import Money, Ratio

if TYPE_CHECKING:
    import duckdb

    from creator_ops.core.projection import Reference
    from creator_ops.core.spec import CampaignSpec

# (column, duckdb type, required) of the registry's data sets the experiments read: the creators pull,
# the traffic allocation's rows and the matchmaking list's pairs (SPEC 15: treated and ghost pairs alike);
# required are the columns the estimates cannot do without
EXPERIMENT_COLUMNS: dict[str, tuple[tuple[str, str, bool], ...]] = {
    "creators": SPECS["creators"].duckdb_columns(("creator_id",)),
    "traffic": SPECS["traffic"].duckdb_columns(("creator_id", "spend_sen")),
    "pairs": SPECS["matchmaking"].duckdb_columns(("creator_id", "product_id")),
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


def register_experiment_tables(
    con: duckdb.DuckDBPyConnection, creators: Any, traffic: Any, pairs: Any = None, ghost_pairs: Any = None
) -> None:
    register_input(con, "exp_creators", creators, EXPERIMENT_COLUMNS["creators"])
    register_input(con, "exp_traffic", traffic, EXPERIMENT_COLUMNS["traffic"])
    register_input(con, "exp_pairs", pairs, EXPERIMENT_COLUMNS["pairs"])
    register_input(con, "exp_ghost_pairs", ghost_pairs, EXPERIMENT_COLUMNS["pairs"])
    con.execute(  # absent ghost columns are 0 (SPEC 15: a traffic file written before the ghosts)
        "CREATE OR REPLACE TEMP VIEW exp_plan AS SELECT creator_id, coalesce(spend_sen, 0) AS spend_sen, "
        "coalesce(expected_gmv_sen, 0) AS expected_gmv_sen, coalesce(ghost_spend_sen, 0) AS ghost_spend_sen, "
        "coalesce(ghost_expected_gmv_sen, 0) AS ghost_expected_gmv_sen FROM exp_traffic"
    )


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
                "SELECT coalesce(sum(spend_sen), 0), coalesce(sum(expected_gmv_sen), 0) FROM exp_plan"
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
        on_treated, srm = on_treated_figures(spec, con, mechanism, population, held, outcome, covariate)
        block["on_treated"] = on_treated
        block["srm"] = srm
        out[mechanism] = block
    return out


# --------------------------------------------------------------------------- SPEC 15: on the would-be-treated


def _plan(con: duckdb.DuckDBPyConnection, mechanism: str) -> tuple[bool, dict[str, dict[str, int]]]:
    """Return (the plan exists, per creator its plan figures in sen) for `mechanism`.

    Traffic: spend, expected GMV, ghost spend, ghost expected GMV summed over every row.
    Samples: pairs and ghost pairs (counts) and the ghost pairs' product prices.
    """
    per: dict[str, dict[str, int]] = {}
    if mechanism == "traffic":
        rows = con.execute(
            "SELECT creator_id, sum(spend_sen), sum(expected_gmv_sen), sum(ghost_spend_sen), "
            "sum(ghost_expected_gmv_sen), count(*) FROM exp_plan WHERE creator_id IS NOT NULL GROUP BY creator_id"
        ).fetchall()
        for c, spend, expected, ghost, ghost_expected, _ in rows:
            per[c] = {"spend": int(spend), "expected": int(expected), "ghost_spend": int(ghost),
                      "ghost_expected": int(ghost_expected)}  # fmt: skip
        return bool(rows), per
    has_plan = False
    for table, key in (("exp_pairs", "pairs"), ("exp_ghost_pairs", "ghost_pairs")):
        rows = con.execute(
            f"SELECT g.creator_id, count(*), coalesce(sum(coalesce(p.price_sen, 0)), 0) FROM {table} AS g "
            "LEFT JOIN current_products AS p USING (product_id) WHERE g.creator_id IS NOT NULL GROUP BY g.creator_id"
        ).fetchall()
        has_plan = has_plan or bool(rows)
        for c, count, price in rows:
            per.setdefault(c, {})[key] = int(count)
            per[c][f"{key}_price"] = int(price)
    return has_plan, per


def _chosen(mechanism: str, figures: dict[str, int]) -> bool:
    """Would the plan have treated this creator (SPEC 15's W)?"""
    if mechanism == "traffic":
        return figures.get("spend", 0) + figures.get("ghost_spend", 0) > 0
    return figures.get("pairs", 0) + figures.get("ghost_pairs", 0) > 0


def srm_block(holdout: int, treated: int, share: Any) -> dict[str, Any]:
    from creator_ops.core.experiments import sample_ratio

    srm = sample_ratio(holdout, treated, share)
    return {
        "n": srm.n,
        "expected_share": _ratio(Fraction(share)),
        "holdout": srm.holdout,
        "treated": srm.treated,
        "chi2": _ratio(srm.chi2),
        "p_value": _ratio(srm.p_value),
        "mismatch": srm.mismatch,
    }


def on_treated_figures(
    spec: CampaignSpec,
    con: duckdb.DuckDBPyConnection,
    mechanism: str,
    population: list[str],
    held: set[str],
    outcome: dict[str, int],
    covariate: dict[str, int],
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return (`on_treated`, `srm`) for one mechanism (SPEC 15)."""
    from creator_ops.core.experiments import NO_PLAN, estimate_on_treated, relabelling_seed

    share = holdout_share_of(spec, mechanism)
    has_plan, plan = _plan(con, mechanism)
    would_be = [c for c in population if _chosen(mechanism, plan.get(c, {}))]
    w_held = {c for c in would_be if c in held}
    srm = {
        "all": srm_block(len(held & set(population)), len(set(population) - held), share),
        "would_be_treated": srm_block(len(w_held), len(would_be) - len(w_held), share),
    }
    _, y, x, flags = population_arrays(would_be, outcome, covariate, w_held)
    est = estimate_on_treated(y, x, flags, seed=relabelling_seed(spec.id, mechanism))
    if not has_plan:
        est = type(est)(est.n_treated, est.n_holdout, reason=NO_PLAN)
    treated_w = [c for c in would_be if c not in w_held]
    block: dict[str, Any] = {
        "n_treated": est.n_treated,
        "n_holdout": est.n_holdout,
        "mean_treated_myr": _money(est.mean_treated),
        "mean_holdout_myr": _money(est.mean_holdout),
        "theta": _ratio(est.theta),
        "lift_myr": _money(est.lift),
        "ci95_low_myr": _money(est.low),
        "ci95_high_myr": _money(est.high),
        "df": _ratio(est.df),
        "p_value": _ratio(est.p_value),
        "sd_adjusted_myr": _money(est.sd_adjusted),
    }
    incremental = est.incremental
    low_high = est.incremental_interval
    block["incremental_gmv_myr"] = _money(incremental)
    block["incremental_gmv_ci95_myr"] = [_money(low_high[0]), _money(low_high[1])] if low_high else None
    if mechanism == "traffic":
        spend = sum(plan[c].get("spend", 0) for c in treated_w)
        held_back = sum(f.get("ghost_spend", 0) for f in plan.values())
    else:
        shipped = con.execute(
            "SELECT s.creator_id, coalesce(p.price_sen, 0) FROM shipped AS s LEFT JOIN current_products AS p "
            "USING (product_id)"
        ).fetchall()
        treated_set = set(treated_w)
        spend = sum(price for creator, price in shipped if creator in treated_set)
        sampled = {creator for creator, _ in shipped}
        held_back = sum(f.get("ghost_pairs_price", 0) for f in plan.values())
    block["spend_myr"] = Money(spend)
    block["held_back_myr"] = Money(held_back)
    block["incremental_roi"] = _ratio(incremental / spend) if incremental is not None and spend else None
    if mechanism == "traffic":
        predicted = sum(plan[c].get("expected", 0) for c in treated_w)
        block["predicted_incremental_gmv_myr"] = Money(predicted)
        usable = incremental is not None and predicted
        block["calibration"] = _ratio(incremental / predicted) if usable else None
        block["calibration_ci95"] = [_ratio(low_high[0] / predicted), _ratio(low_high[1] / predicted)] if (
            usable and low_high) else None  # fmt: skip
        block["calibration_se"] = _ratio(est.se * est.n_treated / predicted) if usable and est.se is not None else None
    else:
        block["compliance"] = {
            "holdout_sampled": len(w_held & sampled),
            "treated_unsampled": sum(1 for c in treated_w if c not in sampled),
        }
    block["significant"] = est.significant
    block["reason"] = est.reason
    return block, srm


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


# --------------------------------------------------------------------------- SPEC 15: what earlier reviews measured


@dataclass(frozen=True)
class EarlierMeasurement:
    """What one earlier campaign's review says for a mechanism: the loop's calibration and the power statement's s."""

    campaign_id: str
    event_start: str | None
    calibration: float | None  # on_treated's, the pooled loop's input
    calibration_se: float | None
    sd_sen: float | None  # s for the MDE
    sd_source: str | None
    lift_sen: float | None = None  # the on-treated effect per treated creator


def measurement_from_review(review: dict[str, Any], mechanism: str) -> EarlierMeasurement:
    """Read one earlier review's `experiments.<mechanism>` for the pooled loop and the MDE (SPEC 15).

    `s` is `on_treated.sd_adjusted_myr`; failing that (a review written before SPEC 15), the
    standard deviation of Y over that campaign's population, recovered from section 12's raw
    interval as `se / sqrt(1/n_T + 1/n_H)` (exact when both groups have the same spread).
    """
    campaign = review.get("campaign") or {}
    block = (review.get("experiments") or {}).get(mechanism) or {}
    on_treated = block.get("on_treated") or {}

    def number(value: Any) -> float | None:
        if value is None:
            return None
        return float(value.value) if hasattr(value, "value") else float(value)

    sd, source = None, None
    if on_treated.get("sd_adjusted_myr") is not None:
        sd, source = float(on_treated["sd_adjusted_myr"].sen), "the adjusted GMV of its would-be-treated"
    else:
        raw = block.get("raw") or {}
        n_t, n_h = block.get("n_treated") or 0, block.get("n_holdout") or 0
        if raw.get("ci95_low_myr") is not None and raw.get("ci95_high_myr") is not None and n_t > 0 and n_h > 0:
            from creator_ops.core.experiments import Z95

            se = (raw["ci95_high_myr"].sen - raw["ci95_low_myr"].sen) / (2 * Z95)
            sd, source = se / math.sqrt(1 / n_t + 1 / n_h), "the GMV of its whole population (no on-treated estimate)"
    return EarlierMeasurement(
        campaign_id=str(campaign.get("id")),
        event_start=campaign.get("event_start"),
        calibration=number(on_treated.get("calibration")),
        calibration_se=number(on_treated.get("calibration_se")),
        sd_sen=sd,
        sd_source=source,
        lift_sen=None if on_treated.get("lift_myr") is None else float(on_treated["lift_myr"].sen),
    )


def pooled_from(measurements: list[EarlierMeasurement]) -> tuple[Any, list[dict[str, Any]]]:
    """Pool earlier on-treated calibrations (SPEC 15) and list every campaign pooled with its weight."""
    from creator_ops.core.experiments import pooled_calibration

    pooled = pooled_calibration((m.campaign_id, m.calibration, m.calibration_se) for m in measurements)
    listed = [
        {"campaign": c, "calibration": f"{k:.6f}", "calibration_se": f"{se:.6f}", "weight": f"{w:.6f}"}
        for c, k, se, w in pooled.campaigns
    ]
    return pooled, listed


def pooled_sentence(pooled: Any, listed: list[dict[str, Any]]) -> str:
    """Say the pooled factor, its interval and every campaign pooled with its weight."""
    prior_weight = 1 - sum(float(x["weight"]) for x in listed)
    if not listed:
        return "no earlier campaign of this type has an on-treated calibration: factor 1"
    parts = ", ".join(f"{x['campaign']} {float(x['calibration']):.3f} (se {float(x['calibration_se']):.3f}, "
                      f"weight {float(x['weight']):.3f})" for x in listed)  # fmt: skip
    return (
        f"pooled calibration {pooled.used:.6f} (95 % interval {pooled.low:.3f} to {pooled.high:.3f}) from {parts} "
        f"and the prior 1 (weight {prior_weight:.3f})"
    )


def power_statement(
    sd_sen: float | None,
    n_treated: int,
    n_holdout: int,
    predicted_per_treated_sen: float | None,
    share: float | None,
    source: str | None = None,
    predicted_by: str = "the plan predicts",
) -> dict[str, Any]:
    """SPEC 15's MDE said before the event, beside the plan's own prediction per treated creator, in words."""
    from creator_ops.core.experiments import creators_needed, minimum_detectable_effect, share_needed
    from creator_ops.core.money import format_rm

    mde = minimum_detectable_effect(sd_sen, n_treated, n_holdout)
    out: dict[str, Any] = {
        "mde_myr": None if mde is None else f"{mde / 100:.2f}",
        "predicted_per_treated_myr": None
        if predicted_per_treated_sen is None
        else f"{predicted_per_treated_sen / 100:.2f}",
        "n_treated": n_treated,
        "n_holdout": n_holdout,
        "sd_myr": None if sd_sen is None else f"{sd_sen / 100:.2f}",
        "sd_from": source,
    }
    if mde is None:
        why = "no earlier campaign of this type to take the spread of GMV from" if sd_sen is None else (
            "a group of the would-be-treated is empty")  # fmt: skip
        out["text"] = f"What this holdout can detect is unknown: {why}."
        out["below_mde"] = None
        return out
    text = (
        f"This holdout ({n_treated:,} would-be-treated creators treated, {n_holdout:,} held out) detects an effect of "
        f"{format_rm(round(mde))} per treated creator or more (80 % power, 5 % level)"
    )
    if predicted_per_treated_sen is not None:
        text += f"; {predicted_by} {format_rm(round(predicted_per_treated_sen))} per treated creator"
        below = predicted_per_treated_sen < mde
        out["below_mde"] = below
        if predicted_per_treated_sen <= 0:
            text += ". That is no positive effect: there is nothing this holdout could confirm"
        elif below and sd_sen:
            n = n_treated + n_holdout
            needed = creators_needed(sd_sen, predicted_per_treated_sen, share or 0)
            share_for = share_needed(sd_sen, predicted_per_treated_sen, n)
            how = []
            if share_for is not None:
                how.append(f"a holdout share of about {share_for:.2f}")
            if needed is not None:
                how.append(f"about {needed:,} would-be-treated creators at this share")
            text += (
                ". The prediction is below what this holdout can detect: it cannot tell the predicted effect from "
                f"none; it would take {' or '.join(how) or 'far more creators'}"
            )
    else:
        out["below_mde"] = None
    out["text"] = text + "."
    return out
