"""One definition of each campaign number, read by the Campaigns view, milestones, payouts and the review.

The definitions (eligible lines and GMV, enrolled, live GMV, GMV placed, trusted) are in
`creator_ops.warehouse.metrics`' docstring; this module computes them in one DuckDB session
(`core.payouts.PayoutSession`, the payout engine's own rules 1-2) over the one reader of the
payout inputs (`warehouse.metrics.warehouse_inputs`, cached per warehouse state). Figures "as of"
a moment count lines ordered before it and creators registered by it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from creator_ops.core.ingest.datasets import PAYOUT_DATASETS  # the data sets the payout engine reads
from creator_ops.core.times import utc
from creator_ops.warehouse.metrics import untrusted_datasets, warehouse_inputs
from creator_ops.warehouse.queries import survey_responses_as_of

if TYPE_CHECKING:
    from collections.abc import Callable

    import pyarrow as pa
    from sqlalchemy import Engine

    from creator_ops.core.milestones import CampaignMetrics
    from creator_ops.core.payouts import PayoutInputs
    from creator_ops.core.spec import CampaignSpec


@dataclass(frozen=True)
class CampaignFigures:
    """A campaign's numbers as of one moment (None: everything in the warehouse now)."""

    campaign_id: str
    as_of: dt.datetime | None
    enrolled: int
    eligible_gmv_sen: int
    eligible_lines: int
    selling_creators: int  # creators with at least one eligible line
    live_gmv_sen: int  # labelled "live": placed and not cancelled or returned, not final
    live_lines: int
    untrusted: dict[str, list[str]]

    @property
    def payout_inputs_trusted(self) -> bool:
        """Whether the payout steps would run (none of orders, enrollments, exclusions failed)."""
        return not any(d in self.untrusted for d in PAYOUT_DATASETS)

    def trusted(self, dataset: str) -> bool:
        return dataset not in self.untrusted


def as_dict(figures: CampaignFigures) -> dict[str, Any]:
    """Return the figures as JSON-safe values (money as two-decimal strings)."""
    from creator_ops.core.money import format_myr

    return {
        "campaign_id": figures.campaign_id,
        "as_of": figures.as_of.isoformat() if figures.as_of else None,
        "enrolled": figures.enrolled,
        "eligible_gmv_myr": format_myr(figures.eligible_gmv_sen),
        "eligible_lines": figures.eligible_lines,
        "selling_creators": figures.selling_creators,
        "live_gmv_myr": format_myr(figures.live_gmv_sen),
        "live_lines": figures.live_lines,
        "untrusted": figures.untrusted,
    }


@dataclass
class CampaignLines:
    """The campaign's line-level tables, for consumers that group them (by hour, creator, type)."""

    enrolled: pa.Table  # creator_id, is_new_creator, registered_at (rule 2's counting row)
    eligible_lines: pa.Table  # payouts_eligible_lines.sql: order_id, creator_id, order_time, gmv_sen, ...
    live_lines: pa.Table  # creator_id, order_id, order_time, gmv_sen, status, eligible, live
    placed_lines: pa.Table  # the same columns, whatever the status (the live projection's input)


def campaign_lines(
    engine: Engine,
    spec: CampaignSpec,
    inputs: PayoutInputs | None = None,
    *,
    within: Callable[[Any, CampaignLines], None] | None = None,
) -> CampaignLines:
    """Return the enrolled creators, eligible lines and live lines of the campaign (one DuckDB session).

    The placed lines are the eligible-lines definition's `campaign_lines` (rule 1's winning
    versions in the event, of enrolled, not excluded creators) whatever their status; the live
    lines are those whose status is eligible or open (`live`). `within(connection, lines)` runs
    in the same session before it closes (the snapshot counts its funnel there, over the
    session's own `enrolled`), so a run's figures are computed in one DuckDB session.
    """
    from creator_ops.core.payouts import EVENT_LINES, PayoutRules, PayoutSession

    inputs = inputs or warehouse_inputs(engine, spec.id)
    rules = PayoutRules.from_incentives(spec.timeline, spec.incentives)
    with PayoutSession(rules, inputs.orders, inputs.enrollments, inputs.exclusions, threads=1) as session:
        placed = session.table(
            f"SELECT creator_id, order_id, order_time, gmv_sen, status, eligible, live FROM {EVENT_LINES}"
        )
        lines = CampaignLines(
            enrolled=session.table("SELECT * FROM enrolled ORDER BY creator_id"),
            eligible_lines=session.table("SELECT * FROM eligible_lines"),
            live_lines=placed.filter(placed["live"]) if placed.num_rows else placed,
            placed_lines=placed,
        )
        if within is not None:
            within(session.con, lines)
        return lines


def before(table: pa.Table, column: str, moment: dt.datetime | None, inclusive: bool = False) -> pa.Table:
    import pyarrow as pa
    import pyarrow.compute as pc

    if moment is None or table.num_rows == 0:
        return table
    bound = pa.scalar(utc(moment), pa.timestamp("us", "UTC"))
    values = pc.cast(table[column], pa.timestamp("us", "UTC"))
    return table.filter(pc.less_equal(values, bound) if inclusive else pc.less(values, bound))


def _sum(table: pa.Table, column: str) -> int:
    import pyarrow.compute as pc

    return int(pc.sum(table[column]).as_py() or 0) if table.num_rows else 0


def figures_from_lines(
    spec: CampaignSpec, lines: CampaignLines, untrusted: dict[str, list[str]], as_of: dt.datetime | None = None
) -> CampaignFigures:
    """Return the campaign's figures as of `as_of` from its line tables."""
    import pyarrow.compute as pc

    eligible = before(lines.eligible_lines, "order_time", as_of)
    live = before(lines.live_lines, "order_time", as_of)
    enrolled = before(lines.enrolled, "registered_at", as_of, inclusive=True)
    return CampaignFigures(
        campaign_id=spec.id,
        as_of=as_of,
        enrolled=enrolled.num_rows,
        eligible_gmv_sen=_sum(eligible, "gmv_sen"),
        eligible_lines=eligible.num_rows,
        selling_creators=pc.count_distinct(eligible["creator_id"]).as_py() if eligible.num_rows else 0,
        live_gmv_sen=_sum(live, "gmv_sen"),
        live_lines=live.num_rows,
        untrusted=untrusted,
    )


def campaign_figures(engine: Engine, spec: CampaignSpec, as_of: dt.datetime | None = None) -> CampaignFigures:
    """Return enrolled, eligible GMV, live GMV and trust of a campaign, as of `as_of` (default: all)."""
    return figures_from_lines(spec, campaign_lines(engine, spec), untrusted_datasets(engine, spec.id), as_of)


def measure(engine: Engine, spec: CampaignSpec, as_of: dt.datetime) -> CampaignMetrics:
    """Return the campaign's milestone metrics as of `as_of` (enrolled and GMV from `campaign_figures`)."""
    from creator_ops.core.milestones import CampaignMetrics

    figures = campaign_figures(engine, spec, as_of)
    return CampaignMetrics(
        as_of=as_of,
        creators_enrolled=figures.enrolled,
        eligible_gmv_sen=figures.eligible_gmv_sen,
        survey_responses=survey_responses_as_of(engine, spec.id, as_of),
    )
