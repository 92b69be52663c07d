"""`campaignctl payouts` run as ops run it: a subprocess over real export files."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

CAMPAIGNCTL = Path(sys.executable).with_name("campaignctl")

SPEC = """id: cli_scd_2027
name: CLI test SCD
type: scd
timeline: {{event_start: 2027-03-10}}
incentives:
  budget_myr: {budget}
  tiers:
    - {{min_gmv_myr: 1000, bonus_myr: 50}}
    - {{min_gmv_myr: 5000, bonus_myr: 300}}
  commission_bonus: {{rate: 0.045, cap_myr: 500}}
  new_creator_bonus_myr: 20
  leaderboard: {{prizes_myr: [5000, 3000, 2000]}}
"""
# The affiliate center's own seller export, with its quirks: '@' and case in usernames,
# RM amounts with thousands separators, DD/MM/YYYY local times, a duplicate line, a refund,
# a negative amount and a blank order id (both quarantined), and an order after the event.
ORDERS = """Order ID,SKU ID,Creator Username,Time Created,Order Status,Payment Amount,Fully returned or refunded
1001,A,@Alice ,10/03/2027 09:00,COMPLETED,"RM1,018.00",No
1002,A,alice,10/03/2027 23:59:59,COMPLETED,RM200.00,No
1002,A,alice,10/03/2027 23:59:59,COMPLETED,RM250.00,No
1003,A,Bob,10/03/2027 10:00,COMPLETED,"RM6,000.00",No
1004,A,bob,10/03/2027 11:00,COMPLETED,RM99.00,Yes
1005,A,bob,10/03/2027 11:00,COMPLETED,-5.00,No
,A,bob,10/03/2027 11:00,COMPLETED,5.00,No
1006,A,carol,11/03/2027 00:00,COMPLETED,RM900.00,No
1007,A,dave,10/03/2027 12:00,COMPLETED,RM700.00,No
1008,A,erin,10/03/2027 12:00,COMPLETED,RM300.00,No
"""
ENROLLMENTS = """creator_id,registered_at,is_new_creator
alice,2027-03-01 10:00,yes
Bob,2027-03-02 10:00,no
carol,2027-03-02 10:00,no
dave,2027-03-09 23:59:59,no
erin,2027-03-10 00:00:00,yes
"""
EXCLUSIONS = """creator_id,reason
@DAVE,self-purchase
"""


def write_inputs(folder: Path, budget: str = "100000") -> dict[str, Path]:
    files = {
        "spec": folder / "campaign.yaml",
        "orders": folder / "orders.csv",
        "enrollments": folder / "enrollments.csv",
        "exclusions": folder / "exclusions.csv",
    }
    files["spec"].write_text(SPEC.format(budget=budget), encoding="utf-8")
    files["orders"].write_text(ORDERS, encoding="utf-8")
    files["enrollments"].write_text(ENROLLMENTS, encoding="utf-8")
    files["exclusions"].write_text(EXCLUSIONS, encoding="utf-8")
    return files


def campaignctl(*args: str | Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "AIRFLOW_VAR_PII_HASH_KEY": "cli-test-key"}
    return subprocess.run(
        [str(CAMPAIGNCTL), "payouts", *map(str, args)], capture_output=True, text=True, timeout=120, env=env
    )


def payouts_args(files: dict[str, Path], out: Path, with_exclusions: bool = True) -> list:
    args = ["--spec", files["spec"], "--orders", files["orders"], "--enrollments", files["enrollments"], "--out", out]
    return args + (["--exclusions", files["exclusions"]] if with_exclusions else [])


def test_payouts_from_affiliate_exports(tmp_path):
    files = write_inputs(tmp_path)
    out = tmp_path / "result" / "payouts.csv"
    done = campaignctl(*payouts_args(files, out))
    assert done.returncode == 0, done.stderr
    with out.open(encoding="utf-8") as handle:
        rows = {r["creator_id"]: r for r in csv.DictReader(handle)}
    # alice: 1018.00 + 250.00 (the later duplicate wins) = 1268.00; tier 50; 1268 * 0.045 = 57.06; new 20; rank 2
    assert rows["alice"] == {
        "creator_id": "alice", "eligible_gmv_myr": "1268.00", "eligible_orders": "2", "tier_bonus_myr": "50.00",
        "commission_bonus_myr": "57.06", "new_creator_bonus_myr": "20.00", "leaderboard_prize_myr": "3000.00",
        "total_myr": "3127.06",
    }
    # bob: 6000.00 (the refunded line is not eligible); tier 300; 270.00; rank 1
    assert rows["bob"]["total_myr"] == "5570.00"
    # carol ordered after the event, dave is excluded, erin enrolled one second late
    assert set(rows) == {"alice", "bob"}
    assert "orders: 10 rows, 8 accepted, 2 quarantined (missing_key 1, negative_gmv 1)" in done.stdout
    assert "Creators paid: 2" in done.stdout
    assert "Total: RM 8,697.06 of budget RM 100,000.00" in done.stdout
    assert "Scaled: no" in done.stdout
    assert "from RM 5,000.00: 1, from RM 1,000.00: 1" in done.stdout


def test_budget_scaling_is_reported(tmp_path):
    files = write_inputs(tmp_path, budget="10100")
    done = campaignctl(*payouts_args(files, tmp_path / "out.csv"))
    assert done.returncode == 0, done.stderr
    # prizes 5000 + 3000 awarded, 2100.00 left; variable 50 + 57.06 + 20 + 300 + 270 = 697.06 fits
    assert "Scaled: no" in done.stdout
    files = write_inputs(tmp_path, budget="10000.50")
    done = campaignctl(*payouts_args(files, tmp_path / "out.csv"))
    assert done.returncode == 0, done.stderr
    # 2000.50 left after the two awarded prizes: variable 697.06 still fits (the unawarded 2000 is not reserved)
    assert "Scaled: no" in done.stdout
    files["spec"].write_text(
        SPEC.format(budget="8300").replace("[5000, 3000, 2000]", "[5000, 3000]"), encoding="utf-8"
    )
    done = campaignctl(*payouts_args(files, tmp_path / "out.csv"))
    assert done.returncode == 0, done.stderr
    assert "Scaled: yes" in done.stdout and "RM 300.00 left after prizes" in done.stdout
    with (tmp_path / "out.csv").open(encoding="utf-8") as handle:
        total = sum(int(r["total_myr"].replace(".", "")) for r in csv.DictReader(handle))
    assert total <= 830000


@pytest.mark.parametrize(
    ("break_it", "message"),
    [
        (lambda f: f["orders"].unlink(), "orders file not found"),
        (lambda f: f["spec"].write_text("id: Bad Id\nname: x\n", encoding="utf-8"), "invalid spec"),
        (lambda f: f["enrollments"].write_text("who,when\nx,y\n", encoding="utf-8"), "enrollments file rejected"),
        (lambda f: f["orders"].write_bytes(b"\x00\x01\x02\xff\xfe" * 50), "orders file"),
    ],
)
def test_bad_input_exits_2_with_one_line(tmp_path, break_it, message):
    files = write_inputs(tmp_path)
    break_it(files)
    done = campaignctl(*payouts_args(files, tmp_path / "out.csv"))
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out.csv").exists()
