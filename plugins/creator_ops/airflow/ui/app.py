"""The campaigns view: a FastAPI app mounted by the Airflow API server, behind Airflow's login.

Each request authenticates with Airflow's own JWT (the UI's session cookie or a bearer
token) and shows only the campaigns whose DAG the user may read. Pages are rendered from
`include/templates/ui/` by a sandboxed, autoescaping Jinja environment.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import logging
import os
import stat
from functools import cache
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from jinja2 import FileSystemLoader
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup
from starlette.datastructures import MutableHeaders

from creator_ops.airflow.ui.deps import ui_now, warehouse_engine
from creator_ops.airflow.ui.overview import CampaignStatus, campaigns_overview
from creator_ops.core.masking import mask_message
from creator_ops.core.money import format_rm as money
from creator_ops.core.paths import TEMPLATES_DIR
from creator_ops.core.settings import WAREHOUSE_CONN_ID, settings
from creator_ops.core.spec import CampaignSpec, SpecProblem, discover_specs
from creator_ops.core.steps import output_root
from creator_ops.core.storage import is_local, read_object

log = logging.getLogger(__name__)
TEMPLATES = TEMPLATES_DIR / "ui"
URL_PREFIX = "/creator-ops"
# the campaign review's files (SPEC section 10), written by the review stage under output/<campaign>/review/
REVIEW_FILES = {
    "review.html": "text/html; charset=utf-8",
    "review.json": "application/json",
    "review.md": "text/markdown; charset=utf-8",
}
# Links where ops open the pages. Opened from Airflow's navigation, a plugin page runs in an
# iframe sandboxed with "allow-scripts allow-same-origin allow-forms allow-downloads" (no
# allow-top-navigation, no allow-popups: airflow/ui/dist, the ExternalView component), and
# Airflow mirrors the frame's address into its own (`/plugin/<url_route>/...`). So:
# - a link between the plugin's own pages (a campaign, the review, the ecosystem, matchmaking,
#   traffic) has no target: it navigates the frame, and Back, reload and a copied address work;
# - a download answers `Content-Disposition: attachment` (allowed by allow-downloads);
# - a link to one of Airflow's pages (DAG grid, runs, a run, Required Actions) carries
#   target="_top". On its own the page is the top window and the link is a plain link. In the
#   frame, where the sandbox blocks it, this script hands it to Airflow's own router instead: a
#   history entry in Airflow's window and the `popstate` event its router listens to, so the
#   DAG opens in Airflow's page, not nested inside the plugin's frame. A modified click (new tab)
#   is left to the browser. The script is the only one on the pages, allowed by its hash.
TOP_LINKS_SCRIPT = (
    "(function(){if(window.top===window)return;"
    "document.addEventListener('click',function(e){"
    "if(e.defaultPrevented||e.button!==0||e.metaKey||e.ctrlKey||e.shiftKey||e.altKey)return;"
    "var a=e.target.closest?e.target.closest('a[target=\"_top\"]'):null;"
    "if(!a||a.origin!==location.origin)return;"
    "try{var t=window.top,s=t.history.state||{},i=typeof s.idx==='number'?s.idx+1:1;"
    "t.history.pushState({usr:null,key:Math.random().toString(36).slice(2,10),idx:i},'',a.pathname+a.search+a.hash);"
    "t.dispatchEvent(new t.PopStateEvent('popstate',{state:t.history.state}));e.preventDefault();}catch(x){}"
    "});})();"
)
TOP_LINKS_SCRIPT_HASH = base64.b64encode(hashlib.sha256(TOP_LINKS_SCRIPT.encode()).digest()).decode()
# Every page of the plugin is self-contained: nothing loads from anywhere (inline style and SVG,
# the one script above), and only Airflow's own UI may frame it (it shows the pages in its navigation).
PAGE_CSP = (
    f"default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-{TOP_LINKS_SCRIPT_HASH}'; "
    "frame-ancestors 'self'; base-uri 'none'; form-action 'none'"
)
# the review and ecosystem pages are the pipeline's self-contained HTML (no script, links only within the plugin)
REVIEW_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; "
    "base-uri 'none'; form-action 'none'"
)
SECURITY_HEADERS = {
    "content-security-policy": PAGE_CSP,
    "x-content-type-options": "nosniff",
    "x-frame-options": "SAMEORIGIN",
    "referrer-policy": "same-origin",
    # every answer is for one signed-in user and may name creators: no cache, shared or private, keeps it
    "cache-control": "no-store",
}


# A request waits at most this long for a slot (then 503): with a page's own time, an answer within 5 s.
QUEUE_WAIT_S = 4.0
QUEUE_PER_SLOT = 64  # waiters per slot (each an idle coroutine, no thread): 256 with the default 4 slots


class PluginGuard:
    """One ASGI middleware for every route of the plugin: bounded work, relative redirects, security headers.

    - At most `slots` requests of the plugin are in progress at once. The next ones queue, in
      order, for up to `wait` seconds each (holding no thread while they wait), at most
      `queue` of them: a busy minute (50 people opening the pages at once, each page tens of
      milliseconds) is served, not refused. Only a request that waited `wait` seconds, or
      found the queue full, gets 503 (with `Retry-After`), so every request is answered
      within about `wait` seconds plus its own page's time. Viewers can never take Airflow's
      shared thread pool, and its own routes (`/api/v2/version`, the UI) stay responsive.
    - A path with a trailing slash is redirected to the same path without it, relative to
      the host (FastAPI's own redirect is built from the Host header).
    - Every answer, error pages included, carries `SECURITY_HEADERS` (a route may set a
      stricter policy of its own).
    """

    def __init__(self, app: Any, slots: int, wait: float = QUEUE_WAIT_S, queue: int | None = None) -> None:
        self.app = app
        self.slots = slots
        self.wait = wait
        self.queue = QUEUE_PER_SLOT * slots if queue is None else queue
        self.busy = 0  # requests in progress; one event loop per API server worker, so no lock
        self.waiting = 0
        self._free: asyncio.Semaphore | None = None  # made in the server's event loop, on first use

    async def _take_slot(self) -> bool:
        """Take a slot, waiting up to `wait` seconds in a bounded queue; return False when there is none."""
        if self._free is None:
            self._free = asyncio.Semaphore(self.slots)
        if self._free.locked() and (self.wait <= 0 or self.waiting >= self.queue):
            return False
        self.waiting += 1
        try:
            await asyncio.wait_for(self._free.acquire(), timeout=self.wait if self.wait > 0 else None)
        except TimeoutError:
            return False
        finally:
            self.waiting -= 1
        return True

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
            await send(message)

        path = scope.get("path", "")
        if len(path) > 1 and path.endswith("/"):
            location = _relative_target(Request(scope)).split("?", 1)
            location[0] = location[0].rstrip("/")
            await Response(status_code=308, headers={"Location": "?".join(location)})(scope, receive, send_with_headers)
            return
        if not await self._take_slot():
            busy = JSONResponse(
                {"detail": "the campaigns view is busy: try again in a few seconds"},
                status_code=503,
                headers={"Retry-After": "5"},
            )
            await busy(scope, receive, send_with_headers)
            return
        self.busy += 1
        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            self.busy -= 1
            self._free.release()


_bearer = HTTPBearer(auto_error=False)
LONGEST_ID = 200  # a campaign id or file name longer than this names nothing here (and is never echoed)


def _relative_target(request: Request) -> str:
    """Return the path and query the browser asked for, relative to the host (never built from the Host header)."""
    path = request.scope.get("path", "")
    root = request.scope.get("root_path", "")
    full = path if path.startswith(root) else root + path
    query = request.scope.get("query_string", b"").decode("latin-1")
    return airflow_ui_root() + full + (f"?{query}" if query else "")


def sign_in_location(request: Request) -> str:
    """Return the relative URL of Airflow's sign-in page that brings the browser back here after it."""
    from airflow.api_fastapi.app import get_auth_manager

    login = urlsplit(get_auth_manager().get_url_login(next_url=_relative_target(request)))
    # FAB's login URL is absolute (from `[api] base_url`); only its path and query are kept
    return airflow_ui_root() + login.path + (f"?{login.query}" if login.query else "")


def _opened_by_browser(request: Request) -> bool:
    """Return whether a person's browser navigated here (a click or the address bar), not a script or API client."""
    if request.headers.get("sec-fetch-mode") == "navigate":
        return True
    return "text/html" in request.headers.get("accept", "")


async def _user(request: Request, bearer: HTTPAuthorizationCredentials | None, *, page: bool) -> Any:
    """Return the Airflow user of this request; a browser that is not signed in is sent to the sign-in page.

    "Not signed in" is no token, an expired one or a garbage one (Airflow answers 401 or 403 for
    those). A request with a bearer token is an API client, and so is a request for data that no
    browser navigated to: they get Airflow's status code.
    """
    # Imported here: the plugin module is loaded by every Airflow process, the API code only here.
    from airflow.api_fastapi.core_api.security import get_user

    try:
        return await get_user(request, None, bearer)
    except HTTPException as exc:
        api_client = bearer is not None or not (page or _opened_by_browser(request))
        if exc.status_code not in (401, 403) or api_client:
            raise
        raise HTTPException(status_code=303, headers={"Location": sign_in_location(request)}) from None


async def authenticated_user(
    request: Request, bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Any:
    """Return the user of a data route (JSON, CSV, files); 401/403 for API clients, the sign-in page for a browser."""
    return await _user(request, bearer, page=False)


async def page_user(request: Request, bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> Any:
    """Return the user of an HTML page; anyone not signed in (without a bearer token) goes to the sign-in page."""
    return await _user(request, bearer, page=True)


UserDep = Annotated[Any, Depends(authenticated_user)]
PageUserDep = Annotated[Any, Depends(page_user)]


def readable_dag_ids(user: Any, dag_ids: list[str], entity: Any = None) -> set[str]:
    """Return the DAG ids among `dag_ids` whose DAG (or `entity` of it: runs, HITL details) `user` may read.

    Asked the way Airflow's own routes ask (`requires_access_dag`): with the DAG's team, so
    a multi-team deployment and the FAB auth manager's per-DAG roles decide, not the plugin.
    """
    if not dag_ids:
        return set()
    from airflow.api_fastapi.app import get_auth_manager
    from airflow.api_fastapi.auth.managers.models.resource_details import DagDetails
    from airflow.models.dag import DagModel

    teams = DagModel.get_dag_id_to_team_name_mapping(list(dag_ids))
    manager = get_auth_manager()
    return {
        d
        for d in dag_ids
        if manager.is_authorized_dag(
            method="GET", access_entity=entity, details=DagDetails(id=d, team_name=teams.get(d)), user=user
        )
    }


def may_read(user: Any, dag_id: str, entity: str) -> bool:
    """Return whether `user` may read the DAG's `entity` ("RUN", "HITL_DETAIL": a `DagAccessEntity` name)."""
    from airflow.api_fastapi.auth.managers.models.resource_details import DagAccessEntity

    return dag_id in readable_dag_ids(user, [dag_id], DagAccessEntity[entity])


def campaign_for(user: Any, campaign_id: str) -> CampaignSpec:
    """Return the spec of a campaign `user` may read; one 404 for a campaign that is missing or not theirs."""
    if len(campaign_id) <= LONGEST_ID:
        spec = next((s for _, s in discover_specs(settings().campaign_specs_dir).specs if s.id == campaign_id), None)
        if spec is not None and readable_dag_ids(user, [spec.dag_id]):
            return spec
    raise HTTPException(status_code=404, detail="no such campaign")


def output_file(folder: str, sub: str, name: str) -> Path | Any | None:
    """Return `output/<folder>/<sub>/<name>` when it is a regular file there, not reached through a link.

    The output root itself may be a mount or a link (deployments put it anywhere); below it,
    the folder (a campaign's, the ecosystem's), the sub-folder and the file must be real
    entries inside it, so a link planted in an output folder (`review.html -> /etc/passwd`)
    is never followed, and the file must have one link only (`served`), so a hard link to a
    file elsewhere (`ln /etc/shadow output/c1/review/x.csv`) is not served either.
    """
    if len(name) > LONGEST_ID or "/" in name or "\\" in name or name in ("", ".", ".."):
        return None
    root = output_root()
    if not is_local(root):
        path = stored_output(root, folder, sub, name)
        return path if path is not None and read_object(path, head=True) is not None else None
    root = root.resolve()
    top = root / folder
    path = top / sub / name
    for entry in (top, top / sub, path):
        if entry.is_symlink():
            return None
    try:
        resolved = path.resolve(strict=True)
    except OSError:
        return None
    if not resolved.is_relative_to(top) or not served(resolved.lstat()):
        return None
    return resolved


def served(info: os.stat_result) -> bool:
    """A file the page serves: a regular file with one link (a hard link to a file outside the output
    folder shares its inode, so its link count is 2 or more: it is never served, never listed)."""
    return stat.S_ISREG(info.st_mode) and info.st_nlink == 1


def stored_output(root: Any, folder: str, sub: str, name: str) -> Any:
    """Return the object-storage path `<root>/<folder>/<sub>/<name>`, None when a part could climb out.

    Object storage has no links; what keeps a request inside the campaign's folder is that no
    part is empty, `.`/`..` (but `sub` "." for the folder itself) or holds a separator.
    """
    if len(name) > LONGEST_ID or "/" in name or "\\" in name or name in ("", ".", ".."):
        return None
    parts = [folder] if sub == "." else [folder, sub]
    if any(p in ("", ".", "..") or "/" in p or "\\" in p for p in parts):
        return None
    path = root
    for part in (*parts, name):
        path = path / part
    return path


def read_output_file(folder: str, sub: str, name: str) -> bytes:
    """Return the bytes of an output file (see `output_file`); 404 for anything else, naming nothing."""
    root = output_root()
    if not is_local(root):  # object storage: one GET of the object, nothing else answers
        path = stored_output(root, folder, sub, name)
        body = read_object(path) if path is not None else None
        if body is None:
            raise HTTPException(status_code=404, detail="no such file")
        return body
    path = output_file(folder, sub, name)
    if path is None:
        raise HTTPException(status_code=404, detail="no such file")
    # O_NOFOLLOW and O_NONBLOCK: a link or a FIFO swapped in after the check is refused, never followed or waited on
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        raise HTTPException(status_code=404, detail="no such file") from None
    with os.fdopen(fd, "rb") as handle:
        if not served(os.fstat(handle.fileno())):  # checked again on what was opened
            raise HTTPException(status_code=404, detail="no such file")
        return handle.read()


def campaign_file(spec: CampaignSpec, folder: str, name: str) -> Path | None:
    """Return the campaign's output file `output/<campaign>/<folder>/<name>`, or None (see `output_file`)."""
    return output_file(spec.id, folder, name)


def read_campaign_file(spec: CampaignSpec, folder: str, name: str) -> bytes:
    """Return the bytes of a campaign's output file; 404 for anything else, naming nothing."""
    return read_output_file(spec.id, folder, name)


def local_time(moment: dt.datetime | str | None, timezone: str = "Asia/Kuala_Lumpur") -> str:
    """Format a moment (or its ISO 8601 text with an offset, as snapshots store it) in the campaign's time zone."""
    from creator_ops.core.times import format_local

    return format_local(moment, timezone)


def percent(share: float | None) -> str:
    """Format a progress share for display."""
    return "—" if share is None else f"{share * 100:.0f}%"


@cache
def templates() -> SandboxedEnvironment:
    env = SandboxedEnvironment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True)
    from creator_ops.core.matchmaking import score_text

    env.filters.update(money=money, local_time=local_time, percent=percent, score=score_text)
    from creator_ops.warehouse.mechanisms import BOOSTED_GMV_MEANS, BOOSTED_GMV_NAME

    env.globals.update(boosted_gmv_name=BOOSTED_GMV_NAME, boosted_gmv_means=BOOSTED_GMV_MEANS)
    env.globals["top_links_script"] = Markup(f"<script>{TOP_LINKS_SCRIPT}</script>")
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
def airflow_ui_root() -> str:
    """Return the path the Airflow UI is served under (from `[api] base_url`)."""
    from creator_ops.airflow.config import api_base_url

    return urlsplit(api_base_url("/")).path.rstrip("/")


def spec_problem_line(problem: SpecProblem) -> str:
    """Return a broken spec's problem as a viewer sees it: the file's name, never its path on the server."""
    return mask_message(str(SpecProblem(Path(problem.file).name, problem.field, problem.message)))


def isolated_overview(specs: list[CampaignSpec], engine: Any, now: dt.datetime) -> list[CampaignStatus]:
    """Return `campaigns_overview` one campaign at a time: one whose figures cannot be read shows why on its row.

    A malformed stored row (a quality verdict that is not JSON) of one campaign must not take
    the view away from every other campaign.
    """
    by_id = {spec.id: spec for spec in specs}
    rows = []
    for row in campaigns_overview(specs, None, now):  # the rows in the overview's order, without the warehouse
        try:
            rows += campaigns_overview([by_id[row.campaign_id]], engine, now)
        except Exception as exc:  # shown on the campaign's own row
            row.warehouse_error = f"figures not readable: {type(exc).__name__} (see the API server's log)"
            log.exception("campaigns view: figures of %s not readable", row.campaign_id)
            rows.append(row)
    return rows


def _overview(user: Any, now: dt.datetime) -> tuple[list[CampaignStatus], list[str]]:
    collection = discover_specs(settings().campaign_specs_dir)
    allowed = readable_dag_ids(user, [spec.dag_id for _, spec in collection.specs])
    specs = [spec for _, spec in collection.specs if spec.dag_id in allowed]
    spec_errors = [spec_problem_line(problem) for _, error in collection.errors for problem in error.problems]
    try:
        engine = warehouse_engine(warehouse_url())
    except Exception as exc:  # a bad connection shows on the page, it must not break it
        engine = None
        spec_errors.append(f"warehouse connection {WAREHOUSE_CONN_ID!r} unusable: {type(exc).__name__}")
    return isolated_overview(specs, engine, now), spec_errors


def review_path(campaign_id: str, name: str = "review.html") -> Path:
    """Return where the review stage writes a campaign's review file."""
    return output_root() / campaign_id / "review" / name


def has_review(spec: CampaignSpec) -> bool:
    """Return whether the campaign's review page is there to be served."""
    return campaign_file(spec, "review", "review.html") is not None


def _row_json(row: CampaignStatus) -> dict[str, Any]:
    return {
        "campaign_id": row.campaign_id,
        "name": row.name,
        "type": row.campaign_type,
        "dag_id": row.dag_id,
        "phase": row.phase,
        "next_deadline": (
            {"label": row.next_deadline.label, "at": row.next_deadline.when.isoformat()} if row.next_deadline else None
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


def create_overview_app() -> FastAPI:
    """Build the Campaigns view's app; `server.create_campaigns_app` adds each campaign's pages to it."""
    app = FastAPI(
        title="Creator ops campaigns", docs_url=None, redoc_url=None, openapi_url=None, redirect_slashes=False
    )
    app.add_middleware(PluginGuard, slots=settings().ui_slots)

    @app.get("/campaigns", response_class=HTMLResponse)
    def campaigns_page(user: PageUserDep) -> HTMLResponse:
        """Render every campaign the user may see, with phase, progress, quality and payouts."""
        now = ui_now()
        rows, problems = _overview(user, now)
        specs = {spec.id: spec for _, spec in discover_specs(settings().campaign_specs_dir).specs}
        html = (
            templates()
            .get_template("campaigns.html")
            .render(
                rows=rows,
                problems=problems,
                now=now,
                ui_root=airflow_ui_root(),
                user=user.get_name(),
                reviews={r.campaign_id for r in rows if r.campaign_id in specs and has_review(specs[r.campaign_id])},
                url_prefix=URL_PREFIX,
            )
        )
        return HTMLResponse(html)

    @app.get("/campaigns/{campaign_id}/review")
    @app.get("/campaigns/{campaign_id}/review/{name}")
    def campaign_review(campaign_id: str, user: UserDep, name: str = "review.html") -> Response:
        """Serve a campaign's review (page, JSON or Markdown) to users who may read its DAG."""
        spec = campaign_for(user, campaign_id)
        if name not in REVIEW_FILES:
            raise HTTPException(status_code=404, detail="no such file")
        if campaign_file(spec, "review", name) is None:
            raise HTTPException(status_code=404, detail="no review yet: it is built in the settlement and payout runs")
        headers = {"Content-Security-Policy": REVIEW_CSP} if name == "review.html" else {}
        return Response(read_campaign_file(spec, "review", name), media_type=REVIEW_FILES[name], headers=headers)

    @app.get("/campaigns.json")
    def campaigns_json(user: UserDep) -> dict[str, Any]:
        """Return the same overview as JSON."""
        now = ui_now()
        rows, problems = _overview(user, now)
        return {"now": now.isoformat(), "campaigns": [_row_json(r) for r in rows], "problems": problems}

    return app

