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


def test_run_ids_say_the_phase_and_the_local_start_of_the_interval(timetable):
    from airflow.utils.types import DagRunType

    restriction = TimeRestriction(None, None, catchup=True)
    last, ids = None, []
    while (info := timetable.next_dagrun_info(last_automated_data_interval=last, restriction=restriction)):
        ids.append(timetable.generate_run_id(run_type=DagRunType.SCHEDULED, run_after=info.run_after,
                                             data_interval=info.data_interval))
        last = info.data_interval
    assert ids[0] == "recruitment__2027-02-21T00:00+08:00"
    assert "live__2027-03-03T16:00+08:00" in ids  # the event hour 16:00-17:00 in Kuala Lumpur
    assert ids[-1].startswith("payout__")
    assert len(set(ids)) == len(ids)  # one name per interval
    # the ids pass Airflow's own run id check for user-given ids
    import re

    from airflow.configuration import conf

    pattern = re.compile(conf.get("scheduler", "allowed_run_id_pattern", fallback=r"^[A-Za-z0-9_.~:+-]+$"))
    assert all(pattern.match(run_id) for run_id in ids)


def test_a_manual_run_keeps_its_prefix_and_trigger_time(timetable):
    from airflow.utils.types import DagRunType

    after = pendulum.datetime(2027, 3, 3, 8, 30, tz="UTC")  # 16:30 MYT, in the event
    interval = timetable.infer_manual_data_interval(run_after=after)
    run_id = timetable.generate_run_id(run_type=DagRunType.MANUAL, run_after=after, data_interval=interval)
    assert run_id == "manual__live__2027-03-03T16:00+08:00__at_2027-03-03T08:30:00Z"
    backfill = timetable.generate_run_id(run_type=DagRunType.BACKFILL_JOB, run_after=after, data_interval=interval)
    assert backfill == "backfill__live__2027-03-03T16:00+08:00"


def test_the_serialized_timetable_names_runs_too(timetable):
    from airflow.utils.types import DagRunType

    again = CampaignTimetable.deserialize(timetable.serialize())  # what the scheduler holds
    interval = DataInterval(pendulum.datetime(2027, 3, 3, 8, tz="UTC"), pendulum.datetime(2027, 3, 3, 9, tz="UTC"))
    kwargs = {"run_type": DagRunType.SCHEDULED, "run_after": interval.end, "data_interval": interval}
    assert again.generate_run_id(**kwargs) == timetable.generate_run_id(**kwargs) == "live__2027-03-03T16:00+08:00"
