"""Registers the creator-ops pieces Airflow must know by name: the campaign timetable and the campaigns view."""

from __future__ import annotations

from typing import Any

from airflow.plugins_manager import AirflowPlugin

from creator_ops.airflow.timetable import CampaignTimetable


class CreatorOpsPlugin(AirflowPlugin):
    name = "creator_ops"
    timetables = [CampaignTimetable]
    external_views = [
        {
            "name": "Campaigns",
            "href": "/creator-ops/campaigns",
            "destination": "nav",
            "url_route": "creator-ops-campaigns",
            "nav_top_level": True,
        },
        {
            "name": "Creator ecosystem",
            "href": "/creator-ops/ecosystem",
            "destination": "nav",
            "url_route": "creator-ops-ecosystem",
            "nav_top_level": True,
        },
    ]

    @property
    def fastapi_apps(self) -> list[dict[str, Any]]:  # type: ignore[override]
        # Built on first use: only the API server asks, so other processes never import FastAPI.
        from creator_ops.airflow.ui.server import campaigns_fastapi_apps

        return campaigns_fastapi_apps()
