"""Alerts: deterministic keys, PII masking, sandboxed rendering and the outbox's rules.

Every alert is written to `alert_outbox` first, one row per channel, keyed by a
deterministic `alert_key`: writing the same alert again (a rerun, a retry) is a no-op,
so each alert is delivered at most once per channel. A drain claims due rows with a
lease (status `sending`, `claimed_by`, `lease_until`), hands them to a channel sender,
and marks each row `sent` only after its delivery succeeded; a failed delivery goes
back to `pending` with `attempts`, `last_error` and an exponential-backoff
`next_attempt_at`. A row whose lease ran out (a drain that died) is claimable again.

The only at-least-once gap is a crash between the endpoint's acknowledgement and the
commit of `sent`; e-mails carry a `Message-ID` derived from the key so mail systems
collapse such a repeat. The outbox's storage and the drain live in
`creator_ops.warehouse.outbox`; this module holds what they deliver and the rules they
follow (rendering, backoff), with no Airflow or warehouse import: senders are passed in.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Protocol

from creator_ops.core.errors import CreatorOpsError

# masking is the product's one function (core/masking.py); re-exported for the alert code
from creator_ops.core.masking import EMAIL_MASK as EMAIL_MASK
from creator_ops.core.masking import PHONE_MASK as PHONE_MASK
from creator_ops.core.masking import mask_pii, mask_value
from creator_ops.core.paths import TEMPLATES_DIR
from creator_ops.core.retrying import backoff_delay

if TYPE_CHECKING:
    from jinja2.sandbox import SandboxedEnvironment

    from creator_ops.core.spec import CampaignSpec

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


def backoff(attempts: int, key: str = "") -> dt.timedelta:
    """Return the wait before retry number `attempts` (the one exponential backoff, capped, with stable jitter)."""
    seconds = backoff_delay(attempts, BACKOFF_BASE.total_seconds(), BACKOFF_CAP.total_seconds())
    delay = dt.timedelta(seconds=seconds)
    # a deterministic per-key jitter of up to 10 % spreads retries without randomness
    jitter = int(hashlib.sha256(key.encode()).hexdigest()[:4], 16) / 0xFFFF * 0.1
    return delay + delay * jitter if delay < BACKOFF_CAP else delay


class ChannelUnavailable(CreatorOpsError):
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
