"""Alerts: deterministic keys, PII masking, sandboxed rendering and the outbox state machine.

Every alert is written to `alert_outbox` first, one row per channel, keyed by a
deterministic `alert_key`: writing the same alert again (a rerun, a retry) is a no-op,
so each alert is delivered at most once per channel. A drain claims due rows with a
lease (status `sending`, `claimed_by`, `lease_until`), hands them to a channel sender,
and marks each row `sent` only after its delivery succeeded; a failed delivery goes
back to `pending` with `attempts`, `last_error` and an exponential-backoff
`next_attempt_at`. A row whose lease ran out (a drain that died) is claimable again.

The only at-least-once gap is a crash between the endpoint's acknowledgement and the
commit of `sent`; e-mails carry a `Message-ID` derived from the key so mail systems
collapse such a repeat. No airflow import here: senders are passed in.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import and_, or_, select, tuple_, update

# masking is the product's one function (core/masking.py); re-exported for the alert code
from creator_ops.core.masking import EMAIL_MASK as EMAIL_MASK
from creator_ops.core.masking import PHONE_MASK as PHONE_MASK
from creator_ops.core.masking import mask_pii, mask_value
from creator_ops.warehouse.schema import alert_outbox
from creator_ops.warehouse.upsert import upsert

if TYPE_CHECKING:
    from jinja2.sandbox import SandboxedEnvironment
    from sqlalchemy import Engine

    from creator_ops.core.spec import CampaignSpec

PROJECT_ROOT = Path(__file__).resolve().parents[3]
TEMPLATES_DIR = PROJECT_ROOT / "include" / "templates"
SLACK, EMAIL = "slack", "email"
CHANNELS = (SLACK, EMAIL)
PENDING, SENDING, SENT = "pending", "sending", "sent"
SEVERITIES = ("info", "warning", "critical")

BACKOFF_BASE = dt.timedelta(seconds=60)
BACKOFF_CAP = dt.timedelta(hours=1)
# a claimed batch must be delivered well within the lease, or another drain may take it over
DEFAULT_LEASE = dt.timedelta(minutes=10)
CLAIM_BATCH = 200
MAX_ERROR_CHARS = 1000
MAX_SAMPLE_ROWS = 5
MAX_SAMPLE_COLUMNS = 8


# --------------------------------------------------------------------------- masking

# --------------------------------------------------------------------------- alerts


@dataclass(frozen=True)
class Fact:
    """One labelled value shown with an alert."""

    label: str
    value: str


@dataclass(frozen=True)
class Alert:
    """One thing ops must hear about once, whatever the channel."""

    key: str
    campaign_id: str
    kind: str
    severity: str = "info"
    data: Mapping[str, Any] = field(default_factory=dict)
    facts: Sequence[Fact] = ()
    link: str | None = None
    sample_rows: Sequence[Mapping[str, Any]] = ()

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity {self.severity!r} is not one of {SEVERITIES}")
        if not self.key or len(self.key) > 200:
            raise ValueError("an alert key is 1 to 200 characters")


def alert_key(kind: str, campaign_id: str, *parts: Any) -> str:
    """Build a deterministic key; parts beyond the 200-column limit are folded into a hash."""
    text = ":".join([kind, campaign_id, *(_key_part(p) for p in parts)])
    if len(text) <= 200:
        return text
    digest = hashlib.sha256(text.encode()).hexdigest()[:24]
    return f"{text[:175]}~{digest}"


def _key_part(value: Any) -> str:
    if isinstance(value, Decimal):
        # 0.50 and 0.5 are the same milestone
        normalized = value.normalize()
        return format(normalized, "f")
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return str(value)


def channels_for(spec: CampaignSpec) -> list[str]:
    """Return the channels this campaign's `alerts` section configures."""
    channels = []
    if spec.alerts.slack_conn_id:
        channels.append(SLACK)
    if spec.alerts.smtp_conn_id and spec.alerts.email_to:
        channels.append(EMAIL)
    return channels


# --------------------------------------------------------------------------- rendering


@dataclass(frozen=True)
class RenderedMessage:
    """What goes into the outbox for one channel: a subject line and the payload to deliver."""

    subject: str
    payload: dict[str, Any]


def _slack_escape(text: Any) -> str:
    # Slack mrkdwn treats &, < and > as control characters
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@lru_cache(maxsize=4)
def template_environment(folder: str = str(TEMPLATES_DIR)) -> SandboxedEnvironment:
    """Return the sandboxed Jinja environment over `include/templates/` (HTML autoescaped)."""
    from jinja2 import FileSystemLoader, StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    env = SandboxedEnvironment(
        loader=FileSystemLoader(folder),
        autoescape=lambda name: bool(name) and ".html" in name,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters["slack_escape"] = _slack_escape
    return env


def _render_block(env: SandboxedEnvironment, kind: str, block: str, variables: Mapping[str, Any]) -> str:
    template = env.get_template(f"alerts/{kind}.j2")
    render = template.blocks.get(block)
    if render is None:
        raise KeyError(f"template alerts/{kind}.j2 has no block {block!r}")
    text = "".join(render(template.new_context(dict(variables))))
    return " ".join(text.split())


def _sample_table(rows: Sequence[Mapping[str, Any]]) -> tuple[list[str], list[list[str]]]:
    columns: list[str] = []
    for row in rows[:MAX_SAMPLE_ROWS]:
        for name in row:
            if name not in columns and len(columns) < MAX_SAMPLE_COLUMNS:
                columns.append(str(name))
    body = [[_cell(row.get(c)) for c in columns] for row in rows[:MAX_SAMPLE_ROWS]]
    return columns, body


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def render_alert(
    alert: Alert,
    channel: str,
    *,
    campaign_name: str,
    env: SandboxedEnvironment | None = None,
) -> RenderedMessage:
    """Render `alert` for `channel` from the templates, with personal data masked."""
    env = env or template_environment()
    data = mask_value(dict(alert.data))
    base = {"campaign_id": alert.campaign_id, "campaign_name": mask_pii(campaign_name), **data}
    title = mask_pii(_render_block(env, alert.kind, "title", base))
    summary = mask_pii(_render_block(env, alert.kind, "summary", base))
    columns, rows = _sample_table(mask_value([dict(r) for r in alert.sample_rows]))
    variables = {
        **base,
        "alert_key": alert.key,
        "kind": alert.kind,
        "severity": alert.severity,
        "title": title,
        "summary": summary,
        "facts": [{"label": mask_pii(f.label), "value": mask_pii(f.value)} for f in alert.facts],
        "link": alert.link,
        "sample_columns": columns,
        "sample_rows": rows,
    }
    subject = f"[{alert.severity.upper()}] {campaign_name}: {title}"
    subject = mask_pii(" ".join(subject.split()))
    if channel == SLACK:
        text = env.get_template("alerts/_slack.json.j2").render(variables)
        payload = json.loads(mask_pii(text))
    elif channel == EMAIL:
        payload = {
            "subject": subject,
            "text": mask_pii(env.get_template("alerts/_email.txt.j2").render(variables)),
            "html": mask_pii(env.get_template("alerts/_email.html.j2").render(variables)),
        }
    else:
        raise ValueError(f"unknown channel {channel!r}")
    return RenderedMessage(subject=subject, payload=payload)


# --------------------------------------------------------------------------- outbox


@dataclass(frozen=True)
class OutboxRow:
    """A claimed outbox row, ready to deliver."""

    alert_key: str
    channel: str
    campaign_id: str
    kind: str
    subject: str
    payload: dict[str, Any]
    attempts: int


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


def utc(moment: dt.datetime) -> dt.datetime:
    """Return `moment` in UTC (SQLite keeps naive UTC, so every bound moment must be UTC)."""
    if moment.tzinfo is None:
        raise ValueError("alert times must be timezone-aware")
    return moment.astimezone(dt.UTC)


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


def backoff(attempts: int, key: str = "") -> dt.timedelta:
    """Return the wait before retry number `attempts` (exponential, capped, with stable jitter)."""
    delay = min(BACKOFF_CAP, BACKOFF_BASE * (2 ** max(0, attempts - 1)))
    # a deterministic per-key jitter of up to 10 % spreads retries without randomness
    jitter = int(hashlib.sha256(key.encode()).hexdigest()[:4], 16) / 0xFFFF * 0.1
    return delay + delay * jitter if delay < BACKOFF_CAP else delay


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


class ChannelUnavailable(Exception):
    """The channel's endpoint is down (refused, timed out, 5xx): stop using it for this drain."""


class Sender(Protocol):
    """Delivers claimed rows of one channel, yielding each row with its error (None when sent)."""

    def deliver(self, rows: Sequence[OutboxRow]) -> Iterator[tuple[OutboxRow, BaseException | None]]: ...


@dataclass
class DrainResult:
    """What one drain did."""

    sent: int = 0
    failed: int = 0
    lost_leases: int = 0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"sent": self.sent, "failed": self.failed, "lost_leases": self.lost_leases, "errors": self.errors}


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
    except Exception as exc:  # noqa: BLE001 - any sender failure is a delivery failure to retry
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
