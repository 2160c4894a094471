"""Mail transport: one SMTP connection for a batch of messages, or .eml files in the dev outbox directory.

Nothing here is called from a request: features write messages to the outbox (app/core/outbox.py) in the
transaction of the change that causes them, and the worker hands them to a connection from here. A failure is
sorted into what is worth retrying (the server is down, busy or says "try later", 4xx) and what is not (the
server refused this message or this address for good, 5xx), with the server's own answer kept for the clerk.
"""

import smtplib
import ssl
import uuid
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from flask import current_app

from app.core.timeutil import utcnow


class DeliveryError(Exception):
    """A message was not delivered. ``permanent``: retrying will not help. ``connection_lost``: the connection
    is unusable, so the rest of the batch waits for the next attempt too."""

    def __init__(self, answer: str, *, permanent: bool, connection_lost: bool = False):
        super().__init__(answer)
        self.answer = answer[:1000]
        self.permanent = permanent
        self.connection_lost = connection_lost


def new_message_id() -> str:
    return make_msgid(domain=current_app.config.get("MAIL_MESSAGE_ID_DOMAIN") or "dais.local")


def build_message(
    to: str,
    subject: str,
    body: str,
    *,
    message_id: str | None = None,
    sender: str | None = None,
    headers: dict[str, str] | None = None,
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender or current_app.config["MAIL_DEFAULT_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = message_id or new_message_id()
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    return message


def _answer(code, text) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {text}".strip()


class SmtpConnection:
    """One SMTP session for many messages (``with SmtpConnection(config) as smtp: smtp.send(m)``)."""

    def __init__(self, config):
        self.config = config
        self.smtp = None

    def __enter__(self) -> "SmtpConnection":
        config = self.config
        smtp_class = smtplib.SMTP_SSL if config.get("MAIL_USE_SSL") else smtplib.SMTP
        try:
            self.smtp = smtp_class(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT_SECONDS"])
            if config.get("MAIL_USE_TLS") and not config.get("MAIL_USE_SSL"):
                self.smtp.starttls(context=ssl.create_default_context())
            if config.get("MAIL_USERNAME"):
                self.smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        except smtplib.SMTPResponseException as exc:
            self._close()
            raise DeliveryError(_answer(exc.smtp_code, exc.smtp_error), permanent=False, connection_lost=True) from exc
        except (OSError, smtplib.SMTPException) as exc:
            self._close()
            raise DeliveryError(f"cannot connect: {exc}", permanent=False, connection_lost=True) from exc
        return self

    def send(self, message: EmailMessage) -> None:
        try:
            self.smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()))
            raise DeliveryError(_answer(code, text), permanent=code >= 500) from exc
        except (smtplib.SMTPSenderRefused, smtplib.SMTPAuthenticationError) as exc:
            # Our own sender or login refused: the server's setting, not this resident's; retry once it is fixed.
            raise DeliveryError(_answer(exc.smtp_code, exc.smtp_error), permanent=False, connection_lost=True) from exc
        except smtplib.SMTPResponseException as exc:
            lost = exc.smtp_code == 421  # "service not available, closing channel"
            raise DeliveryError(
                _answer(exc.smtp_code, exc.smtp_error), permanent=exc.smtp_code >= 500, connection_lost=lost
            ) from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"connection lost: {exc}", permanent=False, connection_lost=True) from exc

    def _close(self) -> None:
        if self.smtp is None:
            return
        try:
            self.smtp.quit()
        except (OSError, smtplib.SMTPException):
            self.smtp.close()
        self.smtp = None

    def __exit__(self, *exc_info) -> None:
        self._close()


class FileConnection:
    """Development without MAIL_SERVER: each message becomes one .eml file in MAIL_OUTBOX_DIR."""

    def __init__(self, config):
        self.directory = Path(config["MAIL_OUTBOX_DIR"])

    def __enter__(self) -> "FileConnection":
        self.directory.mkdir(parents=True, exist_ok=True)
        return self

    def send(self, message: EmailMessage) -> None:
        name = f"{utcnow():%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}.eml"
        (self.directory / name).write_bytes(bytes(message))

    def __exit__(self, *exc_info) -> None:
        pass


def connection():
    """The connection for this configuration: SMTP when MAIL_SERVER is set, else the dev outbox directory."""
    config = current_app.config
    return SmtpConnection(config) if config.get("MAIL_SERVER") else FileConnection(config)
