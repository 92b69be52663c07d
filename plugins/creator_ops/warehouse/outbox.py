"""The alert outbox in the warehouse: write once per key and channel, claim with a lease, drain.

The rules (rendering, backoff, what a sender is) are `creator_ops.core.alerts`; this
module is their storage: `alert_outbox` rows move `pending` → `sending` (claimed under a
token with a lease) → `sent`, or back to `pending` with the error and the next attempt.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

from sqlalchemy import and_, or_, select, tuple_, update

from creator_ops.core.alerts import (
    CHANNELS,
    CLAIM_BATCH,
    DEFAULT_LEASE,
    MAX_ERROR_CHARS,
    PENDING,
    SENDING,
    SENT,
    Alert,
    ChannelUnavailable,
    DrainResult,
    OutboxRow,
    Sender,
    backoff,
    mask_pii,
    render_alert,
    template_environment,
)
from creator_ops.core.times import utc
from creator_ops.warehouse.schema import alert_outbox
from creator_ops.warehouse.upsert import upsert

if TYPE_CHECKING:
    from sqlalchemy import Engine


def enqueue(
    engine: Engine,
    alerts: Iterable[Alert],
    *,
    channels: Sequence[str],
    campaign_name: str,
    now: dt.datetime,
) -> int:
    """Write each alert once per channel (existing keys are left alone); return rows newly added."""
    now = utc(now)
    env = template_environment()
    rows = []
    for alert in alerts:
        for channel in channels:
            message = render_alert(alert, channel, campaign_name=campaign_name, env=env)
            rows.append(
                {
                    "alert_key": alert.key,
                    "channel": channel,
                    "campaign_id": alert.campaign_id,
                    "kind": alert.kind,
                    "subject": message.subject,
                    "payload_json": json.dumps(message.payload, ensure_ascii=False, sort_keys=True),
                    "status": PENDING,
                    "attempts": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                }
            )
    if not rows:
        return 0
    added = 0
    with engine.begin() as conn:
        for start in range(0, len(rows), 500):
            chunk = rows[start : start + 500]
            keys = [(r["alert_key"], r["channel"]) for r in chunk]
            existing = set(
                conn.execute(
                    select(alert_outbox.c.alert_key, alert_outbox.c.channel).where(
                        tuple_(alert_outbox.c.alert_key, alert_outbox.c.channel).in_(keys)
                    )
                ).all()
            )
            added += sum(1 for k in set(keys) if k not in existing)
            upsert(conn, alert_outbox, chunk, ["alert_key", "channel"], update=False)
    return added


def _claimable(now: dt.datetime):
    c = alert_outbox.c
    due = and_(c.status == PENDING, or_(c.next_attempt_at.is_(None), c.next_attempt_at <= now))
    expired = and_(c.status == SENDING, c.lease_until < now)
    return or_(due, expired)


def claim(
    engine: Engine,
    *,
    now: dt.datetime,
    campaign_id: str | None = None,
    channels: Sequence[str] = CHANNELS,
    limit: int = CLAIM_BATCH,
    lease: dt.timedelta = DEFAULT_LEASE,
    alert_keys: Sequence[str] | None = None,
) -> tuple[str, list[OutboxRow]]:
    """Claim up to `limit` due rows under a fresh token; concurrent claims never share a row."""
    now = utc(now)
    c = alert_outbox.c
    token = uuid.uuid4().hex
    candidates = select(c.alert_key, c.channel).where(_claimable(now), c.channel.in_(list(channels)))
    if campaign_id is not None:
        candidates = candidates.where(c.campaign_id == campaign_id)
    if alert_keys is not None:
        candidates = candidates.where(c.alert_key.in_(list(alert_keys)))
    candidates = candidates.order_by(c.created_at, c.alert_key, c.channel).limit(limit)
    with engine.begin() as conn:
        keys = [tuple(r) for r in conn.execute(candidates).all()]
        if not keys:
            return token, []
        # the claimable condition is repeated in the UPDATE: a row another drain claimed
        # in the meantime no longer matches (PostgreSQL re-checks it after the row lock)
        conn.execute(
            update(alert_outbox)
            .where(tuple_(c.alert_key, c.channel).in_(keys), _claimable(now))
            .values(status=SENDING, claimed_by=token, lease_until=now + lease)
        )
        claimed = conn.execute(
            select(alert_outbox)
            .where(c.claimed_by == token, c.status == SENDING)
            .order_by(c.created_at, c.alert_key, c.channel)
        ).mappings()
        rows = [
            OutboxRow(
                alert_key=r["alert_key"],
                channel=r["channel"],
                campaign_id=r["campaign_id"],
                kind=r["kind"],
                subject=r["subject"],
                payload=json.loads(r["payload_json"]),
                attempts=r["attempts"],
            )
            for r in claimed
        ]
    return token, rows


def mark_sent(engine: Engine, row: OutboxRow, token: str, now: dt.datetime) -> bool:
    """Record a delivered row; False when the lease was lost to another drain."""
    now = utc(now)
    c = alert_outbox.c
    with engine.begin() as conn:
        result = conn.execute(
            update(alert_outbox)
            .where(c.alert_key == row.alert_key, c.channel == row.channel, c.claimed_by == token)
            .values(
                status=SENT,
                sent_at=now,
                attempts=c.attempts + 1,
                claimed_by=None,
                lease_until=None,
                next_attempt_at=None,
                last_error=None,
            )
        )
    return result.rowcount == 1


def mark_failed(engine: Engine, row: OutboxRow, token: str, now: dt.datetime, error: BaseException) -> bool:
    """Put a failed row back to pending with its error and the time of the next attempt."""
    now = utc(now)
    c = alert_outbox.c
    attempts = row.attempts + 1
    message = mask_pii(f"{type(error).__name__}: {error}")[:MAX_ERROR_CHARS]
    with engine.begin() as conn:
        result = conn.execute(
            update(alert_outbox)
            .where(c.alert_key == row.alert_key, c.channel == row.channel, c.claimed_by == token)
            .values(
                status=PENDING,
                attempts=attempts,
                last_error=message,
                next_attempt_at=now + backoff(attempts, f"{row.alert_key}/{row.channel}"),
                claimed_by=None,
                lease_until=None,
            )
        )
    return result.rowcount == 1


def drain(
    engine: Engine,
    senders: Mapping[str, Sender],
    *,
    now: dt.datetime,
    campaign_id: str | None = None,
    alert_keys: Sequence[str] | None = None,
    batch: int = CLAIM_BATCH,
    lease: dt.timedelta = DEFAULT_LEASE,
    max_rows: int | None = None,
) -> DrainResult:
    """Deliver due rows through `senders` until none is left; a failure waits for its backoff."""
    result = DrainResult()
    now = utc(now)
    channels = [ch for ch in CHANNELS if ch in senders]
    handled = 0
    while channels and (max_rows is None or handled < max_rows):
        limit = batch if max_rows is None else min(batch, max_rows - handled)
        token, rows = claim(
            engine,
            now=now,
            campaign_id=campaign_id,
            channels=channels,
            limit=limit,
            lease=lease,
            alert_keys=alert_keys,
        )
        if not rows:
            break
        handled += len(rows)
        for channel in list(channels):  # a copy: an unavailable channel is removed below
            mine = [r for r in rows if r.channel == channel]
            if not mine:
                continue
            outcomes = _deliver_all(senders[channel], mine)
            for row, error in outcomes:
                if isinstance(error, ChannelUnavailable) and channel in channels:
                    # the rest of this drain leaves the channel alone; its rows wait for backoff
                    channels.remove(channel)
                if error is None:
                    ok = mark_sent(engine, row, token, now)
                    result.sent += ok
                else:
                    ok = mark_failed(engine, row, token, now, error)
                    result.failed += ok
                    if len(result.errors) < 20:
                        result.errors.append(f"{row.channel} {row.alert_key}: {mask_pii(str(error))[:300]}")
                result.lost_leases += not ok
    return result


def _deliver_all(
    sender: Sender, rows: Sequence[OutboxRow]
) -> Iterator[tuple[OutboxRow, BaseException | None]]:
    """Yield every row once; if the sender breaks off (e.g. cannot connect), the rest failed with it."""
    done: set[tuple[str, str]] = set()
    try:
        for row, error in sender.deliver(rows):
            done.add((row.alert_key, row.channel))
            yield row, error
    except Exception as exc:  # any sender failure is a delivery failure to retry
        for row in rows:
            if (row.alert_key, row.channel) not in done:
                yield row, exc


def outbox_counts(engine: Engine, campaign_id: str | None = None) -> dict[str, int]:
    """Return the number of outbox rows per status."""
    from sqlalchemy import func

    c = alert_outbox.c
    query = select(c.status, func.count()).group_by(c.status)
    if campaign_id is not None:
        query = query.where(c.campaign_id == campaign_id)
    with engine.connect() as conn:
        return {status: n for status, n in conn.execute(query).all()}
