"""Holdouts in real Airflow runs (dag.test): no held-out creator in any matchmaking list or any allocation hour.

A campaign with `experiments` on both mechanisms runs its last pre-event day (matchmaking)
and two live hours (traffic allocation, live projection) on generated demo data. The
held-out creators are many (30 %) and among the candidates, so the check is not vacuous:
they are recorded in the warehouse with their group, and appear in no pair, no list file,
no allocation row and no traffic CSV.
"""

from __future__ import annotations

import csv
import datetime as dt
import json

import pytest
from repo_paths import ROOT
from sqlalchemy import select

pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]

SPEC = """id: holdout_scd
name: Holdout SCD
type: scd
timeline: {event_start: 2027-03-10}
targets: {gmv_myr: 900000000}
recruitment: {account_managers: [aisyah, wei_jie]}
matchmaking: {max_products_per_creator: 2}
traffic: {budget_myr: 5000, cpm_myr: 12.50, step_myr: 50, efficiency: [1.0, 0.6]}
experiments: {traffic: {holdout_share: 0.3}, samples: {holdout_share: 0.3}}
"""


def test_held_out_creators_get_no_pair_and_no_boost(airflow_db, tmp_path, monkeypatch):
    from airflow.dag_processing.dagbag import DagBag

    from creator_ops.core.calendar import CampaignCalendar, Phase
    from creator_ops.core.experiments import in_holdout
    from creator_ops.core.spec import load_spec
    from creator_ops.stand_ins.data import DATASETS, generate, land_slice
    from creator_ops.warehouse.db import make_engine
    from creator_ops.warehouse.schema import (
        experiment_assignments,
        matchmaking_pairs,
        predictions,
        traffic_allocations,
        traffic_hours,
    )

    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "holdout_scd.yaml").write_text(SPEC, encoding="utf-8")
    warehouse, landing, output = tmp_path / "warehouse.db", tmp_path / "landing", tmp_path / "output"
    monkeypatch.setenv("CAMPAIGN_SPECS_DIR", str(specs))
    monkeypatch.setenv("AIRFLOW_CONN_CREATOR_OPS_WAREHOUSE", json.dumps({"conn_type": "sqlite", "host": str(warehouse)}))
    monkeypatch.setenv("CREATOR_OPS_LANDING_ROOT", str(landing))
    monkeypatch.setenv("CREATOR_OPS_OUTPUT_ROOT", str(output))

    spec = load_spec(specs / "holdout_scd.yaml")
    calendar = CampaignCalendar(spec.timeline)
    last_pre_event = [r for r in calendar.runs if r.phase in (Phase.RECRUITMENT, Phase.PRE_EVENT)][-1]
    live = [r for r in calendar.runs if r.phase == Phase.LIVE]
    data = generate(spec, creators=240, seed=3)
    t = spec.timeline
    since = t.recruitment_opens - dt.timedelta(days=30)
    for dataset in DATASETS:  # everything up to the end of the event, clean files
        land_slice(data, dataset, since, t.event_start + dt.timedelta(hours=2), fmt="csv", name=f"{dataset}.csv")

    dag = DagBag(dag_folder=str(ROOT / "dags")).dags[spec.dag_id]
    runs = [dag.test(logical_date=r.start) for r in (last_pre_event, live[0], live[1])]
    states = [{ti.task_id: str(ti.state) for ti in run.get_task_instances()} for run in runs]
    assert states[0]["matchmaking.match_products"] == "success", states[0]
    assert states[1]["traffic.allocate_traffic"] == "success" and states[2]["traffic.allocate_traffic"] == "success"

    engine = make_engine(f"sqlite:///{warehouse}")
    with engine.connect() as conn:
        recorded = conn.execute(select(experiment_assignments)).all()
        paired = set(conn.execute(select(matchmaking_pairs.c.creator_id).where(~matchmaking_pairs.c.ghost)).scalars())
        ghost_paired = set(conn.execute(select(matchmaking_pairs.c.creator_id).where(matchmaking_pairs.c.ghost)).scalars())
        boosted = set(conn.execute(select(traffic_allocations.c.creator_id).where(traffic_allocations.c.spend_sen > 0))
                      .scalars())  # fmt: skip
        ghost_rows = conn.execute(select(traffic_allocations).where(traffic_allocations.c.ghost_spend_sen > 0)).all()
        hour_rows = conn.execute(select(traffic_hours)).all()
        hours = set(conn.execute(select(traffic_allocations.c.hour_start)).scalars())
        projected = conn.execute(select(predictions.c.kind)).scalars().all()
    groups = {(r.mechanism, r.creator_id): r.group_name for r in recorded}
    held = {m: {c for (mech, c), g in groups.items() if mech == m and g == "holdout"} for m in ("traffic", "samples")}
    # the recorded group is the hash's, for every candidate
    assert all((g == "holdout") == in_holdout(spec.id, m, c, "0.3") for (m, c), g in groups.items())
    assert len(held["samples"]) >= 20 and len(held["traffic"]) >= 20
    assert paired and boosted and len(hours) == 2
    assert not paired & held["samples"]
    assert not boosted & held["traffic"]
    # SPEC 15: the plan chose holdout creators too; they are ghosts, recorded and never bought
    assert ghost_paired and ghost_paired <= held["samples"]
    assert ghost_rows and {r.creator_id for r in ghost_rows} <= held["traffic"]
    assert all(r.spend_sen == 0 and r.expected_gmv_sen == 0 for r in ghost_rows)
    assert sum(h.held_back_sen for h in hour_rows) == sum(r.ghost_spend_sen for r in ghost_rows) > 0
    assert sum(h.spent_sen + h.held_back_sen for h in hour_rows) <= 500_000  # ghosts count against the budget
    # ... and in no file people open
    listed = set()
    for path in (output / spec.id / "matchmaking").glob("*.csv"):
        if path.name.endswith("_ghosts.csv"):
            continue
        with path.open(encoding="utf-8-sig") as handle:
            listed |= {row["creator_id"] for row in csv.DictReader(handle) if "creator_id" in row}
    assert listed and not listed & held["samples"]
    allocated = set()
    for path in (output / spec.id / "traffic").glob("allocation_*.csv"):
        with path.open(encoding="utf-8-sig") as handle:
            allocated |= {row["creator_id"] for row in csv.DictReader(handle) if float(row["spend_myr"]) > 0}
    assert allocated and not allocated & held["traffic"]
    summary = json.loads((output / spec.id / "traffic" / "summary.json").read_text())
    assert summary["held_out_creators"] > 0 and "held out among" in summary["holdout"]
    assert "of boost held back with the holdout" in summary["held_back"] and summary["power"]["mde_myr"] is None
    assert "unknown" in summary["power"]["text"]  # the type's first campaign: nothing to take the spread from
    matchmaking = json.loads((output / spec.id / "matchmaking" / "summary.json").read_text())
    assert matchmaking["held_out_creators"] > 0 and "ranking score" in matchmaking["value_meaning"]
    assert matchmaking["held_back"] == f"{len(ghost_pairs_file(output, spec))} samples held back with the holdout"
    # the live hours stored their projection as they made it, from GMV placed (every status) so far
    assert "traffic_power" in projected  # SPEC 15: each hour's MDE statement is kept as it was made
    projected = [k for k in projected if k != "traffic_power"]
    assert states[2]["milestones.project_gmv"] == "success" and projected == ["live_projection"] * len(projected)
    from creator_ops.airflow.ui import app as ui
    from creator_ops.airflow.ui.campaign_page import campaign_page
    from creator_ops.figures.hourly import hourly_gmv
    from creator_ops.warehouse.experiments import latest_projection

    made = latest_projection(engine, spec.id)
    assert made.detail["placed_so_far_sen"] == sum(hourly_gmv(engine, spec, as_of=made.as_of, lines="placed")) > 0
    assert made.detail["conversion"] is None and "no earlier campaign" in made.detail["note"]  # the type's first
    assert made.low_sen >= made.detail["placed_so_far_sen"]  # no share to apply: never below what was placed
    # ... and the campaign page shows it under the progress cards, with what it scaled
    page = campaign_page(spec, engine, made.as_of + dt.timedelta(minutes=30))
    assert page.projection is not None and page.projection.predicted_sen == made.predicted_sen
    html = ui.templates().get_template("campaign.html").render(
        page=page, spec=spec, status=page.status, progress={p.key: p for p in page.progress}, charts={},
        actions=[], latest_run=None, airflow_error=None, links={}, upcoming_signoffs=[], ui_root="/", user="ops",
    )  # fmt: skip
    assert 'id="projection"' in html and "of GMV placed (every status" in html
    assert html.index('id="projection"') < html.index('id="plot-enrollment"')
    engine.dispose()


def ghost_pairs_file(output, spec) -> list[dict]:
    with (output / spec.id / "matchmaking" / "pairs_ghosts.csv").open(encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))
