"""The finance dates a campaign's runbook carries when its `finance` switches are on (SPEC section 14).

- `finance_wht_remittance`: the s107D withholding is remitted to LHDN within 30 days of the payout date.
- `finance_cp58_statements`: the year's CP58 statements reach the payees by 31 March of the next year.

They are ordinary runbook sign-offs: they open in the payout run (the last run of the campaign),
wait in Required Actions for finance, and escalate by alert when unanswered past their due date.
This module is a leaf (it imports nothing of the product): the spec parser adds these steps
(`core.spec`), and the withholding and CP58 rules read their dates from here, so no import runs
back from finance to the spec.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

REMITTANCE_STEP_ID = "finance_wht_remittance"
CP58_STEP_ID = "finance_cp58_statements"
FINANCE_OWNER = "finance"
REMITTANCE_DAYS = 30  # s107D withholding is remitted within 30 days of the payout date


def remittance_due(payout_date: dt.date) -> dt.date:
    """Return the remittance due date: 30 days after the payout date."""
    return payout_date + dt.timedelta(days=REMITTANCE_DAYS)


def cp58_due(year: int) -> dt.date:
    """Return the day the year's CP58 statements are due to the payees: 31 March of the next year."""
    return dt.date(year + 1, 3, 31)


def finance_runbook_steps(
    s107d: bool, cp58: bool, payout_date: dt.datetime, tz: dt.tzinfo
) -> list[dict[str, Any]]:
    """Return the runbook steps (RunbookStep fields) of the switched-on finance rules, with their due dates."""
    steps: list[dict[str, Any]] = []
    if s107d:
        steps.append(
            dict(
                id=REMITTANCE_STEP_ID,
                title="Finance remits the s107D withholding to LHDN (wht_summary.json)",
                due=f"payout_date + {REMITTANCE_DAYS}d",
                owner=FINANCE_OWNER,
                respond_by=f"payout_date + {REMITTANCE_DAYS + 1}d",
            )
        )
    if cp58:
        year = payout_date.year
        due = dt.datetime.combine(cp58_due(year), dt.time(23, 59), tzinfo=tz)
        steps.append(
            dict(
                id=CP58_STEP_ID,
                title=f"Finance gives the {year} CP58 statements to the payees",
                due=due,
                owner=FINANCE_OWNER,
                respond_by=due + dt.timedelta(days=1),
            )
        )
    return steps
