"""`AlertSmtpHook`: the SMTP provider's hook, sending multipart/alternative alert mail.

Kept apart from `notifiers.py` so the SMTP stack is imported only when mail is sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formatdate

from airflow.providers.smtp.hooks.smtp import SmtpHook

DEFAULT_FROM = "Creator Ops alerts <creator-ops-alerts@localhost>"


class AlertSmtpHook(SmtpHook):
    """`SmtpHook` that sends multipart/alternative mail (plain text and HTML) with a stable Message-ID.

    Use it as the provider's hook is used: `with hook.get_conn():` opens the session and
    closes it (politely, with QUIT) at the end.
    """

    def send_alternative(
        self, *, to: Sequence[str], subject: str, text: str, html: str, message_id: str
    ) -> None:
        """Send one message over the connection opened by `get_conn()`."""
        if self._smtp_client is None:
            raise RuntimeError("the SMTP connection is not open")
        sender = self.from_email or DEFAULT_FROM
        message = MIMEMultipart("alternative")
        message["Subject"] = subject
        message["From"] = sender
        message["To"] = ", ".join(to)
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = message_id
        message.attach(MIMEText(text, "plain", "utf-8"))
        message.attach(MIMEText(html, "html", "utf-8"))
        self._smtp_client.sendmail(sender, list(to), message.as_string())

    def __exit__(self, exc_type, exc_val, exc_tb):
        """Say QUIT before the provider closes the session (a bare close drops it rudely)."""
        if self._smtp_client is None:
            return None
        try:
            self._smtp_client.quit()
        except Exception:  # the session may already be gone; closing is what matters
            pass
        return super().__exit__(exc_type, exc_val, exc_tb)
