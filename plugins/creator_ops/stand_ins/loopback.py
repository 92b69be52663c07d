"""Loopback stand-ins for Slack and an SMTP server, recording what alerts were sent.

`SlackLikeServer` is an HTTP server on 127.0.0.1 that answers like a Slack incoming
webhook (`ok`) and like the bot API's `chat.postMessage` (`{"ok": true}`); it can be
told to answer 500 or to hang for a while, to exercise retries and timeouts.
`SmtpCatcher` is a real aiosmtpd server on 127.0.0.1 keeping every message parsed.
Both pick free ports and stop by themselves after `max_lifetime` seconds. Used by the
tests, the benchmark and the demo (`LoopbackServers.connection_env()` gives the
`AIRFLOW_CONN_*` variables pointing Airflow's providers at them). No airflow import.
"""

from __future__ import annotations

import email
import email.policy
import json
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

HOST = "127.0.0.1"
DEFAULT_LIFETIME = 900.0


@dataclass(frozen=True)
class SlackRequest:
    """One request the Slack stand-in received."""

    path: str
    body: dict[str, Any]
    answered: int


class _SlackHandler(BaseHTTPRequestHandler):
    server: _SlackHTTPServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # silence per-request logs
        return

    def do_POST(self) -> None:  # http.server naming
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        owner = self.server.owner
        mode = owner.next_mode()
        if mode == "hang":
            # hold the request until the client gives up (or the server stops)
            owner.hanging.wait(owner.hang_seconds)
            owner._record(self.path, raw, 0)
            self.close_connection = True
            return
        status = 500 if mode == "error" else 200
        owner._record(self.path, raw, status)
        if self.path.rstrip("/").endswith("chat.postMessage"):
            body = json.dumps({"ok": status == 200, "channel": "C0LOOPBACK", "ts": f"{time.time():.6f}"})
            content_type = "application/json; charset=utf-8"
        else:
            body = "ok" if status == 200 else "internal_error"
            content_type = "text/plain; charset=utf-8"
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class _SlackHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, owner: SlackLikeServer) -> None:
        self.owner = owner
        super().__init__((HOST, 0), _SlackHandler)


@dataclass
class SlackLikeServer:
    """A Slack webhook / bot-API stand-in on loopback; `script` answers the next requests."""

    hang_seconds: float = 5.0
    max_lifetime: float = DEFAULT_LIFETIME
    requests: list[SlackRequest] = field(default_factory=list)
    _script: list[str] = field(default_factory=list)
    _default_mode: str = "ok"
    _lock: threading.Lock = field(default_factory=threading.Lock)
    hanging: threading.Event = field(default_factory=threading.Event)
    _server: _SlackHTTPServer | None = None
    _timer: threading.Timer | None = None

    def start(self) -> SlackLikeServer:
        """Listen on a free loopback port in a background thread."""
        self._server = _SlackHTTPServer(self)
        threading.Thread(target=self._server.serve_forever, name="slack-loopback", daemon=True).start()
        self._timer = threading.Timer(self.max_lifetime, self.stop)
        self._timer.daemon = True
        self._timer.start()
        return self

    def stop(self) -> None:
        """Stop serving and release any hanging request."""
        self.hanging.set()
        if self._timer is not None:
            self._timer.cancel()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def port(self) -> int:
        assert self._server is not None, "start() the server first"
        return self._server.server_address[1]

    @property
    def webhook_url(self) -> str:
        return f"http://{HOST}:{self.port}/services/T000/B000/loopback"

    @property
    def api_base_url(self) -> str:
        return f"http://{HOST}:{self.port}/api/"

    def script(self, modes: Iterable[str]) -> None:
        """Answer the next requests with these modes in order (`ok`, `error` = HTTP 500, `hang`)."""
        with self._lock:
            self._script.extend(self._check(m) for m in modes)

    def set_mode(self, mode: str) -> None:
        """Answer every request after the script with `mode`."""
        self._default_mode = self._check(mode)

    @staticmethod
    def _check(mode: str) -> str:
        if mode not in ("ok", "error", "hang"):
            raise ValueError(f"unknown mode {mode!r}")
        return mode

    def next_mode(self) -> str:
        with self._lock:
            return self._script.pop(0) if self._script else self._default_mode

    def _record(self, path: str, raw: bytes, status: int) -> None:
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = {"raw": raw.decode("utf-8", "replace")}
        with self._lock:
            self.requests.append(SlackRequest(path, body, status))

    @property
    def delivered(self) -> list[dict[str, Any]]:
        """Bodies answered with 200, in arrival order."""
        with self._lock:
            return [r.body for r in self.requests if r.answered == 200]

    def __enter__(self) -> SlackLikeServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


@dataclass(frozen=True)
class CaughtMail:
    """One message the SMTP catcher received."""

    mail_from: str
    recipients: list[str]
    subject: str
    message_id: str
    text: str
    html: str
    raw: bytes


class _Recorder:
    def __init__(self, owner: SmtpCatcher) -> None:
        self.owner = owner

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # aiosmtpd API
        raw = envelope.original_content or envelope.content
        raw = raw if isinstance(raw, bytes) else raw.encode()
        message = email.message_from_bytes(raw, policy=email.policy.default)
        text = html = ""
        for part in message.walk():
            if part.get_content_type() == "text/plain" and not text:
                text = part.get_content()
            elif part.get_content_type() == "text/html" and not html:
                html = part.get_content()
        caught = CaughtMail(
            mail_from=envelope.mail_from,
            recipients=list(envelope.rcpt_tos),
            subject=str(message.get("Subject", "")),
            message_id=str(message.get("Message-ID", "")),
            text=text,
            html=html,
            raw=raw,
        )
        with self.owner._lock:
            self.owner.messages.append(caught)
        return "250 Message accepted for delivery"


@dataclass
class SmtpCatcher:
    """A real SMTP server (aiosmtpd) on a free loopback port, keeping every message."""

    max_lifetime: float = DEFAULT_LIFETIME
    messages: list[CaughtMail] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _controller: Any = None
    _timer: threading.Timer | None = None

    def start(self) -> SmtpCatcher:
        """Start aiosmtpd in its own thread."""
        import logging
        import socket

        from aiosmtpd.controller import Controller

        # aiosmtpd logs every SMTP command at INFO; the recorded messages are what matters
        logging.getLogger("mail.log").setLevel(logging.WARNING)

        with socket.socket() as probe:  # aiosmtpd needs a concrete port
            probe.bind((HOST, 0))
            port = probe.getsockname()[1]
        self._controller = Controller(_Recorder(self), hostname=HOST, port=port, ready_timeout=10)
        self._controller.start()
        self._timer = threading.Timer(self.max_lifetime, self.stop)
        self._timer.daemon = True
        self._timer.start()
        return self

    def stop(self) -> None:
        """Stop the server."""
        if self._timer is not None:
            self._timer.cancel()
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def port(self) -> int:
        assert self._controller is not None, "start() the server first"
        return int(self._controller.port)

    def __enter__(self) -> SmtpCatcher:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


@dataclass
class LoopbackServers:
    """Both stand-ins together, with the Airflow connections that reach them."""

    slack_conn_id: str = "slack_creator_ops"
    slack_api_conn_id: str = "slack_api_creator_ops"
    smtp_conn_id: str = "smtp_creator_ops"
    slack_timeout: int = 2
    max_lifetime: float = DEFAULT_LIFETIME
    slack: SlackLikeServer = field(init=False)
    smtp: SmtpCatcher = field(init=False)

    def __post_init__(self) -> None:
        self.slack = SlackLikeServer(hang_seconds=self.slack_timeout * 3, max_lifetime=self.max_lifetime)
        self.smtp = SmtpCatcher(max_lifetime=self.max_lifetime)

    def start(self) -> LoopbackServers:
        self.slack.start()
        self.smtp.start()
        return self

    def stop(self) -> None:
        self.slack.stop()
        self.smtp.stop()

    def connection_env(self) -> dict[str, str]:
        """Return `AIRFLOW_CONN_*` variables (JSON) for the webhook, bot-API and SMTP connections."""
        webhook = {
            "conn_type": "slackwebhook",
            "password": self.slack.webhook_url,
            "extra": {"timeout": self.slack_timeout},
        }
        bot = {
            "conn_type": "slack",
            "password": "xoxb-loopback-not-a-secret",
            "extra": {"base_url": self.slack.api_base_url, "timeout": self.slack_timeout},
        }
        smtp = {
            "conn_type": "smtp",
            "host": HOST,
            "port": self.smtp.port,
            "extra": {
                "disable_ssl": True,
                "disable_tls": True,
                "from_email": "creator-ops-alerts@example.com",
                "timeout": 10,
                "retry_limit": 0,
            },
        }
        return {
            f"AIRFLOW_CONN_{self.slack_conn_id.upper()}": json.dumps(webhook),
            f"AIRFLOW_CONN_{self.slack_api_conn_id.upper()}": json.dumps(bot),
            f"AIRFLOW_CONN_{self.smtp_conn_id.upper()}": json.dumps(smtp),
        }

    def __enter__(self) -> LoopbackServers:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
