"""Registers the creator-ops pieces Airflow must know by name (the campaign timetable)."""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

from creator_ops.airflow.timetable import CampaignTimetable


class CreatorOpsPlugin(AirflowPlugin):
    name = "creator_ops"
    timetables = [CampaignTimetable]
