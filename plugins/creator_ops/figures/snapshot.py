"""A campaign's figures as of one run (the snapshot every surface reads), computed from their one definition.

`compute_snapshot` computes, as of the end of a run's data interval, the figures of
`figures.campaign` (enrolled, eligible and live GMV, selling creators, trust) with what the
pages plot (the same tables per hour), the funnel, survey responses, the traffic spent so
far, the live projection made by then and the measured lift (SPEC 12); the funnel is
`figures.funnel`'s (the review's definition, `core.funnel`);
`warehouse.snapshots` stores and reads it (`StoredSnapshot`), and the readers here
(`run_snapshot`, `latest_snapshot(s)`, `snapshots_at`, `snapshot_for_page`) give it back as a
`Snapshot`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from creator_ops.core.funnel import FUNNEL
from creator_ops.core.times import utc
from creator_ops.figures.campaign import CampaignFigures, CampaignLines, before, campaign_lines, figures_from_lines
from creator_ops.figures.funnel import count_funnel
from creator_ops.warehouse import snapshots as stored
from creator_ops.warehouse.metrics import untrusted_datasets, validated_datasets
from creator_ops.warehouse.queries import survey_responses_as_of
from creator_ops.warehouse.snapshots import StoredSnapshot, has_data

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from creator_ops.core.spec import CampaignSpec


HOUR = 3600
ON_REQUEST = "on request"  # the run id of figures computed for a page because no run stored any
# what the campaign page says beside a projection (steps.projection stores them in the prediction's detail)
PROJECTION_DETAIL = ("note", "elapsed_hours", "hours", "placed_so_far_sen")


@dataclass(frozen=True)
class Snapshot:
    """A campaign's figures as of the end of one run's data interval."""

    campaign_id: str
    run_id: str
    phase: str
    as_of: dt.datetime
    computed_at: dt.datetime
    figures: CampaignFigures
    survey_responses: int
    funnel: dict[str, int]
    # UTC epoch hour -> value: creators enrolling first then, live GMV sen, eligible GMV sen
    enrolled_by_hour: dict[int, int] = field(default_factory=dict)
    live_by_hour: dict[int, int] = field(default_factory=dict)
    eligible_by_hour: dict[int, int] = field(default_factory=dict)
    validated: tuple[str, ...] = ()  # data sets with at least one stored verdict
    traffic: dict[str, int | None] | None = None  # warehouse.mechanisms.TrafficOverview's fields
    # UTC epoch hour -> live GMV sen in that hour of the creators boosted in that hour (the traffic page)
    boosted_gmv_by_hour: dict[int, int] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)  # sections other stages add (projection, lift)
    chosen_because: str = ""  # why a page shows this one (`snapshots_at`), never stored

    @property
    def projection(self) -> dict[str, Any] | None:
        """The live projection of the final eligible GMV made by this moment (point, 80 % interval), if any."""
        return self.extra.get("projection")

    @property
    def lift(self) -> dict[str, Any] | None:
        """The measured lift of this campaign per mechanism (traffic, samples), once its review measured it."""
        return self.extra.get("lift")

    @property
    def stored(self) -> bool:
        """Whether a run stored these figures (False: computed for a page, no run yet)."""
        return self.run_id != ON_REQUEST

    def as_dict(self) -> dict[str, Any]:
        """Return the snapshot as JSON-safe values (money as sen and as two-decimal RM strings)."""
        from creator_ops.figures.campaign import as_dict as figures_dict

        return {
            "run_id": self.run_id,
            "phase": self.phase,
            "as_of": self.as_of.isoformat(),
            "computed_at": self.computed_at.isoformat(),
            "figures": figures_dict(self.figures) | {
                "eligible_gmv_sen": self.figures.eligible_gmv_sen, "live_gmv_sen": self.figures.live_gmv_sen,
            },
            "survey_responses": self.survey_responses,
            "funnel": dict(self.funnel),
            "traffic": self.traffic,
            **self.extra,
        }


# --------------------------------------------------------------------------- to and from the stored row


def encode(snapshot: Snapshot) -> StoredSnapshot:
    """Return the row `warehouse.snapshots.store_snapshot` stores for `snapshot`."""
    f = snapshot.figures
    data = {
        "figures": {
            "enrolled": f.enrolled, "eligible_gmv_sen": f.eligible_gmv_sen, "eligible_lines": f.eligible_lines,
            "selling_creators": f.selling_creators, "live_gmv_sen": f.live_gmv_sen, "live_lines": f.live_lines,
            "untrusted": f.untrusted,
        },
        "survey_responses": snapshot.survey_responses,
        "funnel": snapshot.funnel,
        "enrolled_by_hour": snapshot.enrolled_by_hour,
        "live_by_hour": snapshot.live_by_hour,
        "eligible_by_hour": snapshot.eligible_by_hour,
        "validated": list(snapshot.validated),
        "traffic": snapshot.traffic,
        "boosted_gmv_by_hour": snapshot.boosted_gmv_by_hour,
        "extra": snapshot.extra,
    }  # fmt: skip
    return StoredSnapshot(snapshot.campaign_id, snapshot.run_id, snapshot.phase, snapshot.as_of,
                          snapshot.computed_at, data)  # fmt: skip


def decode(row: StoredSnapshot) -> Snapshot:
    """Return the `Snapshot` a stored row holds (JSON keys of hours back to ints)."""
    data, f = row.data, row.data["figures"]

    def hours(name: str) -> dict[int, int]:
        return {int(k): int(v) for k, v in data.get(name, {}).items()}

    return Snapshot(
        campaign_id=row.campaign_id,
        run_id=row.run_id,
        phase=row.phase,
        as_of=row.as_of,
        computed_at=row.computed_at,
        figures=CampaignFigures(
            campaign_id=row.campaign_id, as_of=row.as_of, enrolled=f["enrolled"],
            eligible_gmv_sen=f["eligible_gmv_sen"], eligible_lines=f["eligible_lines"],
            selling_creators=f["selling_creators"], live_gmv_sen=f["live_gmv_sen"], live_lines=f["live_lines"],
            untrusted=f["untrusted"],
        ),  # fmt: skip
        survey_responses=data["survey_responses"],
        funnel=data["funnel"],
        enrolled_by_hour=hours("enrolled_by_hour"),
        live_by_hour=hours("live_by_hour"),
        eligible_by_hour=hours("eligible_by_hour"),
        validated=tuple(data.get("validated", ())),
        traffic=data.get("traffic"),
        boosted_gmv_by_hour=hours("boosted_gmv_by_hour"),
        extra=data.get("extra") or {},
        chosen_because=row.chosen_because,
    )


def store_snapshot(engine: Engine, snapshot: Snapshot) -> None:
    """Store the run's snapshot (`warehouse.snapshots`); a rerun of the run replaces it."""
    stored.store_snapshot(engine, encode(snapshot))


def run_snapshot(engine: Engine, campaign_id: str, run_id: str) -> Snapshot | None:
    """Return the snapshot a run stored, or None."""
    row = stored.run_snapshot(engine, campaign_id, run_id)
    return None if row is None else decode(row)


def latest_snapshots(engine: Engine, campaign_ids: list[str]) -> dict[str, Snapshot]:
    """Return each campaign's latest snapshot (by the moment it describes, then when it was computed), in one query."""
    return {campaign_id: decode(row) for campaign_id, row in stored.latest_snapshots(engine, campaign_ids).items()}


def latest_snapshot(engine: Engine, campaign_id: str) -> Snapshot | None:
    """Return the campaign's latest snapshot, or None before its first run."""
    return latest_snapshots(engine, [campaign_id]).get(campaign_id)


def snapshots_at(engine: Engine, specs: list[CampaignSpec], now: dt.datetime) -> dict[str, Snapshot]:
    """Return each campaign's snapshot for pages seen at `now` (`warehouse.snapshots.HOLDS_NOW`)."""
    return {campaign_id: decode(row) for campaign_id, row in stored.snapshots_at(engine, specs, now).items()}


def projection_of(snapshot: Snapshot | None) -> Any:
    """Return the snapshot's live projection as the experiments module's `StoredPrediction`, or None."""
    if snapshot is None or snapshot.projection is None:
        return None
    from creator_ops.core.times import as_utc
    from creator_ops.warehouse.experiments import StoredPrediction

    p = snapshot.projection
    return StoredPrediction(as_utc(p["as_of"]), p["predicted_sen"], p["low_sen"], p["high_sen"], p["observed_sen"],
                            p.get("detail") or {})  # fmt: skip


def traffic_of(snapshot: Snapshot | None) -> Any:
    """Return the snapshot's traffic figures as `mechanisms.TrafficOverview`, or None without a traffic budget."""
    if snapshot is None or snapshot.traffic is None:
        return None
    from creator_ops.warehouse.mechanisms import TrafficOverview

    return TrafficOverview(**snapshot.traffic)


# --------------------------------------------------------------------------- computing


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

    counted: dict[str, int] = {}

    def funnel_in_session(con: Any, lines: CampaignLines) -> None:  # the lines' own DuckDB session
        counted.update(count_funnel(con, engine, spec, lines, as_of))

    lines = campaign_lines(engine, spec, within=funnel_in_session)
    untrusted = untrusted_datasets(engine, spec.id)
    figures = figures_from_lines(spec, lines, untrusted, as_of=as_of)
    live = before(lines.live_lines, "order_time", as_of)
    eligible = before(lines.eligible_lines, "order_time", as_of)
    enrolled = before(lines.enrolled, "registered_at", as_of, inclusive=True)
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
