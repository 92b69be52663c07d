"""Campaign cadence and phases: month ends, the event's hours, settlement and the payout run."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from creator_ops.core.calendar import CampaignCalendar, Phase, phase_at
from creator_ops.core.spec import parse_spec

MYT = ZoneInfo("Asia/Kuala_Lumpur")


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=MYT)


@pytest.fixture
def payday():
    # recruitment crosses the Dec/Jan month and year end; the event spans Jan 25-27
    return parse_spec({"id": "p", "name": "P", "type": "payday", "timeline": {"event_start": dt.date(2027, 1, 25)}})


def test_run_counts_per_phase(payday):
    counts = CampaignCalendar(payday.timeline).phase_counts()
    # Jan 11..Jan 24: 14 daily runs; registration closes Jan 23 23:59:59
    assert counts[Phase.RECRUITMENT] == 13
    assert counts[Phase.PRE_EVENT] == 1
    assert counts[Phase.LIVE] == 72  # 3 event days, hourly
    assert counts[Phase.COOLING] == 15
    assert counts[Phase.SETTLEMENT] == 5
    assert counts[Phase.PAYOUT] == 1


def test_runs_are_contiguous_and_local_midnight(payday):
    runs = CampaignCalendar(payday.timeline).runs
    for before, after in zip(runs, runs[1:-1], strict=False):
        assert before.end == after.start
    assert runs[0].start == at(2027, 1, 11)
    daily = [r for r in runs if r.phase in (Phase.RECRUITMENT, Phase.COOLING)]
    assert all(r.start.astimezone(MYT).time() == dt.time() for r in daily)
    assert runs[-1].start == runs[-1].end == at(2027, 2, 17)


def test_event_hours_cover_the_window_exactly(payday):
    live = [r for r in CampaignCalendar(payday.timeline).runs if r.phase == Phase.LIVE]
    assert live[0].start == at(2027, 1, 25) and live[0].end == at(2027, 1, 25, 1)
    assert live[-1].start == at(2027, 1, 27, 23) and live[-1].end == at(2027, 1, 28)
    # in UTC the first live hour starts the evening before
    assert live[0].start.astimezone(dt.UTC) == dt.datetime(2027, 1, 24, 16, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("moment", "phase"),
    [
        (at(2027, 1, 10, 23, 59), None),
        (at(2027, 1, 11), Phase.RECRUITMENT),
        (at(2027, 1, 23, 23, 59, 59), Phase.RECRUITMENT),
        (at(2027, 1, 24), Phase.PRE_EVENT),
        (at(2027, 1, 24, 23, 59, 59), Phase.PRE_EVENT),
        (at(2027, 1, 25), Phase.LIVE),
        (at(2027, 1, 27, 23, 59, 59), Phase.LIVE),
        (at(2027, 1, 28), Phase.COOLING),
        (at(2027, 2, 11, 23), Phase.COOLING),
        (at(2027, 2, 12), Phase.SETTLEMENT),
        (at(2027, 2, 17), Phase.PAYOUT),
    ],
)
def test_phase_boundaries(payday, moment, phase):
    assert phase_at(payday.timeline, moment) == phase


def test_month_end_double_digit():
    spec = parse_spec({"id": "d", "name": "D", "type": "double_digit", "timeline": {"event_start": dt.date(2026, 12, 12)}})
    runs = CampaignCalendar(spec.timeline).runs
    starts = [r.start for r in runs if r.phase in (Phase.RECRUITMENT, Phase.PRE_EVENT)]
    assert at(2026, 11, 30) in starts and at(2026, 12, 1) in starts
    assert len(starts) == 21
    settlement = [r for r in runs if r.phase == Phase.SETTLEMENT]
    assert [r.start.date() for r in settlement][-1] == dt.date(2027, 1, 1)  # crosses the year
    assert runs[-1].phase == Phase.PAYOUT and runs[-1].start == at(2027, 1, 2)


def test_next_run_and_run_containing(payday):
    cal = CampaignCalendar(payday.timeline)
    first = cal.next_run()
    assert first.start == at(2027, 1, 11)
    second = cal.next_run(after=first.start)
    assert second.start == at(2027, 1, 12)
    assert cal.next_run(earliest=at(2027, 1, 25, 0, 30)).start == at(2027, 1, 25, 1)
    assert cal.run_containing(at(2027, 1, 25, 0, 30)).start == at(2027, 1, 25)
    assert cal.next_run(after=cal.runs[-1].start) is None


@pytest.mark.parametrize("campaign_type", ["double_digit", "payday", "scd", "linkshare"])
def test_every_run_phase_agrees_with_phase_at(campaign_type):
    start = dt.date(2026, 12, 12) if campaign_type == "double_digit" else dt.date(2027, 1, 25)
    spec = parse_spec({"id": "x", "name": "X", "type": campaign_type, "timeline": {"event_start": start}})
    for run in CampaignCalendar(spec.timeline).runs:
        assert run.phase == phase_at(spec.timeline, run.start), run
