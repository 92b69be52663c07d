"""The finance dates a campaign's runbook carries when its `finance` switches are on (SPEC section 14).

- `finance_wht_remittance`: the s107D withholding is remitted to LHDN within 30 days of the payout date.
- `finance_cp58_statements`: the year's CP58 statements reach the payees by 31 March of the next year.

They are ordinary runbook sign-offs: they open in the payout run (the last run of the campaign),
wait in Required Actions for finance, and escalate by alert when unanswered past their due date.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from creator_ops.core.spec import CampaignSpec, RunbookStep

REMITTANCE_STEP_ID = "finance_wht_remittance"
CP58_STEP_ID = "finance_cp58_statements"
FINANCE_OWNER = "finance"


def finance_runbook_steps(spec: CampaignSpec) -> list[RunbookStep]:
    """Return the runbook steps of the switched-on finance rules, with their due dates."""
    from creator_ops.core.finance.cp58 import due_date as cp58_due
    from creator_ops.core.finance.withholding import REMITTANCE_DAYS
    from creator_ops.core.spec import RunbookStep

    steps = []
    if spec.finance.s107d:
        steps.append(
            RunbookStep(
                id=REMITTANCE_STEP_ID,
                title="Finance remits the s107D withholding to LHDN (wht_summary.json)",
                due=f"payout_date + {REMITTANCE_DAYS}d",
                owner=FINANCE_OWNER,
                respond_by=f"payout_date + {REMITTANCE_DAYS + 1}d",
            )
        )
    if spec.finance.cp58:
        year = spec.timeline.payout_date.year
        due = dt.datetime.combine(cp58_due(year), dt.time(23, 59), tzinfo=spec.tz)
        steps.append(
            RunbookStep(
                id=CP58_STEP_ID,
                title=f"Finance gives the {year} CP58 statements to the payees",
                due=due,
                owner=FINANCE_OWNER,
                respond_by=due + dt.timedelta(days=1),
            )
        )
    return steps
