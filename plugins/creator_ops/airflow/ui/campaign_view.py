"""One campaign's page in the Campaigns view: "where are we and what needs me".

Routes of the campaigns app (`app.py` includes `router`), behind the same Airflow login:

- `/campaigns/{campaign_id}`: the page (timeline, progress against pace, funnel, quality,
  quarantine, alerts, waiting human actions, links);
- `/campaigns/{campaign_id}.json`: the same figures as JSON;
- `/campaigns/{campaign_id}/matchmaking` (and `.csv`): the matchmaking list with product names,
  per account manager, and BD's sign-off; `/campaigns/{campaign_id}/matchmaking/{name}`: a file of it;
- `/campaigns/{campaign_id}/traffic` (and `.csv`): the traffic allocation per live hour.

The warehouse figures come from `campaign_page.py`; Airflow's own state (human actions
waiting in Required Actions, the latest run) from the metadata database, in two queries.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, HTTPException
from fastapi.responses import HTMLResponse, Response

from creator_ops.airflow.ui import app as ui
from creator_ops.airflow.ui.campaign_charts import charts
from creator_ops.airflow.ui.campaign_page import CampaignPage, as_dict, campaign_page
from creator_ops.airflow.ui.deps import ui_now, warehouse_engine
from creator_ops.core.spec import CampaignSpec
from creator_ops.core.steps import output_root
from creator_ops.core.storage import refresh

router = APIRouter()
MATCHMAKING_SUFFIXES = (".csv", ".xlsx", ".json", ".md", ".html")


def _spec_for(user: Any, campaign_id: str) -> CampaignSpec:
    """Return the campaign's spec; 404 when there is none or the user may not read its DAG."""
    return ui.campaign_for(user, campaign_id)


def _page(spec: CampaignSpec) -> CampaignPage:
    try:
        engine = warehouse_engine(ui.warehouse_url())
    except Exception:  # a bad connection shows on the page, it must not break it
        engine = None
    try:
        return campaign_page(spec, engine, ui_now())
    except Exception as exc:  # a malformed stored row: the page says so instead of answering 500
        ui.log.exception("campaign page: figures of %s not readable", spec.id)
        page = campaign_page(spec, None, ui_now())
        page.warehouse_error = f"figures not readable: {type(exc).__name__} (see the API server's log)"
        return page


def _task_path(dag_id: str, run_id: str, task_id: str, map_index: int) -> str:
    from urllib.parse import quote

    path = f"/dags/{quote(dag_id)}/runs/{quote(run_id, safe='')}/tasks/{quote(task_id)}"
    return path + (f"/mapped/{map_index}" if map_index >= 0 else "")


def waiting_actions(dag_id: str) -> list[dict[str, Any]]:
    """Return the human-in-the-loop requests of the DAG waiting for an answer, oldest first."""
    from airflow.models.hitl import HITLDetail
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session
    from airflow.utils.state import TaskInstanceState
    from sqlalchemy import select

    ti = TaskInstance
    with create_session() as session:
        rows = session.execute(
            select(ti.run_id, ti.task_id, ti.map_index, HITLDetail.subject, HITLDetail.created_at)
            .join(HITLDetail, HITLDetail.ti_id == ti.id)
            .where(ti.dag_id == dag_id, ti.state == TaskInstanceState.AWAITING_INPUT,
                   HITLDetail.responded_at.is_(None))
            .order_by(HITLDetail.created_at)
        ).all()
    return [
        {
            "run_id": r.run_id,
            "task_id": r.task_id,
            "kind": "payout approval" if r.task_id.startswith("payouts.") else "sign-off",
            "subject": r.subject,
            "since": r.created_at,
            "path": _task_path(dag_id, r.run_id, r.task_id, r.map_index) + "/required_actions",
        }
        for r in rows
    ]


def latest_run(dag_id: str) -> dict[str, Any] | None:
    """Return the DAG's most recent run (by when it was due to run)."""
    from urllib.parse import quote

    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        run = session.execute(
            select(DagRun.run_id, DagRun.state, DagRun.start_date, DagRun.end_date, DagRun.logical_date)
            .where(DagRun.dag_id == dag_id)
            .order_by(DagRun.run_after.desc(), DagRun.id.desc())
            .limit(1)
        ).first()
    if run is None:
        return None
    return {
        "run_id": run.run_id,
        "state": str(run.state),
        "start_date": run.start_date,
        "end_date": run.end_date,
        "logical_date": run.logical_date,
        "path": f"/dags/{quote(dag_id)}/runs/{quote(run.run_id, safe='')}",
    }


def _airflow_state(user: Any, dag_id: str) -> tuple[list[dict[str, Any]], dict[str, Any] | None, str | None]:
    """Return the DAG's waiting human actions and latest run, each only if the user may read that part of the DAG."""
    try:
        actions = waiting_actions(dag_id) if ui.may_read(user, dag_id, "HITL_DETAIL") else []
        run = latest_run(dag_id) if ui.may_read(user, dag_id, "RUN") else None
        return actions, run, None
    except Exception as exc:  # the warehouse half of the page still helps
        return [], None, f"Airflow metadata not readable: {type(exc).__name__}"


def _matchmaking_files(spec: CampaignSpec) -> list[str]:
    folder = refresh(output_root() / spec.id / "matchmaking")  # object storage: today's listing, not a cached one
    if not folder.is_dir():
        return []
    names = (p.name for p in folder.iterdir() if p.suffix in MATCHMAKING_SUFFIXES)
    return sorted(name for name in names if ui.campaign_file(spec, "matchmaking", name) is not None)


def links(spec: CampaignSpec) -> dict[str, Any]:
    """Return the outputs the page links to, only those that exist."""
    return {
        "review": ui.has_review(spec),
        "matchmaking": _matchmaking_files(spec),
    }


def _local(moment: Any, spec: CampaignSpec) -> str:
    from creator_ops.core.times import as_utc

    return as_utc(moment).astimezone(spec.tz).isoformat()


def _jsonable(item: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, dt.datetime) else v) for k, v in item.items()}


@router.get("/campaigns/{campaign_id}.json")
def campaign_json(campaign_id: str, user: ui.UserDep) -> dict[str, Any]:
    """Return the campaign page's figures as JSON."""
    spec = _spec_for(user, campaign_id)
    page = _page(spec)
    actions, run, problem = _airflow_state(user, spec.dag_id)
    return as_dict(page) | {
        "human_actions_waiting": [_jsonable(a) for a in actions],
        "latest_run": _jsonable(run) if run else None,
        "airflow_error": problem,
        "links": links(spec),
    }


@router.get("/campaigns/{campaign_id}", response_class=HTMLResponse)
def campaign_html(campaign_id: str, user: ui.PageUserDep) -> HTMLResponse:
    """Render the campaign's page."""
    spec = _spec_for(user, campaign_id)
    page = _page(spec)
    actions, run, problem = _airflow_state(user, spec.dag_id)
    html = ui.templates().get_template("campaign.html").render(
        page=page,
        spec=spec,
        status=page.status,
        progress={p.key: p for p in page.progress},
        charts=charts(page),
        actions=actions,
        latest_run=run,
        airflow_error=problem,
        links=links(spec),
        upcoming_signoffs=[
            (step, spec.when(step.due)) for step in spec.runbook if spec.when(step.due) > page.now
        ],
        ui_root=ui.airflow_ui_root(),
        user=user.get_name(),
    )
    return HTMLResponse(html)


def _engine_or_503():
    try:
        return warehouse_engine(ui.warehouse_url())
    except Exception as exc:  # say what is wrong rather than fail with a 500
        raise HTTPException(status_code=503, detail=f"warehouse not readable: {type(exc).__name__}") from None


@router.get("/campaigns/{campaign_id}/matchmaking", response_class=HTMLResponse)
def matchmaking_html(campaign_id: str, user: ui.PageUserDep) -> HTMLResponse:
    """Render the campaign's matchmaking list: products by name, one tab per account manager, BD's sign-off."""
    from creator_ops.airflow.ui.mechanism_pages import VALUE_EXPLAINED, matchmaking_page

    spec = _spec_for(user, campaign_id)
    page = matchmaking_page(spec, _engine_or_503())
    html = ui.templates().get_template("matchmaking.html").render(
        page=page, spec=spec, value_explained=VALUE_EXPLAINED, user=user.get_name(), ui_root=ui.airflow_ui_root()
    )
    return HTMLResponse(html)


@router.get("/campaigns/{campaign_id}/matchmaking.csv")
def matchmaking_csv(campaign_id: str, user: ui.UserDep) -> Response:
    """Return the matchmaking list with product names and categories (formula-safe, `<campaign>_matchmaking.csv`)."""
    from creator_ops.airflow.ui.mechanism_pages import MATCHMAKING_HEADER, matchmaking_page, matchmaking_rows
    from creator_ops.core.safe_csv import csv_bytes

    spec = _spec_for(user, campaign_id)
    page = matchmaking_page(spec, _engine_or_503())
    if page.record is None:
        raise HTTPException(status_code=404, detail="no matchmaking list yet")
    body = csv_bytes(MATCHMAKING_HEADER, matchmaking_rows(page))
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{spec.id}_matchmaking.csv"'})


@router.get("/campaigns/{campaign_id}/traffic", response_class=HTMLResponse)
def traffic_html(campaign_id: str, user: ui.PageUserDep) -> HTMLResponse:
    """Render the campaign's traffic allocation per live hour: budget, spend, expected and actual GMV."""
    from creator_ops.airflow.ui.mechanism_pages import traffic_page
    from creator_ops.core.money import to_sen
    from creator_ops.figures.snapshot import traffic_of

    spec = _spec_for(user, campaign_id)
    page = traffic_page(spec, _engine_or_503(), ui_now())
    html = ui.templates().get_template("traffic.html").render(
        page=page, spec=spec, user=user.get_name(), ui_root=ui.airflow_ui_root(),
        budget_sen=to_sen(spec.traffic.budget_myr) if spec.traffic is not None else None,
        overview=traffic_of(page.snapshot),
    )  # fmt: skip
    return HTMLResponse(html)


@router.get("/campaigns/{campaign_id}/traffic.csv")
def traffic_csv(campaign_id: str, user: ui.UserDep) -> Response:
    """Return the campaign's traffic allocation, one row per hour and creator boosted (formula-safe CSV)."""
    from creator_ops.core.money import format_myr
    from creator_ops.warehouse.mechanisms import allocation_rows

    spec = _spec_for(user, campaign_id)
    try:
        rows = [
            (_local(hour, spec), creator, format_myr(spend), format_myr(expected))
            for hour, creator, spend, expected in allocation_rows(warehouse_engine(ui.warehouse_url()), spec.id)
        ]
    except Exception as exc:  # say what is wrong rather than fail with a 500
        raise HTTPException(status_code=503, detail=f"warehouse not readable: {type(exc).__name__}") from None
    if not rows:
        raise HTTPException(status_code=404, detail="no traffic allocated yet")
    from creator_ops.core.safe_csv import csv_bytes

    body = csv_bytes(["hour_start", "creator_id", "spend_myr", "expected_gmv_myr"], rows)
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{spec.id}_traffic.csv"'})


@router.get("/campaigns/{campaign_id}/matchmaking/{name}")
def matchmaking_file(campaign_id: str, name: str, user: ui.UserDep) -> Response:
    """Serve one file of the campaign's matchmaking list (only names listed in its folder)."""
    import mimetypes

    spec = _spec_for(user, campaign_id)
    if name not in _matchmaking_files(spec):
        raise HTTPException(status_code=404, detail="no such file")
    media_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return Response(ui.read_campaign_file(spec, "matchmaking", name), media_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
