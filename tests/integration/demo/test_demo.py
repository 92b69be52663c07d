"""The main job: the demo campaign through every phase with real Airflow runs, as `make demo` runs it."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from repo_paths import ROOT


@pytest.mark.slow
@pytest.mark.integration
def test_demo_runs_every_phase_and_reports(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AIRFLOW", "CREATOR_OPS", "CAMPAIGN_SPECS"))
    }
    env.update(
        AIRFLOW_HOME=str(tmp_path / "airflow"),
        CREATOR_OPS_OUTPUT_ROOT=str(tmp_path / "output"),
        PYTHONPATH=str(ROOT / "plugins"),
    )
    result = subprocess.run(
        [sys.executable, "-m", "creator_ops.demo.run", "--creators", "600"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    out = result.stdout
    assert result.returncode == 0, out[-3000:] + result.stderr[-3000:]
    for phase in ("recruitment", "pre_event", "live", "cooling", "settlement", "payout"):
        assert re.search(rf"^\s+{phase}\s+\d+ runs \((\d+) succeeded\)", out, re.M), phase
    files = re.search(r"files: (\d+) ingested \(([\d,]+) rows in = ([\d,]+) accepted \+ ([\d,]+) quarantined\)", out)
    rows_in, accepted, quarantined = (int(files.group(i).replace(",", "")) for i in (2, 3, 4))
    assert rows_in == accepted + quarantined and accepted > 0
    assert "Payouts: exported" in out
    # the summary says why the campaigns are paused and what unpausing the demo campaign would do
    assert "The campaigns are paused on purpose" in out
    assert re.search(r"Unpausing 12\.12 Year-End Mega Sale 2026 now would start with the run of|is over", out)
    # every decision is a named person's: the finance approver approves, an owner signs off (never "Anonymous")
    assert re.search(r"Approve\s+payouts\.approve\s+HTTP 200\s+by nurul\.huda", out)
    assert re.search(r"Approve\s+runbook\.\w+\s+HTTP 200\s+by aisyah\.rahman", out)
    assert re.search(r"payout calculation \w+ (approved|exported) by nurul\.huda", out)
    assert "Anonymous" not in out
    assert re.search(r"Alerts delivered to loopback servers: [1-9]\d* Slack messages, [1-9]\d* e-mails", out)
    # the creator ecosystem: four earlier campaigns of mixed types, the last three's growth accounting, the page
    assert re.search(r"Creator ecosystem across 5 campaigns \(ecosystem DAG run: success", out)
    for campaign in ("my_1010_2026", "my_1111_2026", "my_1212_2026"):
        assert re.search(rf"^\s+{campaign}: enrolled [\d,]+ = [\d,]+ new \+ [\d,]+ returning", out, re.M), campaign
    assert (tmp_path / "output" / "ecosystem" / "ecosystem.html").is_file()
    finance = list((tmp_path / "output" / "my_1212_2026" / "finance").rglob("*.csv"))
    assert finance, "no finance export written"
    reports = list((tmp_path / "output" / "my_1212_2026" / "runs").glob("*.md"))
    assert len(reports) >= 6
