"""`CampaignTimetable` as Airflow sees it: scheduling, manual runs and serialization."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pendulum
import pytest
from airflow.timetables.base import DataInterval, TimeRestriction

from creator_ops.airflow.timetable import CampaignTimetable
from creator_ops.core.spec import parse_spec

MYT = ZoneInfo("Asia/Kuala_Lumpur")


@pytest.fixture
def timetable():
    spec = parse_spec({"id": "s", "name": "S", "type": "scd", "timeline": {"event_start": dt.date(2027, 3, 3)}})
    return CampaignTimetable(spec.timeline)


def test_first_run_is_recruitment_opens(timetable):
    info = timetable.next_dagrun_info(
        last_automated_data_interval=None, restriction=TimeRestriction(None, None, catchup=True)
    )
    assert info.data_interval.start == pendulum.datetime(2027, 2, 20, 16, tz="UTC")  # 21 Feb 00:00 MYT
    assert info.run_after == pendulum.datetime(2027, 2, 21, 16, tz="UTC")


def test_walks_the_whole_campaign(timetable):
    restriction = TimeRestriction(None, None, catchup=True)
    last, infos = None, []
    while (info := timetable.next_dagrun_info(last_automated_data_interval=last, restriction=restriction)):
        infos.append(info)
        last = info.data_interval
    assert len(infos) == len(timetable.calendar.runs) == 10 + 24 + 15 + 5 + 1
    assert infos[-1].data_interval.start == infos[-1].data_interval.end  # the payout run is exact
    assert all(a.data_interval.start < b.data_interval.start for a, b in zip(infos, infos[1:], strict=False))


def test_latest_restriction_and_manual_interval(timetable):
    latest = pendulum.datetime(2027, 2, 19, tz="UTC")
    assert timetable.next_dagrun_info(
        last_automated_data_interval=None, restriction=TimeRestriction(None, latest, catchup=True)
    ) is None
    interval = timetable.infer_manual_data_interval(run_after=pendulum.datetime(2027, 3, 3, 5, 30, tz="Asia/Kuala_Lumpur"))
    assert interval == DataInterval(
        pendulum.datetime(2027, 3, 2, 21, tz="UTC"), pendulum.datetime(2027, 3, 2, 22, tz="UTC")
    )


def test_serialization_round_trip(timetable):
    again = CampaignTimetable.deserialize(timetable.serialize())
    assert again == timetable
    assert again.summary == timetable.summary
    assert "hourly" in timetable.description
