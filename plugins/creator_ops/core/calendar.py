"""The campaign calendar: which runs a campaign has, and which phase each run is in.

Cadence (SPEC section 7): daily from `recruitment_opens` to `event_start`, hourly during
the event, daily until `settlement_date`, daily through settlement, and one run on
`payout_date`. A run's phase is decided by the start of its data interval.
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from typing import TYPE_CHECKING

from creator_ops.core.spec import Timeline
from creator_ops.core.times import utc

if TYPE_CHECKING:
    from creator_ops.core.spec import CampaignSpec

DAY = dt.timedelta(days=1)
HOUR = dt.timedelta(hours=1)


class Phase(StrEnum):
    """Where a campaign stands; ordered as they happen."""

    RECRUITMENT = "recruitment"
    PRE_EVENT = "pre_event"
    LIVE = "live"
    COOLING = "cooling"
    SETTLEMENT = "settlement"
    PAYOUT = "payout"


PHASE_ORDER = list(Phase)


def phase_at(timeline: Timeline, moment: dt.datetime) -> Phase | None:
    """Return the phase at `moment`, or None before recruitment opens."""
    if moment < timeline.recruitment_opens:
        return None
    if moment <= timeline.registration_closes and moment < timeline.event_start:
        return Phase.RECRUITMENT
    if moment < timeline.event_start:
        return Phase.PRE_EVENT
    if moment < timeline.event_end:
        return Phase.LIVE
    if moment < timeline.settlement_date:
        return Phase.COOLING
    if moment < timeline.payout_date:
        return Phase.SETTLEMENT
    return Phase.PAYOUT


def next_phase_boundary(timeline: Timeline, moment: dt.datetime) -> dt.datetime | None:
    """Return the first timeline date strictly after `moment` where the phase changes (None after payout)."""
    bounds = sorted(
        (timeline.registration_closes, timeline.event_start, timeline.event_end,
         timeline.settlement_date, timeline.payout_date)
    )
    return next((b for b in bounds if b > moment), None)


def signoff_deadline(timeline: Timeline, opened: dt.datetime, respond_by: dt.datetime | None) -> dt.datetime:
    """Return when an unanswered sign-off opened at `opened` escalates: `respond_by`, else the next phase boundary.

    A sign-off opened after the last boundary (the payout date) gets one day.
    """
    if respond_by is not None:
        return respond_by
    return next_phase_boundary(timeline, opened) or opened + DAY


@dataclass(frozen=True)
class CampaignRun:
    """One scheduled run: its data interval and phase."""

    start: dt.datetime
    end: dt.datetime
    phase: Phase

    @property
    def run_after(self) -> dt.datetime:
        return self.end


def _steps(start: dt.datetime, stop: dt.datetime, step: dt.timedelta) -> list[dt.datetime]:
    """Return start, start+step, ... strictly before stop, in wall-clock steps of `start`'s zone."""
    points = []
    current = start
    while current < stop:
        points.append(current)
        # wall-clock arithmetic on aware datetimes keeps local midnight across DST zones
        current = current + step
    return points


@dataclass(frozen=True)
class CampaignCalendar:
    """Every run of a campaign, computed once from its timeline."""

    timeline: Timeline

    @cached_property
    def runs(self) -> list[CampaignRun]:
        t = self.timeline
        starts = (
            _steps(t.recruitment_opens, t.event_start, DAY)
            + _steps(t.event_start, t.event_end, HOUR)
            + _steps(t.event_end, t.settlement_date, DAY)
            + _steps(t.settlement_date, t.payout_date, DAY)
        )
        bounds = starts + [t.payout_date]
        phases = self._phases_by_position(starts)
        runs = [
            CampaignRun(start, end, phase)
            for start, end, phase in zip(bounds, bounds[1:], phases, strict=False)
        ]
        runs.append(CampaignRun(t.payout_date, t.payout_date, Phase.PAYOUT))
        return runs

    def _phases_by_position(self, starts: list[dt.datetime]) -> list[Phase]:
        # the starts are sorted, so phases change at most five times: walk them once
        t = self.timeline
        recruitment_end = min(t.event_start, t.registration_closes + dt.timedelta(microseconds=1))
        limits = [
            (recruitment_end, Phase.RECRUITMENT),
            (t.event_start, Phase.PRE_EVENT),
            (t.event_end, Phase.LIVE),
            (t.settlement_date, Phase.COOLING),
            (t.payout_date, Phase.SETTLEMENT),
        ]
        phases, index = [], 0
        for start in starts:
            while index < len(limits) and start >= limits[index][0]:
                index += 1
            phases.append(limits[index][1] if index < len(limits) else Phase.PAYOUT)
        return phases

    @cached_property
    def _starts_utc(self) -> list[dt.datetime]:
        return [r.start.astimezone(dt.UTC) for r in self.runs]

    def phase_of(self, interval_start: dt.datetime) -> Phase:
        """Return the phase of the run whose data interval starts at `interval_start`."""
        return phase_at(self.timeline, interval_start) or Phase.RECRUITMENT

    def next_run(
        self, after: dt.datetime | None = None, earliest: dt.datetime | None = None
    ) -> CampaignRun | None:
        """Return the first run starting strictly after `after` and at or after `earliest`."""
        index = 0
        if after is not None:
            index = bisect.bisect_right(self._starts_utc, after.astimezone(dt.UTC))
        if earliest is not None:
            index = max(index, bisect.bisect_left(self._starts_utc, earliest.astimezone(dt.UTC)))
        return self.runs[index] if index < len(self.runs) else None

    def run_containing(self, moment: dt.datetime) -> CampaignRun:
        """Return the run whose interval contains `moment` (clamped to the first and last run)."""
        utc = moment.astimezone(dt.UTC)
        index = bisect.bisect_right(self._starts_utc, utc) - 1
        return self.runs[max(0, min(index, len(self.runs) - 1))]

    def phase_counts(self) -> dict[Phase, int]:
        counts = dict.fromkeys(Phase, 0)
        for run in self.runs:
            counts[run.phase] += 1
        return counts


# --------------------------------------------------------------------------- dated points


@dataclass(frozen=True)
class Deadline:
    """A dated point of the campaign: a timeline date, a runbook sign-off or a survey closing."""

    label: str
    when: dt.datetime


def deadlines(spec: CampaignSpec) -> list[Deadline]:
    """Return every dated point of the campaign, in time order."""
    labels = {
        "recruitment_opens": "Recruitment opens",
        "registration_closes": "Registration closes",
        "event_start": "Event starts",
        "event_end": "Event ends",
        "settlement_date": "Settlement (return window over)",
        "payout_date": "Payout export",
    }
    points = [Deadline(labels[name], when) for name, when in spec.timeline.as_dict().items()]
    points += [Deadline(f"Sign-off: {step.title}", spec.when(step.due)) for step in spec.runbook]
    points += [Deadline(f"Survey closes: {survey.title}", spec.when(survey.closes)) for survey in spec.surveys]
    return sorted(points, key=lambda d: utc(d.when))


def next_deadline(spec: CampaignSpec, now: dt.datetime) -> Deadline | None:
    """Return the first dated point strictly after `now`, or None when the campaign is over."""
    return next((d for d in deadlines(spec) if utc(d.when) > utc(now)), None)


def phase_label(spec: CampaignSpec, now: dt.datetime) -> str:
    """Return the campaign's phase at `now` ("not started" before recruitment opens)."""
    phase = phase_at(spec.timeline, now.astimezone(spec.tz))
    return str(phase) if phase is not None else "not started"
