"""The payout ledger: calculations and their per-creator rows, from calculation to finance export.

States: `calculated` → `approved` → `exported`, or `calculated` → `rejected`; a newer
calculation before approval `supersedes` the open one (its rows are replaced). After
approval rows never change: a later calculation records per-creator differences as
`adjustment` rows against the approved (or exported) total, which need their own
approval. Every calculation names its spec (sha256) and inputs (sha256); its id is
derived from them, so recomputing the same inputs is idempotent. The finance export is
deterministic (payment references are hashes of campaign, calculation and creator), so
exporting twice writes the same file and never pays anyone twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, delete, func, insert, select, update

from creator_ops.core.errors import CreatorOpsError
from creator_ops.core.finance.withholding import payment_reference_of
from creator_ops.core.money import format_myr
from creator_ops.core.safe_csv import csv_bytes, write_atomically
from creator_ops.warehouse.schema import payout_calculations, payout_ledger

if TYPE_CHECKING:
    from creator_ops.core.payouts import PayoutResult

COMPONENTS = (
    "eligible_gmv_sen",
    "eligible_orders",
    "tier_bonus_sen",
    "commission_bonus_sen",
    "new_creator_bonus_sen",
    "leaderboard_prize_sen",
    "total_sen",
)
SETTLED_STATES = ("approved", "exported")
EXPORT_COLUMNS = ("payment_reference", "campaign_id", "creator_id", "amount_myr", "kind", "calculation_id")


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


@dataclass(frozen=True)
class FinanceExport:
    """A written finance export: the payments file and its control file."""

    path: Path
    control_path: Path
    row_count: int
    control_total_sen: int


def payment_reference(campaign_id: str, calculation_id: str, creator_id: str) -> str:
    """Return the deterministic payment reference of one creator's line in one calculation."""
    return payment_reference_of(campaign_id, calculation_id, creator_id)


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
        desired = {
            r.creator_id: {
                "eligible_gmv_sen": r.eligible_gmv_sen,
                "eligible_orders": r.eligible_orders,
                "tier_bonus_sen": r.tier_bonus_sen,
                "commission_bonus_sen": r.commission_bonus_sen,
                "new_creator_bonus_sen": r.new_creator_bonus_sen,
                "leaderboard_prize_sen": r.leaderboard_prize_sen,
                "total_sen": r.total_sen,
            }
            for r in result.rows
        }
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

    def export(
        self,
        calculation_id: str,
        folder: Path,
        finance: Mapping[str, tuple[int, str]] | None = None,
        *,
        wht_columns: bool = True,
    ) -> FinanceExport:
        """Write the finance file of an approved calculation; again after export, the same file.

        `finance` ({creator: (wht_sen, status)}, SPEC 14) leaves held payments out (they keep no
        payment reference until paid) and, with `wht_columns`, adds `wht_myr` and `net_myr` beside
        the gross amount.
        """
        calc = self.calculation(calculation_id)
        if calc is None:
            raise LedgerError(f"no payout calculation {calculation_id}")
        if calc["state"] not in SETTLED_STATES:
            reason = f": {calc['decision_note']}" if calc.get("decision_note") else ""
            raise LedgerError(
                f"calculation {calculation_id[:12]} is {calc['state']}{reason}; only approved ones export"
            )
        entries = self.entries(calculation_id)
        held = {c for c, (_, status) in (finance or {}).items() if status == "held"}
        payable = [e for e in entries if e["total_sen"] > 0 and e["creator_id"] not in held]
        recoveries = [e for e in entries if e["total_sen"] < 0]
        references = {
            e["creator_id"]: payment_reference(self.campaign_id, calculation_id, e["creator_id"]) for e in payable
        }
        rows = [
            (references[e["creator_id"]], self.campaign_id, e["creator_id"], format_myr(e["total_sen"]), e["kind"])
            + (calculation_id,)
            for e in payable
        ]
        columns = EXPORT_COLUMNS
        if finance and wht_columns:
            columns = (*EXPORT_COLUMNS[:4], "wht_myr", "net_myr", *EXPORT_COLUMNS[4:])
            wht = {e["creator_id"]: finance.get(e["creator_id"], (0, "paid"))[0] for e in payable}
            rows = [
                (*r[:4], format_myr(wht[e["creator_id"]]), format_myr(e["total_sen"] - wht[e["creator_id"]]), *r[4:])
                for r, e in zip(rows, payable, strict=True)
            ]
        # finance opens it in a spreadsheet: the one formula-safe writer
        content = csv_bytes(columns, rows, bom=False, lineterminator="\n")
        control_total = sum(e["total_sen"] for e in payable)
        control = {
            "campaign_id": self.campaign_id,
            "calculation_id": calculation_id,
            "kind": entries[0]["kind"] if entries else "payout",
            "row_count": len(payable),
            "control_total_myr": format_myr(control_total),
            "currency": "MYR",
            "file_sha256": hashlib.sha256(content).hexdigest(),
            "spec_sha256": calc["spec_sha256"],
            "inputs_sha256": calc["inputs_sha256"],
            "recoveries_count": len(recoveries),
            "recoveries_total_myr": format_myr(-sum(e["total_sen"] for e in recoveries)),
        }
        if finance:
            control["held_count"] = len(held)
        if finance and wht_columns:
            control["wht_total_myr"] = format_myr(sum(finance.get(e["creator_id"], (0, ""))[0] for e in payable))
        folder.mkdir(parents=True, exist_ok=True)
        stem = f"{self.campaign_id}_payouts_{calculation_id[:12]}"
        path = _write_once(folder / f"{stem}.csv", content)
        control_path = _write_once(
            folder / f"{stem}.control.json", (json.dumps(control, indent=2, sort_keys=True) + "\n").encode("utf-8")
        )
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
        return FinanceExport(path, control_path, len(payable), control_total)


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


def _write_once(path: Path, content: bytes) -> Path:
    """Write `content` atomically unless the file already holds exactly it."""
    if path.exists() and path.read_bytes() == content:
        return path
    return write_atomically(path, content)
