"""GMV per event hour (the live projection's input, SPEC 12) from the campaign's one definition of its lines."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from creator_ops.core.times import utc
from creator_ops.figures.campaign import CampaignLines, campaign_lines

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from creator_ops.core.projection import Reference
    from creator_ops.core.spec import CampaignSpec


def hourly_gmv(
    engine: Engine, spec: CampaignSpec, *, as_of: dt.datetime | None = None, lines: str = "eligible",
    tables: CampaignLines | None = None,
) -> list[int]:
    """Return GMV per event hour (sen), from `figures.campaign`'s one definition of the lines.

    `lines`: `eligible` (the final figure once settled), `placed` (every status: what the live
    projection scales, since a line is placed in its hour whatever becomes of it) or `live`
    (placed and not cancelled or returned). With `as_of`, only lines ordered before it, and
    only the hours before it.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    from creator_ops.core.review.figures import event_hours

    hours = event_hours(spec)
    if not hours:
        return []
    tables = tables or campaign_lines(engine, spec)
    table = {"eligible": tables.eligible_lines, "placed": tables.placed_lines, "live": tables.live_lines}[lines]
    first = hours[0].astimezone(dt.UTC)
    out = [0] * len(hours)
    if table.num_rows:  # hours since the first, in microseconds (vectorised: a campaign has millions of lines)
        us = pc.cast(pc.cast(table["order_time"], pa.timestamp("us", "UTC")), pa.int64())
        keep = pc.greater_equal(us, int(first.timestamp() * 1_000_000))
        if as_of is not None:
            keep = pc.and_(keep, pc.less(us, int(utc(as_of).timestamp() * 1_000_000)))
        offsets = pc.subtract(pc.filter(us, keep), int(first.timestamp() * 1_000_000))
        hourly = pa.table({"h": pc.divide(offsets, 3_600_000_000), "g": pc.filter(table["gmv_sen"], keep)})
        sums = hourly.group_by("h").aggregate([("g", "sum")])
        for index, gmv in zip(sums["h"].to_pylist(), sums["g_sum"].to_pylist(), strict=True):
            if 0 <= index < len(out):
                out[index] += int(gmv)
    if as_of is not None:
        elapsed = sum(1 for h in hours if (h.astimezone(dt.UTC) + dt.timedelta(hours=1)) <= utc(as_of))
        out = out[:elapsed]
    return out


def projection_reference(engine: Engine, spec: CampaignSpec) -> Reference:
    """Return a settled campaign's GMV placed and eligible GMV per event hour (the projection's reference)."""
    from creator_ops.core.projection import Reference

    tables = campaign_lines(engine, spec)
    return Reference(spec.id, hourly_gmv(engine, spec, lines="placed", tables=tables),
                     hourly_gmv(engine, spec, tables=tables))  # fmt: skip
