"""What every page of the campaigns view shares that is not a route: the warehouse engine and "now".

Kept apart from `app` (the routes and the Campaigns view) so that the page modules
(`campaign_view`, `ecosystem_page`) and `app` import it without importing each other's
privates; `server` builds the mounted app from all of them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from creator_ops.core.settings import settings


def warehouse_engine(url: str) -> Any:
    """Return an engine on the warehouse at `url`, for reading (no migration: a view never changes it)."""
    from creator_ops.warehouse.db import make_engine

    return make_engine(url)


def ui_now() -> dt.datetime:
    """Return the moment the pages describe: now, or the pinned `CREATOR_OPS_UI_NOW` setting."""
    # A setting, not an injected clock: the view runs inside Airflow's API server process,
    # which demos, screenshots and the browser tests reach only through its environment.
    pinned = settings().ui_now
    return pinned if pinned is not None else dt.datetime.now(dt.UTC)
