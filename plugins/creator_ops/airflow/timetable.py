"""`CampaignTimetable`: the campaign's cadence as an Airflow timetable (registered by the plugin)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pendulum
from airflow.timetables.base import DagRunInfo, DataInterval, TimeRestriction, Timetable

from creator_ops.core.calendar import CampaignCalendar, CampaignRun
from creator_ops.core.spec import TIMELINE_FIELDS, Timeline


def _pendulum(value: dt.datetime) -> pendulum.DateTime:
    return pendulum.instance(value.astimezone(dt.UTC))


class CampaignTimetable(Timetable):
    """Daily during recruitment, hourly during the event, daily to settlement, once at payout."""

    def __init__(self, timeline: Timeline) -> None:
        self.timeline = timeline
        self.calendar = CampaignCalendar(timeline)
        tz = timeline.event_start.tzinfo
        counts = self.calendar.phase_counts()
        self.description = (
            f"Campaign cadence ({tz}): {counts['recruitment'] + counts['pre_event']} daily runs from "
            f"{timeline.recruitment_opens:%Y-%m-%d}, {counts['live']} hourly during the event from "
            f"{timeline.event_start:%Y-%m-%d %H:%M}, {counts['cooling'] + counts['settlement']} daily "
            f"to payout, payout on {timeline.payout_date:%Y-%m-%d}"
        )

    @property
    def summary(self) -> str:
        return f"Campaign: {self.timeline.event_start:%Y-%m-%d} event, {len(self.calendar.runs)} runs"

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

    def serialize(self) -> dict[str, Any]:
        return {name: getattr(self.timeline, name).isoformat() for name in TIMELINE_FIELDS} | {
            "timezone": str(self.timeline.event_start.tzinfo)
        }

    @classmethod
    def deserialize(cls, data: dict[str, Any]) -> CampaignTimetable:
        from zoneinfo import ZoneInfo

        tz = ZoneInfo(data["timezone"])
        values = {name: dt.datetime.fromisoformat(data[name]).astimezone(tz) for name in TIMELINE_FIELDS}
        return cls(Timeline(**values))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CampaignTimetable) and self.serialize() == other.serialize()

    def __hash__(self) -> int:
        return hash(tuple(sorted(self.serialize().items())))
