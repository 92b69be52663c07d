"""A campaign's figures as of one run (the snapshot every surface reads), computed from their one definition.

`compute_snapshot` computes, as of the end of a run's data interval, the figures of
`figures.campaign` (enrolled, eligible and live GMV, selling creators, trust) with what the
pages plot (the same tables per hour), the funnel, survey responses, the traffic spent so
far, the live projection made by then and the measured lift (SPEC 12); the funnel is
`figures.funnel`'s (the review's definition, `core.funnel`);
`warehouse.snapshots` stores and reads it.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from creator_ops.core.funnel import FUNNEL
from creator_ops.core.times import utc
from creator_ops.figures.campaign import CampaignLines, before, campaign_lines, figures_from_lines
from creator_ops.figures.funnel import campaign_funnel
from creator_ops.warehouse.metrics import untrusted_datasets, validated_datasets
from creator_ops.warehouse.queries import survey_responses_as_of
from creator_ops.warehouse.snapshots import (
    HOUR,
    ON_REQUEST,
    PROJECTION_DETAIL,
    Snapshot,
    has_data,
    snapshots_at,
)

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from creator_ops.core.spec import CampaignSpec


def _by_hour(table, time_column: str, value_column: str | None = None) -> dict[int, int]:
    """Sum `value_column` (or count rows) per UTC hour (whole hours since 1970) of `time_column`."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if table.num_rows == 0:
        return {}
    micros = pc.cast(pc.cast(table[time_column], pa.timestamp("us", "UTC")), pa.int64())
    hours = pc.divide(micros, pa.scalar(HOUR * 1_000_000, pa.int64()))
    values = table[value_column] if value_column else pa.array([1] * table.num_rows, pa.int64())
    grouped = pa.table({"hour": hours, "value": values}).group_by("hour").aggregate([("value", "sum")])
    pairs = zip(grouped["hour"].to_pylist(), grouped["value_sum"].to_pylist(), strict=True)
    return {int(h): int(v or 0) for h, v in sorted(pairs)}


def _traffic(engine: Engine, spec: CampaignSpec, lines: CampaignLines) -> dict[str, int | None] | None:
    if spec.traffic is None:
        return None
    from dataclasses import asdict

    from creator_ops.figures.mechanisms import traffic_overview

    return asdict(traffic_overview(engine, spec, lines=lines))


def _boosted_by_hour(engine: Engine, spec: CampaignSpec, live, as_of: dt.datetime) -> dict[int, int]:
    """Return {UTC epoch hour: live GMV sen in that hour of the creators boosted in that hour}."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from creator_ops.warehouse.mechanisms import boosted_hours

    if spec.traffic is None:
        return {}
    boosted: dict[int, set[str]] = {}
    for hour_start, creator in boosted_hours(engine, spec.id):
        boosted.setdefault(int(hour_start.timestamp()) // HOUR, set()).add(creator)
    if not boosted or live.num_rows == 0:
        return dict.fromkeys(sorted(boosted), 0)
    creators_boosted = sorted(set().union(*boosted.values()))
    mine = live.filter(pc.is_in(live["creator_id"], pa.array(creators_boosted, pa.string())))
    hours = pc.divide(pc.cast(pc.cast(mine["order_time"], pa.timestamp("us", "UTC")), pa.int64()),
                      pa.scalar(HOUR * 1_000_000, pa.int64()))  # fmt: skip
    out = dict.fromkeys(sorted(boosted), 0)
    for hour, creator, gmv in zip(hours.to_pylist(), mine["creator_id"].to_pylist(), mine["gmv_sen"].to_pylist(),
                                  strict=True):  # fmt: skip
        if hour in boosted and creator in boosted[hour]:
            out[hour] += int(gmv)
    return out


def _effect(engine: Engine, spec: CampaignSpec, as_of: dt.datetime) -> dict[str, Any]:
    """The live projection made by `as_of` (during the event) and the campaign's measured lift, if any (SPEC 12)."""
    from creator_ops.warehouse.experiments import measured_lifts, stored_predictions

    out: dict[str, Any] = {}
    made = [p for p in stored_predictions(engine, spec.id, "live_projection") if p.as_of <= utc(as_of)]
    if made and utc(as_of) <= utc(spec.timeline.event_end):  # once the event is over its final figure is known
        p = made[-1]
        out["projection"] = {"as_of": p.as_of.isoformat(), "predicted_sen": p.predicted_sen, "low_sen": p.low_sen,
                             "high_sen": p.high_sen, "interval": "80%", "observed_sen": p.observed_sen,
                             "detail": {k: p.detail[k] for k in PROJECTION_DETAIL if k in p.detail}}  # fmt: skip
    lifts = measured_lifts(engine, spec.id)
    if lifts:
        out["lift"] = lifts
    return out


def compute_snapshot(
    engine: Engine, spec: CampaignSpec, *, as_of: dt.datetime, run_id: str = ON_REQUEST, phase: str | None = None,
    now: dt.datetime | None = None,
) -> Snapshot:
    """Compute the campaign's figures as of `as_of` from their one definition (`figures.campaign`)."""
    from creator_ops.core.calendar import CampaignCalendar

    lines = campaign_lines(engine, spec)
    untrusted = untrusted_datasets(engine, spec.id)
    figures = figures_from_lines(spec, lines, untrusted, as_of=as_of)
    live = before(lines.live_lines, "order_time", as_of)
    eligible = before(lines.eligible_lines, "order_time", as_of)
    enrolled = before(lines.enrolled, "registered_at", as_of, inclusive=True)
    counted = campaign_funnel(engine, spec, lines, as_of)
    responses = survey_responses_as_of(engine, spec.id, as_of)
    validated = tuple(sorted(validated_datasets(engine, spec.id)))
    funnel = {key: counted[key] for key, _label, _what in FUNNEL}  # the steps a campaign page shows
    return Snapshot(
        campaign_id=spec.id,
        run_id=run_id,
        phase=phase or str(CampaignCalendar(spec.timeline).phase_of(as_of - dt.timedelta(microseconds=1))),
        as_of=utc(as_of),
        computed_at=utc(now or dt.datetime.now(dt.UTC)),
        figures=figures,
        survey_responses=responses,
        funnel=funnel,
        enrolled_by_hour=_by_hour(enrolled, "registered_at"),
        live_by_hour=_by_hour(live, "order_time", "gmv_sen"),
        eligible_by_hour=_by_hour(eligible, "order_time", "gmv_sen"),
        validated=validated,
        traffic=_traffic(engine, spec, lines),
        boosted_gmv_by_hour=_boosted_by_hour(engine, spec, live, as_of),
        extra=_effect(engine, spec, as_of),
    )


def snapshot_for_page(engine: Engine, spec: CampaignSpec, now: dt.datetime) -> Snapshot | None:
    """Return the stored snapshot for a page seen at `now` (`snapshots_at`); without one, the figures computed now."""
    stored = snapshots_at(engine, [spec], now).get(spec.id)
    if stored is not None:
        return stored
    if not has_data(engine, spec.id):
        return None
    return compute_snapshot(engine, spec, as_of=now, now=now)
