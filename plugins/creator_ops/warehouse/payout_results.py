"""Each campaign's latest section 5 result, stored by the payout step and read by the ecosystem (SPEC section 13).

The payouts step's `calculate` computes a campaign's section 5 result on its current
warehouse inputs, records it in the ledger (`payout_ledger`: full rows before approval,
differences after) and stores here what section 13 needs of the *whole* result: per
creator, whether section 5 rule 2 enrols it and whether it has a result row (with the row's
eligible GMV, eligible orders and total). One stored result per campaign: each calculation
replaces it, whatever the ledger does with it (a recalculation before approval supersedes
the open one, after approval it becomes an adjustment, a rerun on the same inputs is
"unchanged", a decision may reject it): the ecosystem describes who enrolled and who sold
on the latest inputs the engine saw, not what has been approved for payment. The header
(`payout_results`) names the calculation: ledger id (None when the campaign pays nothing),
run, spec and inputs digests, when.

A campaign settled by a version before `0018_payout_results` has no stored result until its
payouts are calculated again: `stored_result` returns None and the ecosystem names it as
missing (it never recomputes, and never counts it as a campaign where nobody enrolled).
The warehouse stores and reads only: the figures are `figures.ecosystem`'s.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, insert, select

from creator_ops.warehouse.bulk import bulk_insert
from creator_ops.warehouse.schema import payout_result_rows, payout_results

if TYPE_CHECKING:
    import pyarrow as pa
    from sqlalchemy import Engine

RESULT_COLUMNS = ("creator_id", "eligible_gmv_sen", "eligible_orders", "total_sen")


@dataclass(frozen=True)
class StoredResult:
    """A campaign's stored section 5 result: rule 2's enrolled creators and the result rows' eligible GMV."""

    campaign_id: str
    calculation_id: str | None
    run_id: str
    spec_sha256: str
    inputs_sha256: str
    computed_at: dt.datetime
    enrolled: frozenset[str]
    selling_gmv_sen: Mapping[str, int]  # creator with a result row -> its eligible GMV in sen


def store_result(
    engine: Engine,
    campaign_id: str,
    result: pa.Table,
    enrolled: Iterable[str],
    *,
    calculation_id: str | None,
    run_id: str,
    spec_sha256: str,
    inputs_sha256: str,
    now: dt.datetime | None = None,
) -> int:
    """Replace the campaign's stored result with `result` (the engine's rows) and rule 2's `enrolled`; return rows.

    `result` needs the columns `RESULT_COLUMNS`; header and rows are replaced in one transaction.
    """
    import pyarrow as pa

    now = now or dt.datetime.now(dt.UTC)
    columns = result.select(list(RESULT_COLUMNS)).to_pydict()
    selling = {
        c: (int(g), int(o), int(t))
        for c, g, o, t in zip(*(columns[n] for n in RESULT_COLUMNS), strict=True)
    }
    enrolled_set = set(enrolled)
    creators = sorted(enrolled_set | set(selling))
    zero = (0, 0, 0)
    rows = pa.table(
        {
            "creator_id": pa.array(creators, pa.string()),
            "enrolled": pa.array([c in enrolled_set for c in creators], pa.bool_()),
            "selling": pa.array([c in selling for c in creators], pa.bool_()),
            "eligible_gmv_sen": pa.array([selling.get(c, zero)[0] for c in creators], pa.int64()),
            "eligible_orders": pa.array([selling.get(c, zero)[1] for c in creators], pa.int64()),
            "total_sen": pa.array([selling.get(c, zero)[2] for c in creators], pa.int64()),
        }
    )
    header = {
        "campaign_id": campaign_id,
        "calculation_id": calculation_id,
        "run_id": run_id,
        "spec_sha256": spec_sha256,
        "inputs_sha256": inputs_sha256,
        "computed_at": now,
    }
    with engine.begin() as conn:
        conn.execute(delete(payout_result_rows).where(payout_result_rows.c.campaign_id == campaign_id))
        conn.execute(delete(payout_results).where(payout_results.c.campaign_id == campaign_id))
        conn.execute(insert(payout_results), [header])
        bulk_insert(conn, payout_result_rows, rows, {"campaign_id": campaign_id})
    return rows.num_rows


def stored_result(engine: Engine, campaign_id: str) -> StoredResult | None:
    """Return the campaign's stored result, or None when its payouts were never calculated by this version."""
    from creator_ops.core.times import as_utc

    r = payout_result_rows.c
    with engine.connect() as conn:
        header = conn.execute(select(payout_results).where(payout_results.c.campaign_id == campaign_id)).first()
        if header is None:
            return None
        # straight from the DB-API rows (SQLite hands booleans back as 0/1)
        cursor = conn.execute(
            select(r.creator_id, r.enrolled, r.selling, r.eligible_gmv_sen).where(r.campaign_id == campaign_id)
        )
        try:
            rows: list[Any] = cursor.cursor.fetchall()
        finally:
            cursor.close()
    return StoredResult(
        campaign_id=campaign_id,
        calculation_id=header.calculation_id,
        run_id=header.run_id,
        spec_sha256=header.spec_sha256,
        inputs_sha256=header.inputs_sha256,
        computed_at=as_utc(header.computed_at),
        enrolled=frozenset(c for c, enrolled, _, _ in rows if enrolled),
        selling_gmv_sen={c: int(gmv) for c, _, selling, gmv in rows if selling},
    )
