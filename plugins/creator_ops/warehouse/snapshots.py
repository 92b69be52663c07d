"""A campaign's figures as of one run, computed once by the run and read by every surface.

Each run computes (the figures layer: `figures.snapshot`, its funnel `figures.funnel` by the
review's definition `core.funnel`), as of the end of its data interval, the campaign's figures
(enrolled, eligible and live GMV, selling creators, trust),
with what the pages plot (the same tables per hour), the funnel, survey responses, the
traffic spent so far, the live projection made by then and the measured lift (SPEC 12), and
stores them in `campaign_snapshots` keyed by the run. The Campaigns
view, the campaign page and the milestones read the latest snapshot instead of re-reading a
million lines per request; the review computes the same figures with the same engine. A
surface labels what it shows with the snapshot's run and moment ("as of ...").

A campaign with data but no snapshot yet (a warehouse loaded before this table existed, a
test filling tables by hand) is computed on request by the same function, labelled so.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, func, select

from creator_ops.core.times import as_utc, utc
from creator_ops.warehouse.files import current_files
from creator_ops.warehouse.metrics import CampaignFigures
from creator_ops.warehouse.schema import campaign_snapshots
from creator_ops.warehouse.upsert import upsert

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from creator_ops.core.spec import CampaignSpec

HOUR = 3600
ON_REQUEST = "on request"  # the run id of figures computed for a page because no run stored any


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
        from creator_ops.warehouse.metrics import as_dict as figures_dict

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


# --------------------------------------------------------------------------- storing and reading


def _encode(snapshot: Snapshot) -> str:
    f = snapshot.figures
    return json.dumps({
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
    }, sort_keys=True)  # fmt: skip


def _decode(row: Any) -> Snapshot:
    data = json.loads(row.figures_json)
    f = data["figures"]
    as_of = as_utc(row.as_of)

    def hours(name: str) -> dict[int, int]:
        return {int(k): int(v) for k, v in data.get(name, {}).items()}

    return Snapshot(
        campaign_id=row.campaign_id,
        run_id=row.run_id,
        phase=row.phase,
        as_of=as_of,
        computed_at=as_utc(row.computed_at),
        figures=CampaignFigures(
            campaign_id=row.campaign_id, as_of=as_of, enrolled=f["enrolled"], eligible_gmv_sen=f["eligible_gmv_sen"],
            eligible_lines=f["eligible_lines"], selling_creators=f["selling_creators"],
            live_gmv_sen=f["live_gmv_sen"], live_lines=f["live_lines"], untrusted=f["untrusted"],
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
    )


def store_snapshot(engine: Engine, snapshot: Snapshot) -> None:
    """Store the run's snapshot; a rerun of the run replaces it."""
    with engine.begin() as conn:
        upsert(
            conn,
            campaign_snapshots,
            [{
                "campaign_id": snapshot.campaign_id, "run_id": snapshot.run_id, "phase": snapshot.phase,
                "as_of": snapshot.as_of, "computed_at": snapshot.computed_at, "figures_json": _encode(snapshot),
            }],
            ["campaign_id", "run_id"],
        )  # fmt: skip


def run_snapshot(engine: Engine, campaign_id: str, run_id: str) -> Snapshot | None:
    """Return the snapshot a run stored, or None."""
    s = campaign_snapshots.c
    with engine.connect() as conn:
        row = conn.execute(select(campaign_snapshots).where(s.campaign_id == campaign_id, s.run_id == run_id)).first()
    return None if row is None else _decode(row)


def latest_snapshots(engine: Engine, campaign_ids: list[str]) -> dict[str, Snapshot]:
    """Return each campaign's latest snapshot (by the moment it describes, then when it was computed), in one query."""
    if not campaign_ids:
        return {}
    s = campaign_snapshots.c
    rank = func.row_number().over(partition_by=s.campaign_id, order_by=(s.as_of.desc(), s.computed_at.desc()))
    ranked = select(campaign_snapshots, rank.label("rank")).where(s.campaign_id.in_(campaign_ids)).subquery()
    with engine.connect() as conn:
        rows = conn.execute(select(ranked).where(and_(ranked.c.rank == 1))).all()
    return {row.campaign_id: _decode(row) for row in rows}


def latest_snapshot(engine: Engine, campaign_id: str) -> Snapshot | None:
    """Return the campaign's latest snapshot, or None before its first run."""
    return latest_snapshots(engine, [campaign_id]).get(campaign_id)


# Which stored snapshot a page seen at `now` shows (issue 30: "the event day as it was" under a
# pinned now): the one of the run whose data interval holds `now`; without it, the latest one that
# describes a moment before `now`; without any, the earliest later one (the page says it is later).
# In production every stored snapshot describes the past, so this is the latest one.
HOLDS_NOW, BEFORE_NOW, LATER = "the run whose interval holds now", "an earlier run", "a later run"


def snapshots_at(engine: Engine, specs: list[CampaignSpec], now: dt.datetime) -> dict[str, Snapshot]:
    """Return each campaign's snapshot for pages seen at `now` (see `HOLDS_NOW`), two queries in all."""
    from collections import defaultdict

    from creator_ops.core.calendar import CampaignCalendar

    if not specs:
        return {}
    s = campaign_snapshots.c
    with engine.connect() as conn:
        keys = conn.execute(select(s.campaign_id, s.as_of, s.computed_at)
                            .where(s.campaign_id.in_([spec.id for spec in specs]))).all()  # fmt: skip
    moments: dict[str, list[tuple[dt.datetime, dt.datetime, Any, Any]]] = defaultdict(list)
    for campaign_id, as_of, computed_at in keys:
        moments[campaign_id].append((as_utc(as_of), as_utc(computed_at), as_of, computed_at))
    now = utc(now)
    chosen: dict[str, tuple[Any, Any, str]] = {}
    for spec in specs:
        rows = moments.get(spec.id)
        if not rows:
            continue
        run = CampaignCalendar(spec.timeline).run_containing(now)
        holding = [r for r in rows if run.start <= now < run.end and r[0] == utc(run.end)]
        before = [r for r in rows if r[0] <= now]
        if holding:
            pick, why = max(holding, key=lambda r: r[1]), HOLDS_NOW
        elif before:
            pick, why = max(before, key=lambda r: (r[0], r[1])), BEFORE_NOW
        else:
            pick, why = min(rows, key=lambda r: (r[0], -r[1].timestamp())), LATER
        chosen[spec.id] = (pick[2], pick[3], why)
    out: dict[str, Snapshot] = {}
    with engine.connect() as conn:
        for campaign_id, (as_of, computed_at, why) in chosen.items():
            row = conn.execute(select(campaign_snapshots).where(
                s.campaign_id == campaign_id, s.as_of == as_of, s.computed_at == computed_at)).first()  # fmt: skip
            if row is not None:
                out[campaign_id] = replace(_decode(row), chosen_because=why)
    return out


def has_data(engine: Engine, campaign_id: str) -> bool:
    """Whether any file of the campaign is current in the warehouse."""
    s = current_files.c
    with engine.connect() as conn:
        return bool(conn.execute(select(func.count()).where(s.campaign_id == campaign_id)).scalar_one())


# what the campaign page says beside a projection (steps.projection stores them in the prediction's detail)
PROJECTION_DETAIL = ("note", "elapsed_hours", "hours", "placed_so_far_sen")


def projection_of(snapshot: Snapshot | None) -> Any:
    """Return the snapshot's live projection as the experiments module's `StoredPrediction`, or None."""
    if snapshot is None or snapshot.projection is None:
        return None
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
