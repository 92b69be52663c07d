"""Milestone evaluation against metrics: exact thresholds, time windows, deterministic keys."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from creator_ops.core.milestones import (
    CampaignMetrics,
    evaluate_milestones,
    percent,
    target_value,
    threshold,
)
from creator_ops.core.spec import parse_spec

MYT = dt.timezone(dt.timedelta(hours=8))


def _spec(**extra):
    data = {
        "id": "my_1212_2026",
        "name": "12.12",
        "type": "double_digit",
        "timeline": {"event_start": dt.date(2026, 12, 12)},
        "targets": {"creators_enrolled": 3000, "gmv_myr": Decimal("5000000"), "survey_responses": 3},
        "milestones": [
            {"metric": "creators_enrolled", "fractions": [Decimal("0.5"), Decimal("1.0")]},
            {"metric": "gmv_myr", "fractions": [Decimal("0.25"), Decimal("0.333")]},
            {"metric": "survey_responses", "fractions": [Decimal("0.5")]},
            {"before": "registration_closes", "hours": 48},
        ],
        **extra,
    }
    return parse_spec(data, "test.yaml")


def _metrics(enrolled=0, gmv_sen=0, responses=0):
    return CampaignMetrics(dt.datetime(2026, 12, 1, tzinfo=dt.UTC), enrolled, gmv_sen, responses)


def _reached(statuses):
    return {s.key for s in statuses if s.reached}


RECRUITMENT_DAY = (dt.datetime(2026, 11, 30, tzinfo=MYT), dt.datetime(2026, 12, 1, tzinfo=MYT))


def test_thresholds_are_exact_and_round_up():
    assert threshold(3000, Decimal("0.5")) == 1500
    assert threshold(3, Decimal("0.5")) == 2  # 1.5 responses: needs 2
    assert threshold(500_000_000, Decimal("0.333")) == 166_500_000
    assert threshold(7, Decimal("0.1")) == 1
    assert target_value(_spec(), "gmv_myr") == 500_000_000  # sen


def test_metric_milestones_reached_only_at_or_above_threshold():
    spec = _spec()
    below = evaluate_milestones(spec, _metrics(1499, 124_999_999, 1), since=RECRUITMENT_DAY[0],
                                until=RECRUITMENT_DAY[1])
    assert _reached(below) == set()
    at = evaluate_milestones(spec, _metrics(1500, 125_000_000, 2), since=RECRUITMENT_DAY[0], until=RECRUITMENT_DAY[1])
    assert _reached(at) == {
        "milestone:my_1212_2026:creators_enrolled:0.5",
        "milestone:my_1212_2026:gmv_myr:0.25",
        "milestone:my_1212_2026:survey_responses:0.5",
    }
    gmv = next(s.alert for s in at if s.key.endswith("gmv_myr:0.25"))
    assert gmv.data["value_display"] == "RM 1,250,000.00"
    assert gmv.data["threshold_display"] == "RM 1,250,000.00"


def test_a_milestone_without_target_is_never_reached():
    spec = _spec(targets={"creators_enrolled": 3000})
    statuses = evaluate_milestones(spec, _metrics(10**6, 10**12, 10**6), since=RECRUITMENT_DAY[0],
                                   until=RECRUITMENT_DAY[1])
    assert not any(s.reached for s in statuses if "gmv_myr" in s.key or "survey" in s.key)
    assert any("no target" in s.description for s in statuses)


def test_time_milestone_is_due_only_in_the_run_reaching_its_moment():
    spec = _spec()
    # registration closes Wed 9 Dec 23:59:59 MYT; 48 h before is Mon 7 Dec 23:59:59 MYT
    key = "time_milestone:my_1212_2026:registration_closes:48h"
    day = dt.timedelta(days=1)
    due_run = (dt.datetime(2026, 12, 7, tzinfo=MYT), dt.datetime(2026, 12, 8, tzinfo=MYT))
    statuses = evaluate_milestones(spec, _metrics(1200), since=due_run[0], until=due_run[1])
    alert = next(s.alert for s in statuses if s.key == key)
    assert alert is not None and alert.data["enrollment_share_pct"] == "40%"
    before = evaluate_milestones(spec, _metrics(1200), since=due_run[0] - day, until=due_run[1] - day)
    assert key not in _reached(before)
    # runs after the due moment but before the deadline still raise it (the key keeps it to one alert)
    later = evaluate_milestones(spec, _metrics(1200), since=due_run[0] + day, until=due_run[1] + day)
    assert key in _reached(later)
    after_close = evaluate_milestones(spec, _metrics(1200), since=due_run[0] + 3 * day, until=due_run[1] + 3 * day)
    assert key not in _reached(after_close)


def test_percent_never_overstates():
    assert percent(1, 3) == "33.3%"
    assert percent(2, 3) == "66.6%"
    assert percent(1500, 3000) == "50%"
    assert percent(1, 0) == "n/a"
