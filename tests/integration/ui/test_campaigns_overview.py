"""The campaigns view's figures, computed on a real warehouse (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from repo_paths import DEMO_SPEC, ROOT

from creator_ops.airflow.ui.overview import campaign_status, campaigns_overview
from creator_ops.core.calendar import next_deadline, phase_label
from creator_ops.core.spec import load_spec
from creator_ops.warehouse.schema import (
    enrollments,
    ingested_files,
    order_lines,
    payout_calculations,
    quality_results,
)

SPEC = load_spec(DEMO_SPEC)
MYT = dt.timezone(dt.timedelta(hours=8))
UTC = dt.UTC

pytestmark = pytest.mark.integration


def _file(conn, file_id: int, dataset: str) -> None:
    conn.execute(
        ingested_files.insert(),
        {
            "file_id": file_id,
            "campaign_id": SPEC.id,
            "dataset": dataset,
            "source_uri": f"/landing/{dataset}/{file_id}.csv",
            "sha256": f"{file_id:064d}",
            "size_bytes": 10,
            "status": "accepted",
            "rows_in": 0,
            "rows_accepted": 0,
            "rows_quarantined": 0,
            "ingested_at": dt.datetime(2026, 12, 1, tzinfo=UTC),
        },
    )


def _line(file_id, row, order, line, status, gmv_sen, order_time, updated_at=None, campaign=SPEC.id):
    return {
        "file_id": file_id,
        "row_number": row,
        "campaign_id": campaign,
        "order_id": order,
        "line_id": line,
        "creator_id": "c1",
        "order_time": order_time.astimezone(UTC),
        "status": status,
        "gmv_sen": gmv_sen,
        "updated_at": updated_at.astimezone(UTC) if updated_at else None,
    }


@pytest.fixture
def seeded(warehouse_engine):
    event = dt.datetime(2026, 12, 12, 10, 0, tzinfo=MYT)
    closes = SPEC.timeline.registration_closes
    with warehouse_engine.begin() as conn:
        _file(conn, 1, "enrollments")
        _file(conn, 2, "orders")
        _file(conn, 3, "orders")
        conn.execute(
            enrollments.insert(),
            [
                {"file_id": 1, "row_number": 1, "campaign_id": SPEC.id, "creator_id": "c1",
                 "registered_at": (closes - dt.timedelta(days=3)).astimezone(UTC), "is_new_creator": True},
                # the same creator twice counts once
                {"file_id": 1, "row_number": 2, "campaign_id": SPEC.id, "creator_id": "c1",
                 "registered_at": (closes - dt.timedelta(days=1)).astimezone(UTC), "is_new_creator": False},
                {"file_id": 1, "row_number": 3, "campaign_id": SPEC.id, "creator_id": "c2",
                 "registered_at": closes.astimezone(UTC), "is_new_creator": False},
                # enrolled after registration closed: not counted
                {"file_id": 1, "row_number": 4, "campaign_id": SPEC.id, "creator_id": "c3",
                 "registered_at": (closes + dt.timedelta(seconds=1)).astimezone(UTC), "is_new_creator": False},
                {"file_id": 1, "row_number": 5, "campaign_id": "other_campaign", "creator_id": "c4",
                 "registered_at": closes.astimezone(UTC), "is_new_creator": False},
            ],
        )
        conn.execute(
            order_lines.insert(),
            [
                # o1/l1 changes from 100.00 to 250.50: the later updated_at wins
                _line(2, 1, "o1", "l1", "COMPLETED", 10000, event, event),
                _line(3, 1, "o1", "l1", " completed ", 25050, event, event + dt.timedelta(hours=2)),
                _line(2, 2, "o2", "l1", "delivered", 1999, event),
                _line(2, 3, "o3", "l1", "CANCELLED", 500000, event),
                # outside [event_start, event_end)
                _line(2, 4, "o4", "l1", "completed", 700000, SPEC.timeline.event_end),
                _line(2, 5, "o5", "l1", "completed", 800000, SPEC.timeline.event_start - dt.timedelta(seconds=1)),
                _line(2, 6, "o6", "l1", "settled", 1, SPEC.timeline.event_start),
                # o7 was completed, then its last ingested version (no updated_at) says cancelled
                _line(2, 7, "o7", "l1", "completed", 90000, event),
                _line(3, 2, "o7", "l1", "cancelled", 90000, event),
                _line(2, 8, "o8", "l1", "completed", 123456, event, campaign="other_campaign"),
            ],
        )
        for dataset, success, minute in (("orders", False, 1), ("orders", True, 2), ("enrollments", False, 3)):
            conn.execute(
                quality_results.insert(),
                {"campaign_id": SPEC.id, "dataset": dataset, "file_id": None, "run_id": f"r{minute}",
                 "suite": dataset, "success": success, "evaluated": 5, "failed": 0 if success else 1,
                 "validated_at": dt.datetime(2026, 12, 13, 0, minute, tzinfo=UTC)},
            )
        for calc, state, total, day in (("calc1", "calculated", 100, 1), ("calc2", "approved", 123456789, 2)):
            conn.execute(
                payout_calculations.insert(),
                {"calculation_id": calc, "campaign_id": SPEC.id, "run_id": calc, "state": state,
                 "spec_sha256": "x" * 64, "inputs_sha256": "y" * 64, "creators": 7, "total_sen": total,
                 "budget_sen": 25000000, "scaled": False,
                 "calculated_at": dt.datetime(2027, 1, day, tzinfo=UTC)},
            )
    return warehouse_engine


def test_figures_come_from_the_warehouse_with_the_campaign_rules(seeded):
    now = dt.datetime(2026, 12, 12, 12, 0, tzinfo=MYT)
    row = campaign_status(SPEC, seeded, now)
    assert row.warehouse_error is None
    assert row.creators_enrolled == 2
    assert row.creators_target == 3000
    assert row.gmv_sen == 25050 + 1999 + 1
    assert row.gmv_target_sen == int(Decimal("5000000") * 100)
    assert (row.quality, row.quality_failed) == ("failed", ["enrollments"])
    # on the event day no payout exists yet, whatever later runs stored (the day as it was, issue 30)
    assert (row.payout, row.payout_total_sen, row.payout_creators) == ("not calculated", None, None)
    settled = campaign_status(SPEC, seeded, SPEC.timeline.settlement_date + dt.timedelta(days=1))
    assert (settled.payout, settled.payout_total_sen, settled.payout_creators) == ("approved", 123456789, 7)
    assert row.phase == "live"
    assert row.next_deadline.label == "Event ends"


def test_an_empty_warehouse_shows_zeroes_and_no_status(warehouse_engine):
    row = campaign_status(SPEC, warehouse_engine, dt.datetime(2026, 11, 25, tzinfo=UTC))
    assert (row.creators_enrolled, row.gmv_sen) == (0, 0)
    assert (row.quality, row.payout, row.last_run_phase) == ("no checks yet", "not calculated", None)


def test_an_unreadable_warehouse_is_reported_on_the_row(tmp_path):
    from creator_ops.warehouse.db import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'never_migrated.db'}")
    row = campaign_status(SPEC, engine, dt.datetime(2026, 11, 25, tzinfo=UTC))
    assert row.warehouse_error and "warehouse not readable" in row.warehouse_error
    assert row.phase == "recruitment"


@pytest.mark.parametrize(
    ("now", "phase", "deadline"),
    [
        (dt.datetime(2026, 11, 1, tzinfo=MYT), "not started", "Recruitment opens"),
        (dt.datetime(2026, 11, 25, tzinfo=MYT), "recruitment", "Sign-off: BD confirms the product matchmaking list"),
        (dt.datetime(2026, 12, 7, 0, 0, 1, tzinfo=MYT), "recruitment", "Sign-off: MarCom approves the creator brief and key visuals"),
        (dt.datetime(2026, 12, 9, 12, tzinfo=MYT), "recruitment", "Registration closes"),
        (dt.datetime(2026, 12, 10, tzinfo=MYT), "pre_event", "Event starts"),
        (dt.datetime(2026, 12, 30, tzinfo=MYT), "settlement", "Payout export"),
        # the spec's finance switches (SPEC 14) bring finance's own dates after the payout
        (dt.datetime(2027, 1, 10, tzinfo=MYT), "payout", "Sign-off: Finance remits the s107D withholding to LHDN (wht_summary.json)"),
        (dt.datetime(2027, 6, 1, tzinfo=MYT), "payout", "Sign-off: Finance gives the 2027 CP58 statements to the payees"),
        (dt.datetime(2028, 4, 2, tzinfo=MYT), "payout", None),
    ],
)
def test_phase_and_next_deadline_follow_the_timeline(now, phase, deadline):
    assert phase_label(SPEC, now) == phase
    upcoming = next_deadline(SPEC, now)
    assert (upcoming.label if upcoming else None) == deadline


def test_overview_lists_the_soonest_event_first(warehouse_engine):
    specs = [load_spec(p) for p in sorted((ROOT / "include" / "campaigns").glob("*.yaml"))]
    rows = campaigns_overview(specs, warehouse_engine, dt.datetime(2026, 11, 25, tzinfo=UTC))
    starts = [next(s for s in specs if s.id == r.campaign_id).timeline.event_start for r in rows]
    assert starts == sorted(starts) and len(rows) == len(specs)
