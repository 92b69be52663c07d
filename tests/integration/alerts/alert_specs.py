"""The campaign spec the alert tests share (a module of its own: `conftest` names clash across folders)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal


def spec_data(**overrides):
    data = {
        "id": "my_1212_2026",
        "name": "12.12 Year-End Mega Sale 2026",
        "type": "double_digit",
        "timeline": {"event_start": dt.date(2026, 12, 12)},
        "targets": {"creators_enrolled": 100, "gmv_myr": Decimal("10000"), "survey_responses": 10},
        "milestones": [
            {"metric": "creators_enrolled", "fractions": [Decimal("0.5"), Decimal("1.0")]},
            {"metric": "gmv_myr", "fractions": [Decimal("0.5")]},
            {"before": "registration_closes", "hours": 48},
        ],
        "alerts": {
            "slack_conn_id": "slack_creator_ops",
            "smtp_conn_id": "smtp_creator_ops",
            "email_to": ["creator-ops-my@example.com"],
        },
        "quality": {"max_quarantine_share": Decimal("0.05")},
    }
    data.update(overrides)
    return data
