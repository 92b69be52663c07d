"""Alert delivery through Airflow's Slack and SMTP providers, and the campaign's failure notifiers.

`SlackDelivery` posts outbox rows through `SlackWebhookHook` (connection type
`slackwebhook`) or, when the spec names `alerts.slack_channel`, through `SlackHook`'s
bot API (connection type `slack`). `SmtpDelivery` sends multipart HTML + plain-text
mail through `SmtpHook`'s connection. Endpoint trouble (timeouts, refused connections,
5xx, 429) raises `ChannelUnavailable`, so a drain stops hammering a dead endpoint and
the rows wait for their backoff. Hooks are created at delivery time, never at parse time.

`task_failure_callback(spec_path)` is the task-level `on_failure_callback`; it writes the
failed-task alert to the outbox and drains it. `campaign_deadline(spec, spec_path)`
builds the optional DAG-level `DeadlineAlert` (see docs/alerts.md for why it is opt-in).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import smtplib
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseNotifier

from creator_ops.core.alerts import EMAIL, SLACK, ChannelUnavailable, OutboxRow, Sender, channels_for
from creator_ops.core.settings import Settings, settings
from creator_ops.core.times import as_utc_or_none

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from creator_ops.core.spec import CampaignSpec

DEFAULT_RUN_DEADLINE = dt.timedelta(minutes=50)
TRANSIENT_HTTP = {408, 425, 429}


def _message_id(row: OutboxRow) -> str:
    digest = hashlib.sha256(f"{row.alert_key}/{row.channel}".encode()).hexdigest()[:32]
    return f"<{digest}@creator-ops.alerts>"


# --------------------------------------------------------------------------- Slack


class SlackDelivery:
    """Deliver Slack outbox rows through the provider's webhook hook or bot API hook."""

    def __init__(self, *, slack_conn_id: str, channel: str | None = None, timeout: int | None = None) -> None:
        self.slack_conn_id = slack_conn_id
        self.channel = channel
        self.timeout = timeout

    def deliver(self, rows: Sequence[OutboxRow]) -> Iterator[tuple[OutboxRow, BaseException | None]]:
        """Post each row; raise `ChannelUnavailable` as soon as the endpoint is down."""
        if self.channel:
            yield from self._deliver_bot(rows)
        else:
            yield from self._deliver_webhook(rows)

    def _deliver_webhook(self, rows: Sequence[OutboxRow]) -> Iterator[tuple[OutboxRow, BaseException | None]]:
        from airflow.providers.slack.hooks.slack_webhook import SlackWebhookHook

        hook = SlackWebhookHook(slack_webhook_conn_id=self.slack_conn_id, timeout=self.timeout, retry_handlers=[])
        try:
            client = hook.client
        except Exception as exc:  # missing/invalid connection: retry once fixed
            raise ChannelUnavailable(f"Slack connection {self.slack_conn_id!r}: {exc}") from exc
        for row in rows:
            try:
                response = client.send_dict(row.payload)
            except OSError as exc:  # refused, reset, timed out (TimeoutError is an OSError)
                raise ChannelUnavailable(f"Slack webhook unreachable: {type(exc).__name__}: {exc}") from exc
            status = response.status_code
            if status == 200:
                yield row, None
            elif status >= 500 or status in TRANSIENT_HTTP:
                raise ChannelUnavailable(f"Slack webhook answered HTTP {status}: {str(response.body)[:200]}")
            else:
                yield row, RuntimeError(f"Slack webhook rejected the message: HTTP {status} {response.body!r}")

    def _deliver_bot(self, rows: Sequence[OutboxRow]) -> Iterator[tuple[OutboxRow, BaseException | None]]:
        from airflow.providers.slack.hooks.slack import SlackHook
        from slack_sdk.errors import SlackApiError

        hook = SlackHook(slack_conn_id=self.slack_conn_id, timeout=self.timeout, retry_handlers=[])
        try:
            client = hook.client
        except Exception as exc:  # missing/invalid connection: retry once fixed
            raise ChannelUnavailable(f"Slack connection {self.slack_conn_id!r}: {exc}") from exc
        for row in rows:
            try:
                client.chat_postMessage(
                    channel=self.channel, text=row.payload.get("text", row.subject), blocks=row.payload.get("blocks")
                )
            except SlackApiError as exc:
                status = getattr(exc.response, "status_code", 0) or 0
                if status >= 500 or status in TRANSIENT_HTTP:
                    raise ChannelUnavailable(f"Slack API answered HTTP {status}") from exc
                yield row, exc
                continue
            except OSError as exc:
                raise ChannelUnavailable(f"Slack API unreachable: {type(exc).__name__}: {exc}") from exc
            yield row, None


# --------------------------------------------------------------------------- e-mail


class SmtpDelivery:
    """Deliver e-mail outbox rows over one SMTP session per batch."""

    def __init__(self, *, smtp_conn_id: str, to: Sequence[str]) -> None:
        self.smtp_conn_id = smtp_conn_id
        self.to = list(to)

    def deliver(self, rows: Sequence[OutboxRow]) -> Iterator[tuple[OutboxRow, BaseException | None]]:
        """Send each row; raise `ChannelUnavailable` when the server cannot be reached or defers."""
        from creator_ops.airflow.smtp_hook import AlertSmtpHook

        try:
            session = AlertSmtpHook(smtp_conn_id=self.smtp_conn_id).get_conn()
        except Exception as exc:  # refused, timed out, TLS mismatch, no connection
            raise ChannelUnavailable(f"SMTP {self.smtp_conn_id!r} unreachable: {type(exc).__name__}: {exc}") from exc
        with session:  # the hook closes the session (QUIT, then close) however delivery ends
            for row in rows:
                try:
                    session.send_alternative(
                        to=self.to,
                        subject=row.payload.get("subject", row.subject),
                        text=row.payload["text"],
                        html=row.payload["html"],
                        message_id=_message_id(row),
                    )
                except (smtplib.SMTPServerDisconnected, OSError) as exc:
                    raise ChannelUnavailable(f"SMTP connection lost: {type(exc).__name__}: {exc}") from exc
                except smtplib.SMTPResponseException as exc:
                    if 400 <= exc.smtp_code < 500:  # the server asks to try again later
                        raise ChannelUnavailable(f"SMTP deferred: {exc.smtp_code}") from exc
                    yield row, exc
                    continue
                except smtplib.SMTPException as exc:
                    yield row, exc
                    continue
                yield row, None


def senders_for(spec: CampaignSpec) -> dict[str, Sender]:
    """Return the delivery adapters for the channels the spec configures."""
    senders: dict[str, Sender] = {}
    channels = channels_for(spec)
    if SLACK in channels:
        senders[SLACK] = SlackDelivery(slack_conn_id=spec.alerts.slack_conn_id or "", channel=spec.alerts.slack_channel)
    if EMAIL in channels:
        senders[EMAIL] = SmtpDelivery(smtp_conn_id=spec.alerts.smtp_conn_id or "", to=spec.alerts.email_to)
    return senders


# --------------------------------------------------------------------------- callbacks


def _warehouse_engine() -> Engine:
    from creator_ops.airflow.hooks import WarehouseHook

    return WarehouseHook().engine


def notify_now(engine: Engine, spec: CampaignSpec, alerts: Sequence[Any], now: dt.datetime) -> dict[str, Any]:
    """Write alerts to the outbox, then try to deliver exactly those; undelivered ones wait for the drain."""
    from creator_ops.warehouse.outbox import drain, enqueue  # at run time: parsing never needs the warehouse

    channels = channels_for(spec)
    added = enqueue(engine, alerts, channels=channels, campaign_name=spec.name, now=now)
    result = drain(engine, senders_for(spec), now=now, campaign_id=spec.id, alert_keys=[a.key for a in alerts])
    return {"queued": added, **result.as_dict()}


class CampaignTaskFailureNotifier(BaseNotifier):
    """On a task's failure, write a failed-task alert to the outbox and try to deliver it.

    It keeps no per-call state (no template fields), so one instance can serve every
    task of a DAG; `task_failure_callback` still hands out a fresh one per call site.
    """

    template_fields: Sequence[str] = ()

    def __init__(self, *, spec_path: str, engine_factory: Any = None) -> None:
        super().__init__()
        self.spec_path = spec_path
        self.engine_factory = engine_factory

    def notify(self, context: Mapping[str, Any]) -> None:
        from creator_ops.core.problems import task_failed_alert
        from creator_ops.core.spec import load_spec

        try:
            spec = load_spec(self.spec_path)
            ti = context.get("ti") or context.get("task_instance")
            dag_id = getattr(ti, "dag_id", None) or spec.dag_id
            task_id = getattr(ti, "task_id", None) or str(context.get("task_id", "?"))
            run_id = str(context.get("run_id") or getattr(ti, "run_id", "?"))
            try_number = getattr(ti, "try_number", None)
            alert = task_failed_alert(
                spec,
                dag_id=dag_id,
                task_id=task_id,
                run_id=run_id,
                try_number=try_number,
                log_url=_log_url(ti, dag_id, run_id, task_id, try_number),
                error=context.get("exception"),
            )
            engine = (self.engine_factory or _warehouse_engine)()
            outcome = notify_now(engine, spec, [alert], dt.datetime.now(dt.UTC))
            self.log.info("Failure alert %s: %s", alert.key, outcome)
        except Exception:  # a broken alert path must not mask the task's own failure
            self.log.exception("Could not record the failure alert for %s", self.spec_path)


def _log_url(ti: Any, dag_id: str, run_id: str, task_id: str, try_number: int | None) -> str:
    """Return the task's log link in the UI (from `[api] base_url`)."""
    url = getattr(ti, "log_url", None)
    if isinstance(url, str) and url:
        return url
    from urllib.parse import quote

    from creator_ops.airflow.config import LOCAL_UI, api_base_url

    base = api_base_url(LOCAL_UI)
    suffix = f"?try_number={try_number}" if try_number else ""
    return f"{base}/dags/{dag_id}/runs/{quote(run_id)}/tasks/{task_id}{suffix}"


def task_failure_callback(spec_path: str | Path) -> CampaignTaskFailureNotifier:
    """Return the task-level `on_failure_callback` for the campaign whose spec is at `spec_path`."""
    return CampaignTaskFailureNotifier(spec_path=str(spec_path))


# --------------------------------------------------------------------------- deadlines


def run_deadline(configured: Settings | None = None) -> dt.timedelta:
    """Return how long after being queued a run must have finished (env-configurable, fractional minutes allowed)."""
    minutes = (configured or settings()).run_deadline_minutes
    if minutes is None:
        return DEFAULT_RUN_DEADLINE
    # Decimal, not float: "0.75" must be exactly 45 s; the scheduler stores the interval in whole microseconds.
    return dt.timedelta(microseconds=int(minutes * 60_000_000))


def campaign_deadline(spec: CampaignSpec, spec_path: str | Path, configured: Settings | None = None) -> Any:
    """Return the DAG's `DeadlineAlert` (queued + deadline), or None when deadline alerts are off.

    Off by default: `dag.test()` does not evaluate deadlines and crashes at the end of a
    run of a DAG that has one, so tests and the laptop demo stay without; deployments with
    a scheduler and triggerer switch it on with `CREATOR_OPS_DEADLINE_ALERTS=true`.
    """
    configured = configured or settings()
    if not configured.deadline_alerts:
        return None
    from airflow.sdk import AsyncCallback, DeadlineAlert, DeadlineReference

    return DeadlineAlert(
        reference=DeadlineReference.DAGRUN_QUEUED_AT,
        interval=run_deadline(configured),
        callback=AsyncCallback(
            "creator_ops.airflow.notifiers.deadline_missed_callback", kwargs={"spec_path": str(spec_path)}
        ),
        name=f"{spec.id}_run_deadline",
    )


def record_deadline_miss(
    spec_path: str, context: Mapping[str, Any] | None, engine: Engine | None = None
) -> dict[str, Any]:
    """Write (and try to send) the late-run alert for the run named in the deadline context."""
    from creator_ops.core.calendar import CampaignCalendar
    from creator_ops.core.problems import run_late_alert
    from creator_ops.core.spec import load_spec

    spec = load_spec(spec_path)
    dag_run = dict((context or {}).get("dag_run") or {})
    deadline = dict((context or {}).get("deadline") or {})
    run_id = str(dag_run.get("dag_run_id") or dag_run.get("run_id") or "?")
    start = as_utc_or_none(dag_run.get("data_interval_start") or dag_run.get("logical_date") or None)
    phase = str(CampaignCalendar(spec.timeline).phase_of(start)) if start else "?"
    now = dt.datetime.now(dt.UTC)
    alert = run_late_alert(
        spec,
        run_id=run_id,
        phase=phase,
        deadline_at=as_utc_or_none(deadline.get("deadline_time") or None),
        observed_at=now,
        link=_run_url(spec.dag_id, run_id),
    )
    return notify_now(engine or _warehouse_engine(), spec, [alert], now)


async def deadline_missed_callback(spec_path: str, context: Mapping[str, Any] | None = None, **_: Any) -> str:
    """Deadline callback (runs in the triggerer): record the late run off the event loop; return the outcome.

    The triggerer stores the returned text as the callback's `output` in the metadata
    database, so what the alert did (queued, sent, errors) is visible without the logs.
    """
    outcome = await asyncio.to_thread(record_deadline_miss, spec_path, context)
    return json.dumps(outcome, sort_keys=True)


def _run_url(dag_id: str, run_id: str) -> str:
    from urllib.parse import quote

    from creator_ops.airflow.config import LOCAL_UI, api_base_url

    return f"{api_base_url(LOCAL_UI)}/dags/{dag_id}/runs/{quote(run_id)}"
