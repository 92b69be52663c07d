"""The app the Airflow API server mounts: the Campaigns view (`app`) with each campaign's pages and the ecosystem.

The one module that imports the page modules, so none of them imports another back.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from fastapi import FastAPI

from creator_ops.airflow.ui.app import URL_PREFIX, create_overview_app
from creator_ops.airflow.ui.campaign_view import router as campaign_router
from creator_ops.airflow.ui.ecosystem_page import router as ecosystem_router


def create_campaigns_app() -> FastAPI:
    """Build the app the API server mounts under `URL_PREFIX`."""
    app = create_overview_app()
    app.include_router(campaign_router)  # each campaign's own page: campaign_view.py
    app.include_router(ecosystem_router)  # the creator ecosystem across campaigns (SPEC section 13)
    return app


@cache
def campaigns_fastapi_apps() -> list[dict[str, Any]]:
    """Return the `fastapi_apps` entry of the plugin (built once, on first use)."""
    return [{"app": create_campaigns_app(), "url_prefix": URL_PREFIX, "name": "Creator ops campaigns"}]
