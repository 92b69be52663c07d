"""The one money formatter and the one local-time formatter (core/money.py, core/times.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from creator_ops.core.money import NotWholeSen, format_myr, format_rm, format_rm_myr
from creator_ops.core.times import DATE, DATE_TIME, DAY_TIME, FULL, HOUR, SHORT, format_local


@pytest.mark.parametrize(
    ("sen", "files", "people"),
    [(0, "0.00", "RM 0.00"), (-5, "-0.05", "-RM 0.05"), (123456789, "1234567.89", "RM 1,234,567.89"),
     (-100_000_001, "-1000000.01", "-RM 1,000,000.01")],
)  # fmt: skip
def test_money_for_files_and_people(sen, files, people):
    assert format_myr(sen) == files
    assert format_rm(sen) == people
    assert format_rm_myr(files) == people  # the text a file or review.json carries reads back the same
    assert format_rm_myr(Decimal(files)) == people


def test_money_in_myr_is_exact_and_never_rounded():
    assert format_rm_myr("1234.5") == "RM 1,234.50"
    assert format_rm_myr(500) == "RM 500.00"
    assert format_rm_myr(" -0.05 ") == "-RM 0.05"  # the sign before the currency, never "RM -0.05"
    # 2**53 + 1 sen: a float would lose the last sen
    assert format_rm_myr("90071992547409.93") == "RM 90,071,992,547,409.93"
    assert format_rm_myr(None) == "—" and format_rm_myr("", "?") == "?" and format_rm(None, "n/a") == "n/a"
    with pytest.raises(NotWholeSen):
        format_rm_myr("0.005")


def test_local_time_in_the_campaign_zone():
    moment = dt.datetime(2026, 12, 7, 9, 5, tzinfo=dt.UTC)
    zone = "Asia/Kuala_Lumpur"
    assert format_local(moment, zone) == "Mon 07 Dec 2026 17:05"
    assert format_local(moment, ZoneInfo(zone), style=FULL) == "Mon 07 Dec 2026 17:05"
    assert format_local(moment, zone, with_zone=True) == "Mon 07 Dec 2026 17:05 (Asia/Kuala_Lumpur)"
    assert format_local(moment, ZoneInfo(zone), with_zone=True) == "Mon 07 Dec 2026 17:05 (Asia/Kuala_Lumpur)"
    styles = {DATE_TIME: "07 Dec 2026 17:05", DAY_TIME: "Mon 07 Dec 17:05", SHORT: "07 Dec 17:05",
              DATE: "07 Dec 2026", HOUR: "17:05"}  # fmt: skip
    for style, expected in styles.items():
        assert format_local(moment, zone, style=style) == expected
    # stored forms: naive is UTC (SQLite), ISO text with an offset (snapshots)
    assert format_local(moment.replace(tzinfo=None), zone) == "Mon 07 Dec 2026 17:05"
    assert format_local("2026-12-07T17:05:00+08:00", zone) == "Mon 07 Dec 2026 17:05"
    assert format_local(None, zone) == "—" and format_local(None, zone, missing="-") == "-"
