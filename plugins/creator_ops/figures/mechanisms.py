"""Figures of the mechanisms (SPEC 11): traffic spent against the boosted creators' GMV, matchmaking's sales history."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from creator_ops.figures.campaign import campaign_lines
from creator_ops.warehouse.mechanisms import TrafficOverview, traffic_totals

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from creator_ops.core.spec import CampaignSpec


def traffic_overview(engine: Engine, spec: CampaignSpec, lines: Any = None) -> TrafficOverview:
    """Return budget spent and expected vs actual GMV of the boosted creators, for the UI and the demo.

    Actual GMV is the campaign's live GMV (`figures.campaign`, the one definition: rule 1's
    winning version of each line, enrolled and not excluded creators, eligible or still open
    statuses, in the event window) of the boosted creators, from each one's first boosted hour.
    `lines` (`figures.campaign.CampaignLines`) saves reading them again when the caller has them.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    from creator_ops.core.money import to_sen

    hours_count, spent, expected, first = traffic_totals(engine, spec.id)
    actual = 0
    if first:
        live = (lines or campaign_lines(engine, spec)).live_lines
        if live.num_rows:
            boosted = live.filter(pc.is_in(live["creator_id"], pa.array(sorted(first), pa.string())))
            times = pc.cast(boosted["order_time"], pa.timestamp("us", "UTC")).to_pylist()
            for creator, moment, gmv in zip(boosted["creator_id"].to_pylist(), times, boosted["gmv_sen"].to_pylist(),
                                            strict=True):  # fmt: skip
                if moment >= first[creator]:
                    actual += int(gmv)
    budget = to_sen(spec.traffic.budget_myr) if spec.traffic is not None else None
    return TrafficOverview(
        budget_sen=budget,
        spent_sen=int(spent),
        hours=int(hours_count),
        boosted_creators=len(first),
        expected_gmv_sen=int(expected),
        actual_gmv_sen=actual,
    )


def history_rows(engine: Engine, campaign_id: str) -> list[tuple[str, str | None, int]]:
    """Return (creator_id, category, gmv_sen): eligible GMV in other campaigns, by their products' category.

    A past campaign's GMV is its eligible lines (SPEC 5 rules 1-2: one version per line, an
    eligible status, in its event, of an enrolled, not excluded creator), the one definition
    the payouts read (`figures.campaign.campaign_lines`), so a re-landed line counts once. Only
    campaigns whose runs recorded their spec have an event window to judge lines by; a
    line's category is its product's in that campaign's current selection.
    """
    from creator_ops.warehouse.campaign_data import current_products
    from creator_ops.warehouse.review_inputs import recorded_specs

    totals: dict[tuple[str, str | None], int] = {}
    for spec in recorded_specs(engine):
        if spec.id == campaign_id:
            continue
        products = current_products(engine, spec.id)
        category = dict(zip(products["product_id"].to_pylist(), products["category"].to_pylist(), strict=True))
        lines = campaign_lines(engine, spec).eligible_lines
        columns = (lines[c].to_pylist() for c in ("creator_id", "product_id", "gmv_sen"))
        for creator_id, product_id, gmv_sen in zip(*columns, strict=True):
            if product_id in category:
                key = (creator_id, category[product_id])
                totals[key] = totals.get(key, 0) + gmv_sen
    return sorted((c, cat, gmv) for (c, cat), gmv in totals.items() if gmv > 0)
