"""The recruitment stage in the campaign DAG: wiring, phase gating through the operator, the API pull."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import yaml
from sqlalchemy import insert, select

from creator_ops.core.spec import load_spec
from creator_ops.core.steps import StepContext, StepSkipped
from creator_ops.stand_ins.open_api import APP_KEY, APP_SECRET, SHOP_ID, make_creator
from creator_ops.warehouse.db import make_engine, upgrade
from creator_ops.warehouse.schema import creators

pytestmark = pytest.mark.integration
KL = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def spec_file(tmp_path, monkeypatch):
    monkeypatch.setenv("CREATOR_OPS_OUTPUT_ROOT", str(tmp_path / "output"))
    monkeypatch.setenv("CREATOR_OPS_LANDING_ROOT", str(tmp_path / "landing"))
    monkeypatch.delenv("AIRFLOW_CONN_CREATOR_MARKETPLACE_API", raising=False)
    path = tmp_path / "my_stage_test.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "id": "my_stage_test",
                "name": "Stage test",
                "type": "double_digit",
                "timeline": {"event_start": "2026-12-12"},
                "recruitment": {
                    "categories": ["beauty"],
                    "shortlist_size": 2,
                    "account_managers": ["aisyah"],
                },
            }
        )
    )
    return path


def test_stage_chains_pull_ingest_shortlist(spec_file):
    from creator_ops.airflow.dag_builder import build_campaign_dag

    dag = build_campaign_dag(load_spec(spec_file), spec_file)
    pull, ingest, shortlist = (
        dag.get_task(f"recruitment.{t}")
        for t in ("pull_api_candidates", "ingest_creators", "shortlist_creators")
    )
    assert pull.downstream_task_ids == {ingest.task_id}
    assert ingest.downstream_task_ids == {shortlist.task_id}
    assert all(t.phases == ["recruitment"] for t in (pull, ingest, shortlist))


def _operator(spec_file, task: str):
    from creator_ops.airflow.operators import CampaignStepOperator

    return CampaignStepOperator(
        task_id=task,
        spec_path=str(spec_file),
        phases=["recruitment"],
        step=f"creator_ops.steps.recruitment:{task}",
    )


def _context(start: dt.datetime) -> dict:
    return {
        "data_interval_start": start,
        "data_interval_end": start + dt.timedelta(days=1),
        "logical_date": start,
        "run_id": f"scheduled__{start:%Y%m%d}",
    }


def test_outside_recruitment_the_operator_skips_with_a_reason(spec_file):
    from airflow.sdk.exceptions import AirflowSkipException

    with pytest.raises(AirflowSkipException, match=r"runs in the recruitment phase.*in the live phase"):
        _operator(spec_file, "shortlist_candidates").execute(
            _context(dt.datetime(2026, 12, 12, 10, tzinfo=KL))
        )


def test_operator_shortlists_in_the_recruitment_phase(spec_file, tmp_path, monkeypatch):
    # without a `creator_ops_warehouse` connection the hook uses the embedded SQLite beside AIRFLOW_HOME
    monkeypatch.delenv("AIRFLOW_CONN_CREATOR_OPS_WAREHOUSE", raising=False)
    monkeypatch.setenv("AIRFLOW_HOME", str(tmp_path))
    engine = make_engine(f"sqlite:///{tmp_path / 'creator_ops_warehouse.db'}")
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(
            insert(creators),
            [
                {
                    "campaign_id": "my_stage_test",
                    "creator_id": f"c{i}",
                    "followers": 1000 * i,
                    "category": "beauty",
                    "gmv_30d_sen": 0,
                    "avg_views_30d": 0,
                }
                for i in range(1, 5)
            ],
        )
    summary = _operator(spec_file, "shortlist_candidates").execute(
        _context(dt.datetime(2026, 11, 30, tzinfo=KL))
    )
    assert summary["shortlisted"] == 2
    with engine.connect() as conn:
        listed = conn.execute(select(creators.c.creator_id).where(creators.c.shortlisted)).scalars().all()
    assert sorted(listed) == ["c3", "c4"]  # bands: 3000 and 4000 → 50 each; ties broken by followers
    assert (
        tmp_path / "output" / "my_stage_test" / "recruitment" / "2026-11-30" / "invites_aisyah.csv"
    ).exists()


def _ctx(spec_file) -> StepContext:
    start = dt.datetime(2026, 11, 30, tzinfo=KL)
    return StepContext(
        spec=load_spec(spec_file),
        spec_path=spec_file,
        run_id="r",
        interval_start=start,
        interval_end=start + dt.timedelta(days=1),
        engine=None,
    )


def test_api_pull_skips_without_the_connection(spec_file):
    from creator_ops.airflow.stages.recruitment import pull_api_candidates

    with pytest.raises(StepSkipped, match="no Airflow connection 'creator_marketplace_api'"):
        pull_api_candidates(_ctx(spec_file))


def test_api_pull_through_the_hook_lands_candidates(spec_file, fake_platform, monkeypatch, tmp_path):
    from creator_ops.airflow.stages.recruitment import pull_api_candidates

    fake_platform.creators = [make_creator(i) for i in range(60)]
    fake_platform.faults = {2: (429, {"Retry-After": "0"})}
    monkeypatch.setenv(
        "AIRFLOW_CONN_CREATOR_MARKETPLACE_API",
        json.dumps(
            {
                "conn_type": "http",
                "host": fake_platform.url,
                "login": APP_KEY,
                "password": APP_SECRET,
                "extra": {"shop_id": SHOP_ID},
            }
        ),
    )
    summary = pull_api_candidates(_ctx(spec_file))
    assert summary["records"] == 60 and summary["requests"] == 3 and summary["retries"] == 1
    landed = tmp_path / "landing" / "my_stage_test" / "creators" / "api_marketplace_20261130.csv"
    assert summary["landed"] == str(landed)
    assert len(landed.read_text(encoding="utf-8").splitlines()) == 61
