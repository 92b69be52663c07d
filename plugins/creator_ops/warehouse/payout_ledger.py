"""The payout ledger: calculations and their per-creator rows, from calculation to finance export.

States: `calculated` → `approved` → `exported`, or `calculated` → `rejected`; a newer
calculation before approval `supersedes` the open one (its rows are replaced). After
approval rows never change: a later calculation records per-creator differences as
`adjustment` rows against the approved (or exported) total, which need their own
approval. Every calculation names its spec (sha256) and inputs (sha256); its id is
derived from them, so recomputing the same inputs is idempotent.

The ledger stores and reads: the finance export's file is written by the finance layer
(`steps.finance.export_calculation`, `core.finance.export`) from `exportable`'s rows, which
then records the transition with `mark_exported`. The export is deterministic (payment
references are hashes of campaign, calculation and creator, kept once set), so exporting
twice writes the same file and never pays anyone twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, delete, func, insert, select, update

from creator_ops.core.errors import CreatorOpsError
from creator_ops.warehouse.schema import payout_calculations, payout_ledger

if TYPE_CHECKING:
    from creator_ops.core.payouts import PayoutResult

# a creator's payout figures, named once: the ledger table's columns marked as components (also the
# names of `core.payouts.CreatorPayout`'s fields `record` copies)
COMPONENTS = tuple(c.name for c in payout_ledger.columns if c.info.get("payout_component"))
SETTLED_STATES = ("approved", "exported")


class LedgerError(CreatorOpsError):
    """A ledger transition that is not allowed (approve a rejected calculation, export before approval…)."""


@dataclass(frozen=True)
class LedgerRecord:
    """What recording a calculation did: `payout`, `adjustment`, or `unchanged` (nothing to add)."""

    calculation_id: str
    kind: str
    state: str
    rows: int
    total_sen: int


class PayoutLedger:
    """The ledger of one campaign in the warehouse."""

    def __init__(self, engine: Engine, campaign_id: str) -> None:
        self.engine = engine
        self.campaign_id = campaign_id

    # ------------------------------------------------------------------ reading

    def calculation(self, calculation_id: str) -> Mapping[str, Any] | None:
        with self.engine.connect() as conn:
            row = (
                conn.execute(select(payout_calculations).where(payout_calculations.c.calculation_id == calculation_id))
                .mappings()
                .first()
            )
        return dict(row) if row else None

    def calculations(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(payout_calculations)
                .where(payout_calculations.c.campaign_id == self.campaign_id)
                .order_by(payout_calculations.c.calculated_at, payout_calculations.c.calculation_id)
            ).mappings()
            return [dict(r) for r in rows]

    def open_calculation(self) -> dict[str, Any] | None:
        """Return the calculation awaiting a decision, if any."""
        with self.engine.connect() as conn:
            row = (
                conn.execute(
                    select(payout_calculations).where(
                        payout_calculations.c.campaign_id == self.campaign_id,
                        payout_calculations.c.state == "calculated",
                    )
                )
                .mappings()
                .first()
            )
        return dict(row) if row else None

    def entries(self, calculation_id: str) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(payout_ledger)
                .where(payout_ledger.c.calculation_id == calculation_id)
                .order_by(payout_ledger.c.creator_id)
            ).mappings()
            return [dict(r) for r in rows]

    def settled_totals(self, conn: Connection | None = None) -> dict[str, dict[str, int]]:
        """Return per creator the sum of every approved or exported row (what is owed so far)."""
        query = (
            select(payout_ledger.c.creator_id, *(func.sum(payout_ledger.c[c]).label(c) for c in COMPONENTS))
            .join(payout_calculations, payout_calculations.c.calculation_id == payout_ledger.c.calculation_id)
            .where(
                payout_ledger.c.campaign_id == self.campaign_id,
                payout_calculations.c.state.in_(SETTLED_STATES),
            )
            .group_by(payout_ledger.c.creator_id)
        )
        if conn is None:
            with self.engine.connect() as own:
                rows = own.execute(query).mappings().all()
        else:
            rows = conn.execute(query).mappings().all()
        return {r["creator_id"]: {c: int(r[c] or 0) for c in COMPONENTS} for r in rows}

    def _latest_settled_id(self, conn: Connection) -> str | None:
        return conn.execute(
            select(payout_calculations.c.calculation_id)
            .where(
                payout_calculations.c.campaign_id == self.campaign_id,
                payout_calculations.c.state.in_(SETTLED_STATES),
            )
            .order_by(payout_calculations.c.decided_at.desc(), payout_calculations.c.calculation_id.desc())
            .limit(1)
        ).scalar()

    # ------------------------------------------------------------------ recording

    def record(
        self,
        result: PayoutResult,
        *,
        run_id: str,
        spec_sha256: str,
        inputs_sha256: str,
        summary: Mapping[str, Any] | None = None,
        now: dt.datetime | None = None,
    ) -> LedgerRecord:
        """Record a calculation: full rows before any approval, differences after; replace an open one."""
        now = now or dt.datetime.now(dt.UTC)
        desired = {r.creator_id: {c: getattr(r, c) for c in COMPONENTS} for r in result.rows}
        with self.engine.begin() as conn:
            base_id = self._latest_settled_id(conn)
            if base_id is None:
                kind, rows = "payout", desired
            else:
                kind, rows = "adjustment", _differences(desired, self.settled_totals(conn))
            calculation_id = hashlib.sha256(
                f"{self.campaign_id}\n{spec_sha256}\n{inputs_sha256}\n{base_id or ''}".encode()
            ).hexdigest()
            existing = conn.execute(
                select(payout_calculations.c.state).where(payout_calculations.c.calculation_id == calculation_id)
            ).scalar()
            if existing is not None and existing != "calculated":
                return self._record_of(conn, calculation_id, kind)  # decided already: never rewritten
            self._supersede_open(conn, keep=calculation_id, now=now)
            if kind == "adjustment" and not rows:
                return self._record_of(conn, base_id, "unchanged")
            conn.execute(delete(payout_ledger).where(payout_ledger.c.calculation_id == calculation_id))
            conn.execute(delete(payout_calculations).where(payout_calculations.c.calculation_id == calculation_id))
            conn.execute(
                insert(payout_calculations),
                [
                    {
                        "calculation_id": calculation_id,
                        "campaign_id": self.campaign_id,
                        "run_id": run_id,
                        "state": "calculated",
                        "spec_sha256": spec_sha256,
                        "inputs_sha256": inputs_sha256,
                        "creators": len(rows),
                        "total_sen": sum(r["total_sen"] for r in rows.values()),
                        "budget_sen": result.rules.budget_sen,
                        "scaled": result.scaled,
                        "calculated_at": now,
                        "base_calculation_id": base_id,
                        "summary_json": json.dumps(dict(summary or result.summary()), sort_keys=True, default=str),
                    }
                ],
            )
            if rows:
                conn.execute(
                    insert(payout_ledger),
                    [
                        {
                            "campaign_id": self.campaign_id,
                            "calculation_id": calculation_id,
                            "creator_id": creator,
                            "kind": kind,
                            "state": "calculated",
                            "created_at": now,
                            **values,
                        }
                        for creator, values in sorted(rows.items())
                    ],
                )
            return self._record_of(conn, calculation_id, kind)

    def _record_of(self, conn: Connection, calculation_id: str, kind: str) -> LedgerRecord:
        row = (
            conn.execute(select(payout_calculations).where(payout_calculations.c.calculation_id == calculation_id))
            .mappings()
            .one()
        )
        return LedgerRecord(calculation_id, kind, row["state"], row["creators"], int(row["total_sen"]))

    def _supersede_open(self, conn: Connection, keep: str, now: dt.datetime) -> None:
        stale = (
            conn.execute(
                select(payout_calculations.c.calculation_id).where(
                    payout_calculations.c.campaign_id == self.campaign_id,
                    payout_calculations.c.state == "calculated",
                    payout_calculations.c.calculation_id != keep,
                )
            )
            .scalars()
            .all()
        )
        for calculation_id in stale:
            conn.execute(delete(payout_ledger).where(payout_ledger.c.calculation_id == calculation_id))
            conn.execute(
                update(payout_calculations)
                .where(payout_calculations.c.calculation_id == calculation_id)
                .values(state="superseded", decided_at=now, decision_note=f"replaced by {keep}")
            )

    # ------------------------------------------------------------------ decisions

    def shown_in_run(self, run_id: str) -> Any:
        """Return the calculation put to approval in run `run_id` (calculation_id, state, decision_note), or None."""
        pc = payout_calculations.c
        with self.engine.connect() as conn:
            return conn.execute(
                select(pc.calculation_id, pc.state, pc.decision_note)
                .where(pc.campaign_id == self.campaign_id, pc.approval_run_id == run_id)
                .order_by(pc.calculated_at.desc())
                .limit(1)
            ).first()

    def mark_approval_requested(self, calculation_id: str, run_id: str) -> None:
        """Remember which DAG run asks for this calculation's approval."""
        with self.engine.begin() as conn:
            conn.execute(
                update(payout_calculations)
                .where(payout_calculations.c.calculation_id == calculation_id)
                .values(approval_run_id=run_id)
            )

    def approve(self, calculation_id: str, by: str, note: str | None = None, now: dt.datetime | None = None) -> None:
        """Approve an open calculation (idempotent); its rows become immutable."""
        self._decide(calculation_id, "approved", by, note, now)

    def reject(self, calculation_id: str, by: str, note: str | None, now: dt.datetime | None = None) -> None:
        """Reject an open calculation with the reason; it can never be exported."""
        self._decide(calculation_id, "rejected", by, note, now)

    def _decide(self, calculation_id: str, state: str, by: str, note: str | None, now: dt.datetime | None) -> None:
        now = now or dt.datetime.now(dt.UTC)
        with self.engine.begin() as conn:
            current = conn.execute(
                select(payout_calculations.c.state, payout_calculations.c.base_calculation_id).where(
                    payout_calculations.c.calculation_id == calculation_id
                )
            ).first()
            if current is None:
                raise LedgerError(f"no payout calculation {calculation_id}")
            if current.state == state or (state == "approved" and current.state == "exported"):
                return
            if current.state != "calculated":
                raise LedgerError(f"calculation {calculation_id[:12]} is {current.state}; it cannot be {state}")
            if state == "approved" and current.base_calculation_id != self._latest_settled_id(conn):
                raise LedgerError(
                    f"calculation {calculation_id[:12]} was computed against another approved total; recalculate"
                )
            conn.execute(
                update(payout_calculations)
                .where(payout_calculations.c.calculation_id == calculation_id)
                .values(state=state, decided_by=by, decided_at=now, decision_note=note)
            )
            if state == "approved":
                conn.execute(
                    update(payout_ledger)
                    .where(payout_ledger.c.calculation_id == calculation_id)
                    .values(state="approved")
                )

    # ------------------------------------------------------------------ export

    def exportable(self, calculation_id: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """Return an approved (or exported) calculation and its rows; raise LedgerError for any other state.

        The finance layer (`steps.finance.export_calculation`) writes the file from them and then
        records the export with `mark_exported`.
        """
        calc = self.calculation(calculation_id)
        if calc is None:
            raise LedgerError(f"no payout calculation {calculation_id}")
        if calc["state"] not in SETTLED_STATES:
            reason = f": {calc['decision_note']}" if calc.get("decision_note") else ""
            raise LedgerError(
                f"calculation {calculation_id[:12]} is {calc['state']}{reason}; only approved ones export"
            )
        return dict(calc), self.entries(calculation_id)

    def mark_exported(self, calculation_id: str, references: Mapping[str, str]) -> None:
        """Record a written export: each paid creator's payment reference (kept once set) and the state `exported`."""
        with self.engine.begin() as conn:
            for creator, reference in references.items():
                conn.execute(
                    update(payout_ledger)
                    .where(
                        payout_ledger.c.calculation_id == calculation_id,
                        payout_ledger.c.creator_id == creator,
                        payout_ledger.c.payment_reference.is_(None),
                    )
                    .values(payment_reference=reference)
                )
            conn.execute(
                update(payout_ledger).where(payout_ledger.c.calculation_id == calculation_id).values(state="exported")
            )
            conn.execute(
                update(payout_calculations)
                .where(payout_calculations.c.calculation_id == calculation_id)
                .values(state="exported")
            )


def _differences(desired: dict[str, dict[str, int]], settled: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    """Return per creator what must be added to the settled rows to reach `desired` (non-zero only)."""
    zero = dict.fromkeys(COMPONENTS, 0)
    rows = {}
    for creator in sorted(set(desired) | set(settled)):
        want, have = desired.get(creator, zero), settled.get(creator, zero)
        diff = {c: want[c] - have[c] for c in COMPONENTS}
        if any(diff.values()):
            rows[creator] = diff
    return rows
