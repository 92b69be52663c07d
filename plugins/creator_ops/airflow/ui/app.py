"""The campaigns view: a FastAPI app mounted by the Airflow API server, behind Airflow's login.

Each request authenticates with Airflow's own JWT (the UI's session cookie or a bearer
token) and shows only the campaigns whose DAG the user may read. Pages are rendered from
`include/templates/ui/` by a sandboxed, autoescaping Jinja environment.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from jinja2 import FileSystemLoader
from jinja2.sandbox import SandboxedEnvironment

from creator_ops.airflow.dag_builder import campaign_specs_dir
from creator_ops.airflow.ui.overview import CampaignStatus, campaigns_overview
from creator_ops.core.money import format_rm as money
from creator_ops.core.paths import TEMPLATES_DIR
from creator_ops.core.settings import WAREHOUSE_CONN_ID, settings
from creator_ops.core.spec import discover_specs
from creator_ops.core.steps import output_root

TEMPLATES = TEMPLATES_DIR / "ui"
URL_PREFIX = "/creator-ops"
# the campaign review's files (SPEC section 10), written by the review stage under output/<campaign>/review/
REVIEW_FILES = {
    "review.html": "text/html; charset=utf-8",
    "review.json": "application/json",
    "review.md": "text/markdown; charset=utf-8",
}
# the review page is self-contained: nothing may load from anywhere (inline style and SVG only)
REVIEW_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"

_bearer = HTTPBearer(auto_error=False)


async def authenticated_user(
    request: Request, bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Any:
    """Return the Airflow user of this request; 401/403 without a valid Airflow token."""
    # Imported here: the plugin module is loaded by every Airflow process, the API code only here.
    from airflow.api_fastapi.core_api.security import get_user

    return await get_user(request, None, bearer)


UserDep = Annotated[Any, Depends(authenticated_user)]


async def page_user(
    request: Request, bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Any:
    """Like `authenticated_user`, but a signed-out browser is sent to Airflow's sign-in page and back."""
    try:
        return await authenticated_user(request, bearer)
    except HTTPException as exc:
        if exc.status_code != 401:
            raise
        from airflow.api_fastapi.app import get_auth_manager

        login = get_auth_manager().get_url_login(next_url=str(request.url))
        raise HTTPException(status_code=303, headers={"Location": airflow_ui_root() + login}) from None


PageUserDep = Annotated[Any, Depends(page_user)]


def readable_dag_ids(user: Any, dag_ids: list[str]) -> set[str]:
    """Return the DAG ids among `dag_ids` that `user` may read."""
    from airflow.api_fastapi.app import get_auth_manager
    from airflow.api_fastapi.auth.managers.models.resource_details import DagDetails

    manager = get_auth_manager()
    return {d for d in dag_ids if manager.is_authorized_dag(method="GET", details=DagDetails(id=d), user=user)}


def local_time(moment: dt.datetime | None, timezone: str = "Asia/Kuala_Lumpur") -> str:
    """Format a moment in the campaign's time zone."""
    if moment is None:
        return "—"
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo(timezone)).strftime("%a %d %b %Y %H:%M")


def percent(share: float | None) -> str:
    """Format a progress share for display."""
    return "—" if share is None else f"{share * 100:.0f}%"


@cache
def templates() -> SandboxedEnvironment:
    env = SandboxedEnvironment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True)
    env.filters.update(money=money, local_time=local_time, percent=percent)
    return env


def warehouse_url() -> str:
    """Return the warehouse URI from the Airflow connection, or the embedded SQLite default."""
    from airflow.exceptions import AirflowNotFoundException
    from airflow.models.connection import Connection

    from creator_ops.warehouse.db import default_url

    try:
        conn = Connection.get_connection_from_secrets(WAREHOUSE_CONN_ID)
    except AirflowNotFoundException:
        return default_url()
    from creator_ops.airflow.hooks import connection_url

    # the tasks' rule (postgres, sqlite, or a SQLAlchemy URL in extra), so the view reads what they write
    return connection_url(conn)


@cache
def _engine(url: str):
    from creator_ops.warehouse.db import make_engine

    # Read-only use: no migration here, so the view never changes the warehouse.
    return make_engine(url)


def airflow_ui_root() -> str:
    """Return the path the Airflow UI is served under (from `[api] base_url`)."""
    from airflow.configuration import conf

    return urlsplit(conf.get("api", "base_url", fallback="/") or "/").path.rstrip("/")


def _overview(user: Any, now: dt.datetime) -> tuple[list[CampaignStatus], list[str]]:
    collection = discover_specs(campaign_specs_dir())
    allowed = readable_dag_ids(user, [spec.dag_id for _, spec in collection.specs])
    specs = [spec for _, spec in collection.specs if spec.dag_id in allowed]
    spec_errors = [str(problem) for _, error in collection.errors for problem in error.problems]
    try:
        engine = _engine(warehouse_url())
    except Exception as exc:  # a bad connection shows on the page, it must not break it
        engine = None
        spec_errors.append(f"warehouse connection {WAREHOUSE_CONN_ID!r} unusable: {type(exc).__name__}")
    return campaigns_overview(specs, engine, now), spec_errors


def review_path(campaign_id: str, name: str = "review.html") -> Path:
    """Return where the review stage writes a campaign's review file."""
    return output_root() / campaign_id / "review" / name


def _readable_review(user: Any, campaign_id: str, name: str) -> Path:
    """Return the review file of a campaign the user may read; 404 for anything else (no hint why)."""
    if name not in REVIEW_FILES:
        raise HTTPException(status_code=404)
    specs = {spec.id: spec for _, spec in discover_specs(campaign_specs_dir()).specs}
    spec = specs.get(campaign_id)
    if spec is None or not readable_dag_ids(user, [spec.dag_id]):
        raise HTTPException(status_code=404, detail="no such campaign")
    path = review_path(spec.id, name)
    if not path.is_file():
        raise HTTPException(status_code=404, detail="no review yet: it is built in the settlement and payout runs")
    return path


def _row_json(row: CampaignStatus) -> dict[str, Any]:
    return {
        "campaign_id": row.campaign_id,
        "name": row.name,
        "type": row.campaign_type,
        "dag_id": row.dag_id,
        "phase": row.phase,
        "next_deadline": (
            {"label": row.next_deadline.label, "at": row.next_deadline.when.isoformat()}
            if row.next_deadline
            else None
        ),
        "creators_enrolled": row.creators_enrolled,
        "creators_target": row.creators_target,
        "gmv_sen": row.gmv_sen,
        "gmv_target_sen": row.gmv_target_sen,
        "quality": row.quality,
        "quality_failed": row.quality_failed,
        "payout": row.payout,
        "payout_total_sen": row.payout_total_sen,
        "last_run_phase": row.last_run_phase,
        "warehouse_error": row.warehouse_error,
    }


def _now() -> dt.datetime:
    # A setting, not an injected clock: the view runs inside Airflow's API server process,
    # which demos, screenshots and the browser tests reach only through its environment.
    pinned = settings().ui_now  # CREATOR_OPS_UI_NOW
    return pinned if pinned is not None else dt.datetime.now(dt.UTC)


def create_campaigns_app() -> FastAPI:
    """Build the app the API server mounts under `URL_PREFIX`."""
    app = FastAPI(title="Creator ops campaigns", docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/campaigns", response_class=HTMLResponse)
    def campaigns_page(user: PageUserDep) -> HTMLResponse:
        """Render every campaign the user may see, with phase, progress, quality and payouts."""
        now = _now()
        rows, problems = _overview(user, now)
        html = templates().get_template("campaigns.html").render(
            rows=rows,
            problems=problems,
            now=now,
            ui_root=airflow_ui_root(),
            user=user.get_name(),
            reviews={r.campaign_id for r in rows if review_path(r.campaign_id).is_file()},
            url_prefix=URL_PREFIX,
        )
        return HTMLResponse(html)

    @app.get("/campaigns/{campaign_id}/review")
    @app.get("/campaigns/{campaign_id}/review/{name}")
    def campaign_review(campaign_id: str, user: UserDep, name: str = "review.html") -> Response:
        """Serve a campaign's review (page, JSON or Markdown) to users who may read its DAG."""
        path = _readable_review(user, campaign_id, name)
        headers = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
        if name == "review.html":
            headers["Content-Security-Policy"] = REVIEW_CSP
        return Response(path.read_bytes(), media_type=REVIEW_FILES[name], headers=headers)

    @app.get("/campaigns.json")
    def campaigns_json(user: UserDep) -> dict[str, Any]:
        """Return the same overview as JSON."""
        now = _now()
        rows, problems = _overview(user, now)
        return {"now": now.isoformat(), "campaigns": [_row_json(r) for r in rows], "problems": problems}

    # each campaign's own page: campaign_view.py (imported here, it builds on this module)
    from creator_ops.airflow.ui.campaign_view import router as campaign_router

    app.include_router(campaign_router)
    # the creator ecosystem across campaigns (SPEC section 13): ecosystem_page.py
    from creator_ops.airflow.ui.ecosystem_page import router as ecosystem_router

    app.include_router(ecosystem_router)
    return app


@cache
def campaigns_fastapi_apps() -> list[dict[str, Any]]:
    """Return the `fastapi_apps` entry of the plugin (built once, on first use)."""
    return [{"app": create_campaigns_app(), "url_prefix": URL_PREFIX, "name": "Creator ops campaigns"}]

