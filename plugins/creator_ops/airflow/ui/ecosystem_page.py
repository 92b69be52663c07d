"""The ecosystem page next to the Campaigns view (SPEC section 13), behind Airflow's login.

Routes of the campaigns app (`app.py` includes `router`):

- `/ecosystem`: ecosystem.html, the page the ecosystem DAG wrote (cohort heatmap, growth
  accounting per campaign, the scorecard's leaders, creators lost since the last campaign);
- `/ecosystem/{ecosystem.json | creators.csv}`: its figures and the whole scorecard.

The page spans every campaign, so it is shown to users who may read the ecosystem DAG
(`creator_ecosystem`): Airflow's auth manager decides, as for a campaign's DAG. The web
server reads the files the DAG's run wrote; it never recomputes a figure.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException
from fastapi.responses import HTMLResponse, Response

from creator_ops.airflow.ecosystem import ECOSYSTEM_DAG_ID
from creator_ops.airflow.ui import app as ui

router = APIRouter()
ECOSYSTEM_FILES = {
    "ecosystem.html": "text/html; charset=utf-8",
    "ecosystem.json": "application/json",
    "creators.csv": "text/csv; charset=utf-8",
}
NOT_YET = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Creator ecosystem</title></head>
<body style="font-family:sans-serif;margin:24px"><h1>Creator ecosystem</h1>
<p id="not-yet">Not built yet: the ecosystem DAG (<code>creator_ecosystem</code>) builds it when a campaign's
settlement or payout run records its payouts.</p><p><a href="campaigns">Campaigns</a></p></body></html>"""


def ecosystem_url() -> str | None:
    """Return the page's address in the Airflow UI (None when `[api] base_url` is not a full URL)."""
    from airflow.configuration import conf

    base = (conf.get("api", "base_url", fallback="") or "").rstrip("/")
    if not base.startswith(("http://", "https://")):
        return None
    return f"{base}{ui.URL_PREFIX}/ecosystem"


def _require_reader(user: Any) -> None:
    if not ui.readable_dag_ids(user, [ECOSYSTEM_DAG_ID]):
        raise HTTPException(status_code=404)


@router.get("/ecosystem", response_class=HTMLResponse)
def ecosystem_page(user: ui.PageUserDep) -> Response:
    """Serve ecosystem.html (self-contained: nothing loads from anywhere)."""
    return ecosystem_file("ecosystem.html", user)


@router.get("/ecosystem/{name}")
def ecosystem_file(name: str, user: ui.UserDep) -> Response:
    """Serve one of the ecosystem's files to users who may read the ecosystem DAG."""
    from creator_ops.steps.ecosystem import ECOSYSTEM_FOLDER

    _require_reader(user)
    if name not in ECOSYSTEM_FILES:
        raise HTTPException(status_code=404)
    headers = {"Content-Security-Policy": ui.REVIEW_CSP} if name == "ecosystem.html" else {}
    # a regular file of output/ecosystem/, never a link or FIFO planted there (ui.output_file)
    if ui.output_file(ECOSYSTEM_FOLDER, ".", name) is None:
        if name == "ecosystem.html":
            return HTMLResponse(NOT_YET, headers=headers)
        raise HTTPException(status_code=404, detail="no ecosystem yet")
    body = ui.read_output_file(ECOSYSTEM_FOLDER, ".", name)
    return Response(body, media_type=ECOSYSTEM_FILES[name], headers=headers)
