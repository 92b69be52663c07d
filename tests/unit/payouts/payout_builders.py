"""Builders for payout tests: a small campaign spec and input tables written by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pyarrow as pa

from creator_ops.core.spec import CampaignSpec, parse_spec

KL = ZoneInfo("Asia/Kuala_Lumpur")
UTC = dt.UTC
TS = pa.timestamp("us", tz="UTC")


def local(text: str) -> dt.datetime:
    """Return a campaign-local (UTC+8) time."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=KL)


def make_spec(**incentives: object) -> CampaignSpec:
    """An scd campaign on 2027-03-10 (KL): event [03-10 00:00, 03-11 00:00), registration closes 03-09 23:59:59."""
    base: dict[str, object] = {
        "budget_myr": Decimal("100000"),
        "tiers": [
            {"min_gmv_myr": Decimal("1000"), "bonus_myr": Decimal("50")},
            {"min_gmv_myr": Decimal("5000"), "bonus_myr": Decimal("300")},
            {"min_gmv_myr": Decimal("20000"), "bonus_myr": Decimal("1500")},
        ],
        "commission_bonus": {"rate": Decimal("0.045"), "cap_myr": Decimal("500")},
        "new_creator_bonus_myr": Decimal("20"),
        "leaderboard": {"prizes_myr": [Decimal("5000"), Decimal("3000"), Decimal("2000")]},
    }
    base.update(incentives)
    return parse_spec(
        {
            "id": "test_scd",
            "name": "Test SCD",
            "type": "scd",
            "timeline": {"event_start": dt.date(2027, 3, 10)},
            "incentives": base,
        },
        "test_scd.yaml",
    )


IN_EVENT = local("2027-03-10 12:00:00")
ON_TIME = local("2027-03-01 09:00:00")


def orders(*rows: dict) -> pa.Table:
    """Order lines with defaults: in the event, completed, no updated_at, one line per order."""
    full = []
    for i, row in enumerate(rows):
        full.append(
            {
                "order_id": row.get("order_id", f"o{i}"),
                "line_id": row.get("line_id", "1"),
                "creator_id": row["creator_id"],
                "order_time": row.get("order_time", IN_EVENT).astimezone(UTC),
                "status": row.get("status", "completed"),
                "gmv_sen": row["gmv_sen"],
                "updated_at": row["updated_at"].astimezone(UTC) if row.get("updated_at") else None,
            }
        )
    return pa.Table.from_pylist(
        full,
        schema=pa.schema(
            [
                ("order_id", pa.string()),
                ("line_id", pa.string()),
                ("creator_id", pa.string()),
                ("order_time", TS),
                ("status", pa.string()),
                ("gmv_sen", pa.int64()),
                ("updated_at", TS),
            ]
        ),
    )


def enrollments(*rows: tuple) -> pa.Table:
    """Enrollment rows as (creator_id, registered_at[, is_new_creator])."""
    return pa.Table.from_pylist(
        [
            {"creator_id": r[0], "registered_at": r[1].astimezone(UTC), "is_new_creator": r[2] if len(r) > 2 else False}
            for r in rows
        ],
        schema=pa.schema([("creator_id", pa.string()), ("registered_at", TS), ("is_new_creator", pa.bool_())]),
    )


def exclusions(*creator_ids: str) -> pa.Table:
    return pa.table({"creator_id": pa.array(list(creator_ids), pa.string())})


def enrolled(*creator_ids: str, new: bool = False) -> pa.Table:
    return enrollments(*[(c, ON_TIME, new) for c in creator_ids])
