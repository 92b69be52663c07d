"""SPEC 15 through the warehouse and through the command line: the same plan gives the same on-treated estimate.

600 enrolled creators with content; one traffic allocation over every candidate (holdout
included: its chosen creators are ghosts) and one matchmaking over every candidate are
stored in a real warehouse (SQLite and PostgreSQL) and written as the files `campaignctl
allocate` and `campaignctl match` write. The DAG's review step and `campaignctl review`
give the same `on_treated` and `srm` blocks. A second campaign whose enrollments file lost
a quarter of its traffic holdout is flagged (SRM) in words and with one problem alert in
the outbox, however often the review runs.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select

from creator_ops.cli import main as campaignctl
from creator_ops.core.experiments import in_holdout
from creator_ops.core.matchmaking import MatchCreator, Product, match, pairs_csv
from creator_ops.core.spec import load_spec
from creator_ops.core.steps import StepContext
from creator_ops.core.traffic import CreatorContent, TrafficParams, allocate
from creator_ops.steps.ingest import ingest
from creator_ops.steps.review import build_review
from creator_ops.steps.run_record import register_run
from creator_ops.warehouse import mechanisms as wh
from creator_ops.warehouse.schema import alert_outbox

pytestmark = pytest.mark.integration

SPEC = """\
id: {id}
name: On treated {id}
type: scd
timeline: {{event_start: 2027-03-10}}
alerts: {{slack_conn_id: slack_on_treated_test}}
traffic: {{budget_myr: 3000, cpm_myr: 10, step_myr: 50, efficiency: [1.0, 0.5]}}
experiments: {{traffic: {{holdout_share: 0.2}}, samples: {{holdout_share: 0.2}}}}
"""
N = 600


def write_files(folder: Path, campaign_id: str, drop_holdout: float = 0.0) -> tuple[Path, Path, list[str]]:
    rng = np.random.default_rng(20270310)
    ids = [f"c{i:04d}" for i in range(N)]
    x = np.round(rng.lognormal(np.log(80_000), 1.2, N)).astype(np.int64)
    y = np.round(x * rng.lognormal(0, 0.6, N)).astype(np.int64)
    held = [c for c in ids if in_holdout(campaign_id, "traffic", c, "0.2")]
    dropped = set(held[: int(len(held) * drop_holdout)])
    enrolled = [c for c in ids if c not in dropped]
    data = folder / "data"
    data.mkdir(parents=True)
    orders = ["order_id,line_id,creator_id,order_time,status,gmv_myr"]
    orders += [f"o{i},1,{c},2027-03-10 10:00:00,completed,{int(y[i]) / 100:.2f}" for i, c in enumerate(ids) if y[i]]
    (data / "orders.csv").write_text("\n".join(orders) + "\n", encoding="utf-8")
    (data / "enrollments.csv").write_text(
        "creator_id,registered_at,is_new_creator\n" + "".join(f"{c},2027-03-01 09:00:00,no\n" for c in enrolled),
        encoding="utf-8",
    )
    (data / "creators.csv").write_text(
        "creator_id,category,followers,gmv_30d_myr\n"
        + "".join(f"{c},beauty,5000,{int(x[i]) / 100:.2f}\n" for i, c in enumerate(ids)),
        encoding="utf-8",
    )
    (data / "products.csv").write_text(
        "product_id,name,category,price_myr,sample_quota\np1,Serum,beauty,40.00,60\np2,Toner,beauty,25.00,60\n",
        encoding="utf-8",
    )
    spec_path = folder / f"{campaign_id}.yaml"
    spec_path.write_text(SPEC.format(id=campaign_id), encoding="utf-8")
    return spec_path, data, ids


def plan(spec, ids: list[str], data: Path, engine, ctx) -> None:
    """Allocate and match over every candidate (holdout included), store both, and write the review's files."""
    rng = np.random.default_rng(7)
    creators = [CreatorContent(c, int(rng.integers(0, 500_000)), int(rng.integers(100, 50_000))) for c in ids]
    traffic_held = {c for c in ids if in_holdout(spec.id, "traffic", c, "0.2")}
    result = allocate(creators, TrafficParams.from_spec(spec.traffic), holdout=traffic_held)
    assert result.ghosts and all(r.spend_sen == 0 for r in result.ghosts)
    wh.store_hour(engine, spec.id, ctx.run_id, spec.timeline.event_start, result.budget_sen, result, ctx.now())
    (data / "traffic.csv").write_bytes(result.csv(for_excel=False))
    samples_held = {c for c in ids if in_holdout(spec.id, "samples", c, "0.2")}
    x = {c: i * 1_000 + 10_000 for i, c in enumerate(ids)}
    matched = match([MatchCreator(c, "beauty", 5000, x[c]) for c in ids],
                    [Product("p1", "beauty", 60, price_sen=4_000), Product("p2", "beauty", 60, price_sen=2_500)],
                    holdout=samples_held)  # fmt: skip
    assert matched.ghost_pairs and not {p.creator_id for p in matched.pairs} & samples_held
    wh.store_list(engine, spec.id, ctx.run_id, matched, ctx.now())
    (data / "matchmaking.csv").write_bytes(pairs_csv(matched.pairs, for_excel=False))
    (data / "matchmaking_ghosts.csv").write_bytes(pairs_csv(matched.ghost_pairs, for_excel=False))


def review_both(tmp_path: Path, engine, campaign_id: str, drop_holdout: float = 0.0):
    folder = tmp_path / campaign_id
    spec_path, data, ids = write_files(folder, campaign_id, drop_holdout)
    spec = load_spec(spec_path)
    start = spec.timeline.settlement_date
    ctx = StepContext(
        spec=spec, spec_path=spec_path, run_id=f"scheduled__{campaign_id}", interval_start=start,
        interval_end=start + dt.timedelta(days=1), engine=engine, clock=lambda: start,
    )  # fmt: skip
    register_run(ctx)
    landing = Path(__import__("os").environ["CREATOR_OPS_LANDING_ROOT"])
    for file in sorted(data.iterdir()):
        target = landing / spec.id / file.stem / file.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(file, target)
        assert ingest(ctx, file.stem)["quarantined"] == 0
    plan(spec, ids, data, engine, ctx)
    stage = json.loads(Path(build_review(ctx)["files"]["json"]).read_text())
    assert campaignctl(["review", "--spec", str(spec_path), "--data", str(data), "--out", str(folder / "cli")]) == 0
    cli = json.loads((folder / "cli" / "review.json").read_text())
    return ctx, stage, cli, folder


def test_the_review_step_and_the_command_line_give_the_same_on_treated_estimate(warehouse_engine, tmp_path,
                                                                               monkeypatch):  # fmt: skip
    monkeypatch.setenv("CREATOR_OPS_LANDING_ROOT", str(tmp_path / "landing"))
    monkeypatch.setenv("CREATOR_OPS_OUTPUT_ROOT", str(tmp_path / "output"))
    _, stage, cli, _ = review_both(tmp_path, warehouse_engine, "ot_fair")
    for mechanism in ("traffic", "samples"):
        ours, theirs = stage["experiments"][mechanism], cli["experiments"][mechanism]
        assert ours["on_treated"] == theirs["on_treated"] and ours["srm"] == theirs["srm"]
        block = ours["on_treated"]
        assert block["reason"] is None and block["n_holdout"] >= 2 and block["p_value"] is not None
        assert not ours["srm"]["all"]["mismatch"] and not ours["srm"]["would_be_treated"]["mismatch"]
    traffic = stage["experiments"]["traffic"]["on_treated"]
    assert float(traffic["held_back_myr"]) > 0 and float(traffic["spend_myr"]) > 0
    # ghost spend counted against the budget, never bought: treated spend + held back is the plan's whole budget
    assert float(traffic["spend_myr"]) + float(traffic["held_back_myr"]) <= 3000


def test_a_split_that_lost_holdout_creators_alerts_once(warehouse_engine, tmp_path, monkeypatch):
    monkeypatch.setenv("CREATOR_OPS_LANDING_ROOT", str(tmp_path / "landing"))
    monkeypatch.setenv("CREATOR_OPS_OUTPUT_ROOT", str(tmp_path / "output"))
    ctx, stage, cli, folder = review_both(tmp_path, warehouse_engine, "ot_lost", drop_holdout=0.25)
    srm = stage["experiments"]["traffic"]["srm"]["all"]
    assert srm["mismatch"] is True and srm == cli["experiments"]["traffic"]["srm"]["all"]
    assert "must not be trusted" in (Path(tmp_path / "output" / "ot_lost" / "review" / "review.md")).read_text()
    build_review(ctx)  # a rerun: the same alert key, not a second alert
    with warehouse_engine.connect() as conn:
        rows = conn.execute(
            select(alert_outbox.c.kind, alert_outbox.c.subject).where(alert_outbox.c.campaign_id == "ot_lost")
        ).all()
    mismatch = [r for r in rows if r.kind == "sample_ratio_mismatch"]
    assert len(mismatch) == 1 and "do not trust the measured effects" in mismatch[0].subject
