"""What one campaign's page shows, read from the spec and the warehouse.

Plain Python (no Airflow import), like `overview.py`, so it runs against any warehouse
engine in tests and benchmarks. Enrolled, eligible GMV, live GMV, trust, the funnel and the
hourly series are the latest run's snapshot (`figures/snapshot.py`, computed once per run
from `figures/campaign.py`, stored by `warehouse/snapshots.py`), labelled with that run and
moment. Everything else is a fixed handful of aggregate queries, whatever the size of the
campaign: nothing loops over rows issuing queries. Airflow's own state (waiting human
actions, the latest run) is read by `campaign_view.py`, the Airflow side.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import SQLAlchemyError

from creator_ops.airflow.ui.overview import CampaignStatus, campaign_status
from creator_ops.core.calendar import PHASE_ORDER, Phase, deadlines
from creator_ops.core.funnel import FUNNEL
from creator_ops.core.spec import CampaignSpec
from creator_ops.core.times import as_utc_or_none, utc
from creator_ops.warehouse import campaign_reads as reads

if TYPE_CHECKING:
    from sqlalchemy import Engine

HOUR = 3600
RECENT_ALERTS = 8
FILES_SHOWN = 25


@dataclass(frozen=True)
class Progress:
    """A figure against its target and against the straight-line pace to reach it by the window's end."""

    key: str
    label: str
    unit: str  # "creators" | "sen"
    actual: int
    target: int | None
    window: tuple[dt.datetime, dt.datetime]  # the target is due at the end of the window
    now: dt.datetime
    note: str = ""

    @property
    def elapsed_share(self) -> float:
        start, end = self.window
        span = (end - start).total_seconds()
        return 0.0 if span <= 0 else min(max((self.now - start).total_seconds() / span, 0.0), 1.0)

    @property
    def pace_now(self) -> int | None:
        """What a straight line from 0 at the window's start to the target at its end gives at `now`."""
        if not self.target:
            return None
        start, end = self.window
        span = int((end - start).total_seconds())
        done = int(min(max((self.now - start).total_seconds(), 0), span))
        return self.target * done // span if span > 0 else self.target

    @property
    def attainment(self) -> float | None:
        return None if not self.target else self.actual / self.target

    @property
    def against_pace(self) -> float | None:
        pace = self.pace_now
        return None if not pace else self.actual / pace

    @property
    def remaining_hours(self) -> float:
        return max((self.window[1] - self.now).total_seconds() / HOUR, 0.0)

    @property
    def rate_unit(self) -> str:
        """Hours for a window of three days or less (an event), days otherwise."""
        return "hour" if (self.window[1] - self.window[0]).total_seconds() <= 3 * 24 * HOUR else "day"

    @property
    def needed_rate(self) -> int | None:
        """What must come in per `rate_unit` from now on to reach the target in time (None when met or over)."""
        if not self.target or self.actual >= self.target or self.remaining_hours <= 0:
            return None
        units = self.remaining_hours if self.rate_unit == "hour" else self.remaining_hours / 24
        return -(-(self.target - self.actual) * 1000 // max(int(units * 1000), 1))

    @property
    def verdict(self) -> str:
        """Final once the window closed ("target missed"); while it is open, "… so far" (it may still change)."""
        if not self.target:
            return "no target"
        if self.now < self.window[0]:
            return "not started"
        still_open = self.now < self.window[1]
        if self.actual >= self.target:
            return "target reached so far" if still_open else "target reached"
        if not still_open:
            return "target missed"
        pace = self.pace_now or 0
        return "ahead of pace so far" if self.actual >= pace else "behind pace so far"


@dataclass(frozen=True)
class DatasetQuality:
    dataset: str
    verdict: str  # "passed" | "failed"
    files_checked: int
    files_failed: int
    last_checked: dt.datetime | None  # the clock when the latest batch was validated
    data_as_of: dt.datetime | None  # the end of the interval of the run that validated it: the data's moment
    failed_expectations: list[dict[str, Any]]  # the latest failed verdict's expectations (name, why, observed…)


@dataclass(frozen=True)
class FileProblem:
    file_id: int
    dataset: str
    name: str
    status: str  # accepted (with quarantined rows) | rejected | superseded
    rows_in: int
    rows_quarantined: int
    rejection_reason: str | None
    ingested_at: dt.datetime | None
    reasons: list[tuple[str, str | None, int]]  # (reason, field, rows)
    current: bool


@dataclass
class CampaignPage:
    """Everything one campaign's page shows."""

    spec: CampaignSpec
    status: CampaignStatus
    now: dt.datetime
    progress: list[Progress] = field(default_factory=list)
    enrolled_by_hour: dict[int, int] = field(default_factory=dict)  # epoch hour -> creators enrolling first then
    live_by_hour: dict[int, int] = field(default_factory=dict)  # epoch hour -> live GMV sen
    eligible_by_hour: dict[int, int] = field(default_factory=dict)  # epoch hour -> eligible GMV sen
    selling: int = 0  # enrolled creators with an eligible line
    snapshot: Any = None  # figures.snapshot.Snapshot: the run whose figures the page shows
    untrusted: dict[str, list[str]] = field(default_factory=dict)  # the one reading of trust (warehouse.metrics)
    funnel: list[tuple[str, int | None, str]] = field(default_factory=list)  # (step, count, what it counts)
    quality: list[DatasetQuality] = field(default_factory=list)
    ingestion: list[dict[str, Any]] = field(default_factory=list)  # per data set: files, rows in/accepted/quarantined
    file_problems: list[FileProblem] = field(default_factory=list)
    reasons: list[tuple[str, str, str | None, int]] = field(default_factory=list)  # (data set, reason, field, rows)
    alert_counts: dict[str, dict[str, int]] = field(default_factory=dict)  # status -> channel -> alerts
    alerts_waiting: list[dict[str, Any]] = field(default_factory=list)
    alerts_sent: list[dict[str, Any]] = field(default_factory=list)
    matchmaking: Any = None  # warehouse.mechanisms.ListRecord: the frozen list, else the latest draft
    traffic: Any = None  # warehouse.mechanisms.TrafficOverview, once an hour was allocated
    run_moments: dict[str, Any] = field(default_factory=dict)  # run id -> the end of its data interval
    # after the event: every live projection made during it (hour by hour), beside the final figure
    projections: list[Any] = field(default_factory=list)
    final_eligible_sen: int | None = None
    projection: Any = None  # warehouse.experiments.StoredPrediction: the latest live projection (SPEC 12)
    warehouse_error: str | None = None

    @property
    def phase(self) -> str:
        return self.status.phase

    @property
    def as_of(self) -> dt.datetime | None:
        """The moment the page's figures describe: the end of the snapshot's run interval."""
        return None if self.snapshot is None else self.snapshot.as_of


# --------------------------------------------------------------------------- figures
# Enrolled, eligible GMV, live GMV, trust, the funnel and the hourly series are the latest
# run's snapshot (`figures/snapshot.py`, computed once by the run from `figures/campaign.py`):
# the page reads one row, whatever the campaign's size, and says which run and moment it shows.


def _read_figures(page: CampaignPage, engine: Engine) -> None:
    """Read the campaign's latest snapshot (computed now only when no run stored one) into the page."""
    from creator_ops.figures.snapshot import snapshot_for_page

    snapshot = snapshot_for_page(engine, page.spec, page.now)
    page.snapshot = snapshot
    if snapshot is None:
        return
    page.untrusted = snapshot.figures.untrusted
    page.live_by_hour = snapshot.live_by_hour
    page.eligible_by_hour = snapshot.eligible_by_hour
    page.enrolled_by_hour = snapshot.enrolled_by_hour
    page.selling = snapshot.figures.selling_creators


def _read_quality(page: CampaignPage, conn) -> None:
    rows = reads.latest_verdicts(conn, page.spec.id)
    moments = reads.run_moments(conn, page.spec.id)
    page.run_moments = {run_id: as_utc_or_none(end) for run_id, end in moments.items()}
    # seen at a pinned now, a batch validated by a later run had not landed yet (the day as it was)
    cutoff = max(page.now, page.as_of) if page.as_of is not None else page.now
    rows = [r for r in rows if page.run_moments.get(r.run_id) is None or page.run_moments[r.run_id] <= cutoff]
    per_dataset: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        per_dataset[row.dataset].append(row)
    for dataset, verdicts_of in sorted(per_dataset.items()):
        failed = [r for r in verdicts_of if not r.success]
        last_failed = max(failed, key=lambda r: as_utc_or_none(r.validated_at)) if failed else None
        page.quality.append(
            DatasetQuality(
                dataset=dataset,
                # trusted or not is the one reading of quality_results (warehouse.metrics.untrusted_datasets)
                verdict="failed" if dataset in page.untrusted else "passed",
                files_checked=len(verdicts_of),
                files_failed=len(failed),
                last_checked=max(as_utc_or_none(r.validated_at) for r in verdicts_of),
                data_as_of=max((page.run_moments[r.run_id] for r in verdicts_of if r.run_id in page.run_moments),
                               default=None),
                failed_expectations=json.loads(last_failed.failed_expectations_json or "[]") if last_failed else [],
            )
        )


def _read_files(page: CampaignPage, conn) -> None:
    page.ingestion = reads.ingestion_totals(conn, page.spec.id)
    files = reads.problem_files(conn, page.spec.id, FILES_SHOWN)
    per_file = reads.quarantine_reasons_of_files(conn, [row.file_id for row in files])
    page.file_problems = [
        FileProblem(
            file_id=row.file_id, dataset=row.dataset, name=Path(row.source_uri).name, status=row.status,
            rows_in=int(row.rows_in or 0), rows_quarantined=int(row.rows_quarantined or 0),
            rejection_reason=row.rejection_reason, ingested_at=as_utc_or_none(row.ingested_at),
            reasons=per_file.get(row.file_id, []), current=bool(row.current),
        )
        for row in files
    ]
    page.reasons = reads.quarantine_reasons(conn, page.spec.id)


def _read_alerts(page: CampaignPage, conn) -> None:
    page.alert_counts = reads.alert_counts(conn, page.spec.id)
    waiting, sent = reads.alerts(conn, page.spec.id, RECENT_ALERTS)
    for rows, into in ((waiting, page.alerts_waiting), (sent, page.alerts_sent)):
        for item in rows:
            for key in ("next_attempt_at", "created_at", "sent_at"):
                item[key] = as_utc_or_none(item[key])
            into.append(item)


def _read_mechanisms(page: CampaignPage, engine: Engine) -> None:
    """The matchmaking list (frozen by BD, else the latest draft) and the traffic spent so far (SPEC 11)."""
    from creator_ops.figures import mechanisms as figures_mechanisms
    from creator_ops.warehouse import mechanisms

    every = mechanisms.lists(engine, page.spec.id)
    page.matchmaking = next((r for r in every if r.state == "frozen"), every[-1] if every else None)
    from creator_ops.figures.snapshot import projection_of, traffic_of

    if page.snapshot is not None and page.snapshot.stored:
        # the run's figures: the traffic spent and its boosted creators' GMV, the live projection (SPEC 12)
        overview, page.projection = traffic_of(page.snapshot), projection_of(page.snapshot)
    else:  # no run stored figures yet: read them now (the line tables, once)
        from creator_ops.warehouse.experiments import latest_projection

        overview = figures_mechanisms.traffic_overview(engine, page.spec) if page.spec.traffic is not None else None
        page.projection = latest_projection(engine, page.spec.id)
    page.traffic = overview if overview is not None and overview.hours else None


def _read_projections_after_the_event(page: CampaignPage, engine: Engine) -> None:
    """Once the event is over (as the page is seen), list the live projections made during it against the final.

    The final is the eligible GMV the predictions were settled with (review stage), else the page's
    figures; before the event ends the page shows only the latest projection, as it was then.
    """
    if page.now < utc(page.spec.timeline.event_end):
        return
    from creator_ops.warehouse.experiments import stored_predictions

    page.projections = [p for p in stored_predictions(engine, page.spec.id, "live_projection") if p.as_of <= page.now]
    settled = next((p.observed_sen for p in page.projections if p.observed_sen is not None), None)
    if settled is not None:
        page.final_eligible_sen = settled
    elif page.snapshot is not None:
        page.final_eligible_sen = page.snapshot.figures.eligible_gmv_sen


def _read_payout_and_last_run(page: CampaignPage, engine: Engine) -> None:
    from creator_ops.warehouse import queries

    status = page.status
    from creator_ops.airflow.ui.overview import payouts_due

    payout = queries.latest_payout(engine, page.spec.id) if payouts_due(page.spec, page.now) else None
    if payout is not None:
        status.payout, status.payout_total_sen, status.payout_creators = payout
    last = queries.last_run(engine, page.spec.id)
    if last is not None:
        status.last_run_phase, status.last_run_at = last


def _progress(page: CampaignPage) -> None:
    """Each figure against its target and its pace, both as of the snapshot's moment (the same instant)."""
    t, targets = page.spec.timeline, page.spec.targets
    snapshot = page.snapshot
    as_of = snapshot.as_of if snapshot is not None else page.now
    figures = snapshot.figures if snapshot is not None else None
    enrolled, live, eligible = (
        (figures.enrolled, figures.live_gmv_sen, figures.eligible_gmv_sen) if figures is not None else (0, 0, 0)
    )
    gmv_target = int(targets.gmv_myr * 100) if targets.gmv_myr is not None else None
    event = (t.event_start, t.event_end)
    page.progress = [
        Progress("enrolled", "Creators enrolled", "creators", enrolled, targets.creators_enrolled,
                 (t.recruitment_opens, t.registration_closes), as_of,
                 "distinct creators registered by registration close"),
        Progress("live_gmv", "Live GMV", "sen", live, gmv_target, event, as_of,
                 "lines placed in the event so far, final or still open, of enrolled creators not excluded: "
                 "what eligible GMV may become"),
        Progress("eligible_gmv", "Eligible GMV", "sen", eligible, gmv_target, event, as_of,
                 "SPEC 5 eligible lines: enrolled in time and not excluded; what payouts count"),
    ]


def campaign_page(spec: CampaignSpec, engine: Engine | None, now: dt.datetime) -> CampaignPage:
    """Read everything the campaign's page shows; a warehouse problem shows on the page, not as an error."""
    # the overview's row without its warehouse figures: the page reads its own, below
    status = campaign_status(spec, None, now)
    status.warehouse_error = None
    page = CampaignPage(spec=spec, status=status, now=now.astimezone(dt.UTC))
    if engine is None:
        page.warehouse_error = "no warehouse configured"
        _progress(page)
        return page
    try:
        _read_figures(page, engine)
        _read_payout_and_last_run(page, engine)
        with engine.connect() as conn:
            _read_quality(page, conn)
            _read_files(page, conn)
            _read_alerts(page, conn)
        _read_mechanisms(page, engine)
        _read_projections_after_the_event(page, engine)
    except SQLAlchemyError as exc:
        page.warehouse_error = f"warehouse not readable: {type(exc).__name__}"
        page.snapshot = None
        _progress(page)
        return page
    _progress(page)
    counts = page.snapshot.funnel if page.snapshot is not None else {}
    # a snapshot stored before the invitation sources were counted has no figure for them: shown as "—", not 0
    page.funnel = [(label, counts.get(key, None if key.startswith("invited_") else 0), what)
                   for key, label, what in FUNNEL]
    return page


# --------------------------------------------------------------------------- timeline


PHASE_COLORS = {
    Phase.RECRUITMENT: "#e0f2fe",
    Phase.PRE_EVENT: "#ede9fe",
    Phase.LIVE: "#bbf7d0",
    Phase.COOLING: "#fef9c3",
    Phase.SETTLEMENT: "#ffedd5",
    Phase.PAYOUT: "#fce7f3",
}


def phase_windows(spec: CampaignSpec) -> list[tuple[Phase, dt.datetime, dt.datetime]]:
    """Return each phase with its [start, end); the payout phase is drawn as its run's day."""
    t = spec.timeline
    bounds = [t.recruitment_opens, t.registration_closes, t.event_start, t.event_end, t.settlement_date,
              t.payout_date, t.payout_date + dt.timedelta(days=1)]
    windows = [(phase, bounds[i], bounds[i + 1]) for i, phase in enumerate(PHASE_ORDER)]
    return [(p, s, e) for p, s, e in windows if e > s]


def timeline_marks(spec: CampaignSpec) -> list[tuple[dt.datetime, str]]:
    """Return the dated points to mark on the timeline (timeline dates, sign-offs, survey closings)."""
    return [(d.when, d.label) for d in deadlines(spec)]


def as_dict(page: CampaignPage) -> dict[str, Any]:
    """Return the page's figures as JSON-safe data (the page's `.json` twin)."""
    def when(value: dt.datetime | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "campaign_id": page.spec.id,
        "name": page.spec.name,
        "dag_id": page.spec.dag_id,
        "now": page.now.isoformat(),
        "as_of": when(page.as_of),
        "as_of_run": page.snapshot.run_id if page.snapshot is not None else None,
        "as_of_local": (page.as_of.astimezone(page.spec.tz).isoformat() if page.as_of else None),
        "timezone": page.spec.timezone,
        "phase": page.phase,
        "next_deadline": (
            {"label": page.status.next_deadline.label, "at": page.status.next_deadline.when.isoformat()}
            if page.status.next_deadline else None
        ),
        "progress": {
            p.key: {"actual": p.actual, "target": p.target, "pace_now": p.pace_now, "verdict": p.verdict,
                    "needed_rate": p.needed_rate, "rate_unit": p.rate_unit, "unit": p.unit}
            for p in page.progress
        },
        "funnel": {label: count for label, count, _ in page.funnel},
        "figures": (
            {"enrolled": page.snapshot.figures.enrolled, "eligible_gmv_sen": page.snapshot.figures.eligible_gmv_sen,
             "eligible_lines": page.snapshot.figures.eligible_lines,
             "selling_creators": page.snapshot.figures.selling_creators,
             "live_gmv_sen": page.snapshot.figures.live_gmv_sen, "survey_responses": page.snapshot.survey_responses}
            if page.snapshot is not None else None
        ),
        "quality": [
            {"dataset": q.dataset, "verdict": q.verdict, "files_checked": q.files_checked,
             "files_failed": q.files_failed, "last_checked": when(q.last_checked),
             "failed_expectations": [e.get("name") for e in q.failed_expectations]}
            for q in page.quality
        ],
        "ingestion": page.ingestion,
        "quarantine_reasons": [
            {"dataset": d, "reason": r, "field": f, "rows": n} for d, r, f, n in page.reasons
        ],
        "files": [
            {"file_id": p.file_id, "dataset": p.dataset, "name": p.name, "status": p.status, "rows_in": p.rows_in,
             "rows_quarantined": p.rows_quarantined, "rejection_reason": p.rejection_reason, "current": p.current}
            for p in page.file_problems
        ],
        "alerts": {"counts": page.alert_counts, "waiting": len(page.alerts_waiting)},
        "payout": {"state": page.status.payout, "total_sen": page.status.payout_total_sen,
                   "creators": page.status.payout_creators},
        "matchmaking": (
            {"state": page.matchmaking.state, "pairs": page.matchmaking.pairs,
             "total_value_sen": page.matchmaking.total_value_sen, "run_id": page.matchmaking.run_id}
            if page.matchmaking else None
        ),
        "traffic": (
            {"budget_sen": page.traffic.budget_sen, "spent_sen": page.traffic.spent_sen, "hours": page.traffic.hours,
             "boosted_creators": page.traffic.boosted_creators, "expected_gmv_sen": page.traffic.expected_gmv_sen,
             "actual_gmv_sen": page.traffic.actual_gmv_sen}
            if page.traffic else None
        ),
        "warehouse_error": page.warehouse_error,
    }
