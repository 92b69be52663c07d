"""Campaign spec validation: templates, overrides, exact decimals and errors naming file and field."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from repo_paths import DEMO_SPEC, ROOT
from repo_paths import SPEC_FIXTURES as FIXTURES

from creator_ops.core.spec import SpecError, discover_specs, load_spec, parse_spec

MYT = ZoneInfo("Asia/Kuala_Lumpur")


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=MYT)


def minimal(**overrides):
    data = {"id": "c1", "name": "C1", "type": "scd", "timeline": {"event_start": dt.date(2027, 3, 3)}}
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("campaign_type", "start", "expected"),
    [
        (
            "double_digit",
            dt.date(2026, 11, 11),
            dict(
                recruitment_opens=at(2026, 10, 21),
                registration_closes=at(2026, 11, 8, 23, 59, 59),
                event_end=at(2026, 11, 12),
                settlement_date=at(2026, 11, 27),
                payout_date=at(2026, 12, 2),
            ),
        ),
        (
            "payday",
            dt.date(2027, 1, 25),
            dict(
                recruitment_opens=at(2027, 1, 11),
                registration_closes=at(2027, 1, 23, 23, 59, 59),
                event_end=at(2027, 1, 28),
                settlement_date=at(2027, 2, 12),
                payout_date=at(2027, 2, 17),
            ),
        ),
        (
            "scd",
            dt.date(2027, 3, 1),
            dict(
                recruitment_opens=at(2027, 2, 19),
                registration_closes=at(2027, 2, 28, 23, 59, 59),
                event_end=at(2027, 3, 2),
                settlement_date=at(2027, 3, 17),
                payout_date=at(2027, 3, 22),
            ),
        ),
        (
            "linkshare",
            dt.date(2027, 2, 1),
            dict(
                recruitment_opens=at(2027, 1, 25),
                registration_closes=at(2027, 2, 7, 23, 59, 59),
                event_end=at(2027, 2, 8),
                settlement_date=at(2027, 2, 23),
                payout_date=at(2027, 2, 28),
            ),
        ),
    ],
)
def test_templates_derive_the_timeline(campaign_type, start, expected):
    spec = parse_spec(minimal(type=campaign_type, timeline={"event_start": start}))
    assert spec.timeline.event_start == dt.datetime.combine(start, dt.time(), MYT)
    for name, value in expected.items():
        assert getattr(spec.timeline, name) == value, name
    assert spec.dag_id == "campaign__c1"


def test_overrides_win_over_the_template():
    spec = load_spec(FIXTURES / "valid" / "payday_overrides.yaml")
    assert spec.timeline.registration_closes == at(2027, 5, 24, 12)
    assert spec.timeline.payout_date == at(2027, 6, 20)
    assert spec.timeline.settlement_date == at(2027, 6, 12)  # still derived


def test_custom_campaign_and_exact_decimals():
    spec = load_spec(FIXTURES / "valid" / "custom_full.yaml")
    assert spec.timeline.event_start == at(2027, 4, 12, 20)
    assert spec.incentives.commission_bonus.rate == Decimal("0.045")
    assert isinstance(spec.incentives.budget_myr, Decimal)
    assert spec.incentives.budget_myr == Decimal("1000.50")
    # the classic float trap: 1018.00 x 0.045 must be exactly 45.81
    assert Decimal("1018.00") * spec.incentives.commission_bonus.rate == Decimal("45.81000")


def test_offsets_in_timestamps_are_respected():
    spec = parse_spec(minimal(timeline={"event_start": "2027-03-03T12:00:00+00:00"}))
    assert spec.timeline.event_start == at(2027, 3, 3, 20)


def test_demo_specs_are_valid_and_one_per_type():
    collection = discover_specs(ROOT / "include" / "campaigns")
    assert not collection.errors
    assert {s.type for _, s in collection.specs} == {"double_digit", "payday", "scd", "linkshare"}


def test_runbook_due_resolves_relative_to_timeline():
    spec = load_spec(DEMO_SPEC)
    step = spec.runbook[0]
    assert spec.when(step.due) == at(2026, 12, 7)
    assert spec.when("event_end + 7d") == at(2026, 12, 20)


@pytest.mark.parametrize(
    ("fixture", "field", "fragment"),
    [
        ("unknown_key.yaml", "targets.creators_enroled", "unknown key"),
        ("prizes_over_budget.yaml", "incentives", "more than budget_myr"),
        ("impossible_timeline.yaml", "timeline.event_end", "must be after event_start"),
        ("wrong_type.yaml", "targets.creators_enrolled", "integer"),
        ("not_yaml.yaml", "line", "invalid YAML"),
        ("double_digit_not_double.yaml", "timeline.event_start", "equal to its month"),
        ("custom_missing_dates.yaml", "timeline", "missing: recruitment_opens"),
        ("bad_runbook_due.yaml", "runbook[0].due", "launch_day"),
    ],
)
def test_invalid_specs_name_file_and_field(fixture, field, fragment):
    path = FIXTURES / "invalid" / fixture
    with pytest.raises(SpecError) as info:
        load_spec(path)
    problems = info.value.problems
    assert all(p.file == str(path) for p in problems)
    assert any(p.field.startswith(field) and fragment in p.message for p in problems), problems


def test_every_problem_is_reported_at_once():
    with pytest.raises(SpecError) as info:
        parse_spec(
            {
                "id": "Bad Id",
                "name": "x",
                "type": "double_digit",
                "timeline": {"event_start": dt.date(2026, 11, 12)},
                "surprise": 1,
            },
            "f.yaml",
        )
    fields = {p.field for p in info.value.problems}
    assert {"id", "surprise", "timeline.event_start"} <= fields


def test_duplicate_ids_and_broken_files_do_not_hide_others(tmp_path):
    good = (ROOT / "include" / "campaigns" / "my_scd_raya_2027.yaml").read_text()
    (tmp_path / "a.yaml").write_text(good)
    (tmp_path / "b.yaml").write_text(good)
    (tmp_path / "c.yaml").write_text("id: [")
    collection = discover_specs(tmp_path)
    assert [p.name for p, _ in collection.specs] == ["a.yaml"]
    errors = {p.name: str(e) for p, e in collection.errors}
    assert "duplicate campaign id" in errors["b.yaml"] and "c.yaml" in errors["c.yaml"]


def test_yaml_duplicate_keys_are_errors(tmp_path):
    path = tmp_path / "dup.yaml"
    path.write_text("id: a\nid: b\nname: x\ntype: scd\ntimeline: {event_start: 2027-03-03}\n")
    with pytest.raises(SpecError, match="duplicate key"):
        load_spec(path)


def _campaignctl(*args: str) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("campaignctl")
    return subprocess.run([str(exe), *args], capture_output=True, text=True, timeout=60)


def test_campaignctl_validate_exit_codes():
    ok = _campaignctl("validate", *map(str, sorted((ROOT / "include" / "campaigns").glob("*.yaml"))))
    assert ok.returncode == 0, ok.stderr
    bad = _campaignctl("validate", str(FIXTURES / "invalid" / "unknown_key.yaml"), str(FIXTURES / "invalid" / "impossible_timeline.yaml"))
    assert bad.returncode == 2
    lines = bad.stderr.strip().splitlines()
    assert any("unknown_key.yaml: targets.creators_enroled: unknown key" in line for line in lines)
    assert any("impossible_timeline.yaml: timeline.event_end" in line for line in lines)
    assert "Traceback" not in bad.stderr
    missing = _campaignctl("validate", "/nonexistent/spec.yaml")
    assert missing.returncode == 2 and "cannot read file" in missing.stderr
