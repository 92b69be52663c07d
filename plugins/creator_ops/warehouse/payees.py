"""Payees and finance outputs in the warehouse (SPEC section 14): store, read current, prior totals, rotate.

Payees rows keep their identity only as a Fernet token (`creator_ops.core.finance.crypto`);
the current payee of a creator is its last landed row, whichever campaign it landed for.
`finance_payments` records every finance document of a payout, which the CP58 statements
and the next year's prior-year totals read.

    python -m creator_ops.warehouse.payees rotate-key [--url URL]   # re-encrypt every row under the newest key
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, func, select, update

from creator_ops.core.finance.payees import Payee, mask_identifier, payee_from_stored
from creator_ops.core.ingest.datasets import SPECS
from creator_ops.warehouse.schema import campaigns, finance_payments, payees, payout_calculations, payout_ledger
from creator_ops.warehouse.upsert import upsert

if TYPE_CHECKING:
    from creator_ops.core.finance.crypto import PayeeCipher
    from creator_ops.core.finance.withholding import Payment

SETTLED = ("approved", "exported")
MARKET_TZ = ZoneInfo("Asia/Kuala_Lumpur")


def payee_rows(
    accepted: Iterable[tuple[int, Payee]], *, file_id: int, campaign_id: str, cipher: PayeeCipher
) -> list[dict[str, Any]]:
    """Return the rows to insert for a file's accepted payees: clear columns, masked hint, encrypted identity."""
    return [
        {
            "file_id": file_id,
            "row_number": number,
            "campaign_id": campaign_id,
            "creator_id": payee.creator_id,
            "entity_type": payee.entity_type,
            "resident": payee.resident,
            "id_type": payee.id_type or None,
            "has_identity": payee.has_identity,
            "id_hint": mask_identifier(payee.id_number)[-24:] or None,
            "identity_token": cipher.encrypt(payee.identity()),
        }
        for number, payee in accepted
    ]


def load_payees_rows(
    conn: Any, file_id: int, campaign_id: str, accepted: Iterable[tuple[int, Payee]], quarantined: list[dict],
    cipher: PayeeCipher,
) -> None:
    """Store one payees file's accepted rows (identity encrypted) and quarantine (the registering transaction)."""
    from sqlalchemy import insert

    from creator_ops.warehouse.schema import quarantine

    rows = payee_rows(accepted, file_id=file_id, campaign_id=campaign_id, cipher=cipher)
    if rows:
        conn.execute(insert(payees), rows)
    if quarantined:
        conn.execute(insert(quarantine), [{**q, "file_id": file_id} for q in quarantined])


# A stored payees batch as its quality suite reads it: the registry's stored fields and the columns the
# load derives (has_identity, id_hint, identity_token: the suite reads only the token's prefix)
BATCH_COLUMNS = (*SPECS["payees"].stored_fields, *SPECS["payees"].derived_columns)


def batch_clear_columns(engine: Engine, file_id: int) -> list[dict[str, Any]]:
    """Return one stored payees batch's clear columns (and its identity token, for its prefix only)."""
    with engine.connect() as conn:
        rows = conn.execute(select(*(payees.c[c] for c in BATCH_COLUMNS)).where(payees.c.file_id == file_id)).all()
    return [dict(r._mapping) for r in rows]


def payment_decisions(engine: Engine, calculation_id: str) -> dict[str, tuple[int, str]]:
    """Return {creator: (wht_sen, status)} recorded for a calculation's finance payments."""
    f = finance_payments
    with engine.connect() as conn:
        rows = conn.execute(
            select(f.c.creator_id, f.c.wht_sen, f.c.status).where(f.c.calculation_id == calculation_id)
        ).all()
    return {r.creator_id: (int(r.wht_sen), r.status) for r in rows}


def current_payees(engine: Engine, cipher: PayeeCipher, creators: Sequence[str] | None = None) -> dict[str, Payee]:
    """Return {creator_id: Payee} of each creator's last landed row (accepted files only), identity decrypted."""
    from creator_ops.warehouse.campaign_data import landing_rank
    from creator_ops.warehouse.schema import ingested_files

    ranked = (
        select(payees, landing_rank(payees, "creator_id").label("landing_rank"))
        .join(ingested_files, ingested_files.c.file_id == payees.c.file_id)
        .where(ingested_files.c.status == "accepted")
    )
    if creators is not None:
        ranked = ranked.where(payees.c.creator_id.in_(list(creators)))
    sub = ranked.subquery()
    query = select(sub.c.creator_id, sub.c.entity_type, sub.c.resident, sub.c.identity_token).where(
        sub.c.landing_rank == 1
    )
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return {r.creator_id: payee_from_stored(r.creator_id, r.entity_type, r.resident, cipher.decrypt(r.identity_token))
            for r in rows}  # fmt: skip


def masked_payees(engine: Engine) -> list[dict[str, Any]]:
    """Return the current payees as a page may show them: no identity, the masked id hint only.

    Current is each creator's row landed last (`DatasetSpec.last_landed`: landing order, then row order).
    """
    from creator_ops.warehouse.campaign_data import landing_rank

    columns = tuple(c for c in BATCH_COLUMNS if c != "identity_token")  # the identity stays encrypted, unread
    rank = landing_rank(payees, "creator_id").label("landing_rank")
    ranked = select(*(payees.c[c] for c in columns), rank).subquery()
    with engine.connect() as conn:
        rows = conn.execute(
            select(*(ranked.c[c] for c in columns)).where(ranked.c.landing_rank == 1).order_by(ranked.c.creator_id)
        ).all()
    return [dict(r._mapping) for r in rows]


def rotate_key(engine: Engine, cipher: PayeeCipher) -> int:
    """Re-encrypt every stored payee row under the cipher's newest key; return how many rows."""
    done = 0
    with engine.begin() as conn:
        rows = conn.execute(select(payees.c.file_id, payees.c.row_number, payees.c.identity_token)).all()
        for row in rows:
            conn.execute(
                update(payees)
                .where(payees.c.file_id == row.file_id, payees.c.row_number == row.row_number)
                .values(identity_token=cipher.rotate(row.identity_token))
            )
            done += 1
    return done


# --------------------------------------------------------------------------- prior-year totals


def campaign_payout_dates(engine: Engine) -> dict[str, dt.date]:
    """Return each registered campaign's payout date (local), from the spec version its runs recorded."""
    with engine.connect() as conn:
        rows = conn.execute(select(campaigns.c.campaign_id, campaigns.c.spec_json)).all()
    out = {}
    for row in rows:
        try:
            when = dt.datetime.fromisoformat(json.loads(row.spec_json)["timeline"]["payout_date"])
        except (KeyError, TypeError, ValueError):
            continue
        out[row.campaign_id] = when.date()
    return out


def ledger_totals(engine: Engine, year: int, dates: Mapping[str, dt.date] | None = None) -> dict[str, int]:
    """Return per creator the approved (or exported) ledger total of every campaign paying out in `year`."""
    dates = campaign_payout_dates(engine) if dates is None else dates
    paying = [c for c, d in dates.items() if d.year == year]
    if not paying:
        return {}
    query = (
        select(payout_ledger.c.creator_id, func.sum(payout_ledger.c.total_sen))
        .join(payout_calculations, payout_calculations.c.calculation_id == payout_ledger.c.calculation_id)
        .where(payout_ledger.c.campaign_id.in_(paying), payout_calculations.c.state.in_(SETTLED))
        .group_by(payout_ledger.c.creator_id)
    )
    with engine.connect() as conn:
        return {creator: int(total or 0) for creator, total in conn.execute(query).all()}


def shipped_sample_totals(engine: Engine, year: int, campaign_ids: Iterable[str]) -> dict[str, int]:
    """Return per creator the price of the products of its samples shipped in `year` (Malaysian time)."""
    from creator_ops.warehouse.campaign_data import current_products, current_samples

    totals: dict[str, int] = {}
    for campaign_id in campaign_ids:
        prices = {r["product_id"]: r["price_sen"] for r in current_products(engine, campaign_id).to_pylist()}
        for sample in current_samples(engine, campaign_id).to_pylist():
            when = sample["shipped_at"] or sample["requested_at"]
            if not sample["shipped"] or when is None or when.astimezone(MARKET_TZ).year != year:
                continue
            price = prices.get(sample["product_id"])
            if price:
                totals[sample["creator_id"]] = totals.get(sample["creator_id"], 0) + int(price)
    return totals


def prior_year_totals(engine: Engine, year: int, extra: Mapping[str, int] | None = None) -> dict[str, int]:
    """Return each creator's total from the company in `year`: approved ledger rows, shipped samples, extras."""
    dates = campaign_payout_dates(engine)
    totals = ledger_totals(engine, year, dates)
    for creator, sen in shipped_sample_totals(engine, year, sorted(dates)).items():
        totals[creator] = totals.get(creator, 0) + sen
    for creator, sen in (extra or {}).items():
        totals[creator] = totals.get(creator, 0) + int(sen)
    return totals


# --------------------------------------------------------------------------- finance outputs


def record_payments(
    engine: Engine,
    payments: Sequence[Payment],
    *,
    campaign_id: str,
    calculation_id: str,
    payout_date: dt.date,
    run_id: str,
    now: dt.datetime,
    document_types: Mapping[str, str] | None = None,
    originals: Mapping[str, str | None] | None = None,
) -> int:
    """Upsert one row per finance document of a payout (a rerun replaces its own rows)."""
    rows = [
        {
            "payment_reference": p.payment_reference,
            "campaign_id": campaign_id,
            "calculation_id": calculation_id,
            "creator_id": p.creator_id,
            "document_type": (document_types or {}).get(p.payment_reference, "11"),
            "original_reference": (originals or {}).get(p.payment_reference),
            "payout_date": payout_date,
            "gross_sen": p.gross_sen,
            "wht_sen": p.wht_sen,
            "net_sen": p.net_sen,
            "status": p.status,
            "reason": p.reason or None,
            "prior_total_sen": p.prior_total_sen,
            "run_id": run_id,
            "computed_at": now,
        }
        for p in payments
    ]
    with engine.begin() as conn:
        upsert(conn, finance_payments, rows, ["payment_reference"])
    return len(rows)


def earlier_documents(engine: Engine, campaign_id: str, before_calculation: str) -> dict[str, dict[str, Any]]:
    """Return per creator what earlier calculations of the campaign recorded: first invoice, gross and wht so far."""
    query = (
        select(finance_payments)
        .where(
            finance_payments.c.campaign_id == campaign_id,
            finance_payments.c.calculation_id != before_calculation,
            finance_payments.c.status == "paid",
        )
        .order_by(finance_payments.c.computed_at, finance_payments.c.payment_reference)
    )
    out: dict[str, dict[str, Any]] = {}
    with engine.connect() as conn:
        for row in conn.execute(query).mappings():
            entry = out.setdefault(row["creator_id"], {"invoice": None, "gross_sen": 0, "wht_sen": 0})
            if row["document_type"] == "11" and entry["invoice"] is None:
                entry["invoice"] = row["payment_reference"]
            entry["gross_sen"] += int(row["gross_sen"])
            entry["wht_sen"] += int(row["wht_sen"])
    return out


def year_payments(engine: Engine, year: int) -> list[dict[str, Any]]:
    """Return every paid finance document with a payout date in `year` (all campaigns)."""
    query = select(finance_payments).where(
        finance_payments.c.status == "paid",
        finance_payments.c.payout_date >= dt.date(year, 1, 1),
        finance_payments.c.payout_date <= dt.date(year, 12, 31),
    )
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m creator_ops.warehouse.payees rotate-key`: re-encrypt the payees under the newest key."""
    from creator_ops.core.errors import CreatorOpsError
    from creator_ops.core.finance.crypto import PayeeCipher, resolve_payee_key
    from creator_ops.warehouse.db import default_url, make_engine, normalize_url

    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] != ["rotate-key"] or len(args) not in (1, 3) or (len(args) == 3 and args[1] != "--url"):
        print("usage: python -m creator_ops.warehouse.payees rotate-key [--url SQLALCHEMY_URL]", file=sys.stderr)
        return 2
    url = normalize_url(args[2]) if len(args) == 3 else default_url()
    try:
        cipher = PayeeCipher(resolve_payee_key())
        done = rotate_key(make_engine(url), cipher)
    except CreatorOpsError as exc:
        print(f"rotate-key: {exc}", file=sys.stderr)
        return 2
    print(f"re-encrypted {done} payee row(s) under the newest of {cipher.key_count} key(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
