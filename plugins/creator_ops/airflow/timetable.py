"""`CampaignTimetable`: the campaign's cadence as an Airflow timetable (registered by the plugin)."""

from __future__ import annotations

import datetime as dt
from functools import cached_property
from typing import Any

import pendulum
from airflow.timetables.base import DagRunInfo, DataInterval, TimeRestriction, Timetable

from creator_ops.core.calendar import CampaignCalendar, CampaignRun
from creator_ops.core.spec import TIMELINE_FIELDS, Timeline


def _ceil(span: dt.timedelta, step: dt.timedelta) -> int:
    return max(0, -(-span // step))


def _ceil_days(span: dt.timedelta) -> int:
    return _ceil(span, dt.timedelta(days=1))


def _pendulum(value: dt.datetime) -> pendulum.DateTime:
    return pendulum.instance(value.astimezone(dt.UTC))


class CampaignTimetable(Timetable):
    """Daily during recruitment, hourly during the event, daily to settlement, once at payout."""

    def __init__(self, timeline: Timeline) -> None:
        self.timeline = timeline
        t = timeline
        # counted from the timeline directly: building every run at parse time costs too much
        daily_before = _ceil_days(t.event_start - t.recruitment_opens)
        hourly = _ceil(t.event_end - t.event_start, dt.timedelta(hours=1))
        daily_after = _ceil_days(t.payout_date - t.event_end)
        self.description = (
            f"Campaign cadence ({t.event_start.tzinfo}): {daily_before} daily runs from "
            f"{t.recruitment_opens:%Y-%m-%d}, {hourly} hourly during the event from "
            f"{t.event_start:%Y-%m-%d %H:%M}, {daily_after} daily to payout, payout on {t.payout_date:%Y-%m-%d}"
        )
        self._summary = f"Campaign: {t.event_start:%Y-%m-%d} event, {daily_before + hourly + daily_after + 1} runs"
        self._serialized: dict[str, Any] | None = None
        self._hash: int | None = None

    @cached_property
    def calendar(self) -> CampaignCalendar:
        return CampaignCalendar(self.timeline)

    @property
    def summary(self) -> str:
        return self._summary

    def _info(self, run: CampaignRun) -> DagRunInfo:
        if run.start == run.end:
            return DagRunInfo.exact(_pendulum(run.start))
        return DagRunInfo.interval(_pendulum(run.start), _pendulum(run.end))

    def next_dagrun_info(
        self,
        *,
        last_automated_data_interval: DataInterval | None,
        restriction: TimeRestriction,
    ) -> DagRunInfo | None:
        after = last_automated_data_interval.start if last_automated_data_interval else None
        earliest = restriction.earliest
        if not restriction.catchup:
            now = pendulum.now("UTC")
            # without catchup, start with the run in progress now rather than old ones
            current = self.calendar.run_containing(now)
            earliest = max(x for x in (earliest, _pendulum(current.start)) if x is not None)
        run = self.calendar.next_run(after=after, earliest=earliest)
        if run is None:
            return None
        info = self._info(run)
        if restriction.latest is not None and info.data_interval.start > restriction.latest:
            return None
        return info

    def infer_manual_data_interval(self, *, run_after: dt.datetime) -> DataInterval:
        run = self.calendar.run_containing(run_after)
        return DataInterval(_pendulum(run.start), _pendulum(run.end))

    def generate_run_id(
        self, *, run_type: Any, run_after: dt.datetime, data_interval: DataInterval | None, **extra: Any
    ) -> str:
        """Name a run by its phase and the campaign-local start of its interval: `live__2026-12-12T16:00+08:00`.

        Scheduled runs (one per interval) get exactly that; other run types keep their prefix
        and, for manual runs (several may cover one interval), the moment they were triggered.
        """
        start = data_interval.start if data_interval is not None else self.calendar.run_containing(run_after).start
        local = start.astimezone(self.timeline.event_start.tzinfo)
        name = f"{self.calendar.phase_of(local)}__{local.isoformat(timespec='minutes')}"
        kind = str(getattr(run_type, "value", run_type))
        if kind == "scheduled":
            return name
        if kind == "manual":
            return f"manual__{name}__at_{run_after.astimezone(dt.UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}"
        return f"{kind}__{name}"

    def serialize(self) -> dict[str, Any]:
        if self._serialized is None:
            self._serialized = {name: getattr(self.timeline, name).isoformat() for name in TIMELINE_FIELDS} | {
                "timezone": str(self.timeline.event_start.tzinfo)
            }
        return dict(self._serialized)

    @classmethod
    def deserialize(cls, data: dict[str, Any]) -> CampaignTimetable:
        from zoneinfo import ZoneInfo

        tz = ZoneInfo(data["timezone"])
        values = {name: dt.datetime.fromisoformat(data[name]).astimezone(tz) for name in TIMELINE_FIELDS}
        return cls(Timeline(**values))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CampaignTimetable) and self.serialize() == other.serialize()

    def __hash__(self) -> int:
        # DAG.__hash__ hashes its schedule, and building a DAG hashes the DAG once per edge set:
        # computed once (the timeline never changes), not from a fresh serialization each time
        if self._hash is None:
            self._hash = hash(tuple(sorted(self.serialize().items())))
        return self._hash
