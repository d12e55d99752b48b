"""Email deliveries through the SMTP server of the worker's settings (aiosmtplib).

One message per try, always with the same `Message-ID: <delivery id@orchable>`, so a mail
client shows a message tried twice once. The server taking it is delivered; a refusal (a
4xx or 5xx), no answer in time or a connection that fails is a failed try, tried again
later on the database's schedule. A worker without an SMTP server reports every email
delivery failed, saying so, so that they stay visible and are sent once one has it.

An interaction's email shows the question (text and HTML) and links to its answer page on
`orchable serve` with the token minted for this try; the token is in the message only."""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils
from email.message import EmailMessage
from typing import Any

import aiosmtplib
import yaml

from orchable.db.worker_rpc import ClaimedDelivery
from orchable.settings import DEFAULT_PUBLIC_URL, DeliverySettings, Env
from orchable.worker.notify.interactions import email_html, email_text
from orchable.worker.notify.sent import Sent

_SUBJECT_CHARS = 200
NOT_CONFIGURED = (
    f"SMTP is not configured on this worker: set {Env.SMTP_HOST} and {Env.SMTP_FROM}"
    " (and, if the server asks, the username and password)"
)


def message_id(delivery: ClaimedDelivery) -> str:
    return f"<{delivery.delivery_id}@orchable>"


def email_message(
    delivery: ClaimedDelivery, sender: str, public_url: str = DEFAULT_PUBLIC_URL
) -> EmailMessage:
    """The message of one delivery: the notification's subject, its payload as readable
    text (an interaction's: its question, in text and HTML, and its answer link). Raises
    ValueError if the address cannot be written in a header."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = delivery.email_address or ""
    message["Subject"] = _one_line(delivery.subject or delivery.notification_kind)[:_SUBJECT_CHARS]
    message["Date"] = email.utils.format_datetime(dt.datetime.now(dt.UTC))
    message["Message-ID"] = message_id(delivery)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to it
    if delivery.is_interaction:
        message.set_content(email_text(delivery, public_url))
        message.add_alternative(email_html(delivery, public_url), subtype="html")
    else:
        message.set_content(_text(delivery))
    return message


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _text(delivery: ClaimedDelivery) -> str:
    created_at = delivery.created_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return "\n".join(
        [
            _one_line(delivery.subject),
            "",
            _readable(delivery.payload).rstrip(),
            "",
            "-- ",
            f"orchable: {delivery.notification_kind} at {created_at}",
            f"notification {delivery.notification_id}",
            "",
        ]
    )


def _readable(payload: Any) -> str:
    """The payload as YAML: keys in their order, nested values indented, long text folded."""
    return yaml.safe_dump(
        payload, sort_keys=False, allow_unicode=True, default_flow_style=False, width=78
    )


class EmailSender:
    """Makes one try of an email delivery: one SMTP connection per message."""

    def __init__(self, settings: DeliverySettings) -> None:
        self.settings = settings

    async def send(self, delivery: ClaimedDelivery) -> Sent:
        s = self.settings
        if not s.smtp_configured or s.smtp_from is None:
            return Sent.failed(NOT_CONFIGURED)
        if not delivery.email_address:
            return Sent.failed("the email endpoint has no address")
        if delivery.unreadable:
            return Sent.failed(delivery.unreadable)
        try:
            message = email_message(delivery, s.smtp_from, s.public_url)
        except (ValueError, TypeError, yaml.YAMLError) as exc:
            return Sent.failed(f"the email cannot be written: {exc}")
        try:
            async with asyncio.timeout(s.smtp_timeout_seconds):
                errors, _ = await aiosmtplib.send(
                    message,
                    hostname=s.smtp_host,
                    port=s.smtp_port,
                    username=s.smtp_username,
                    password=s.smtp_password,
                    start_tls=s.smtp_starttls,
                    timeout=s.smtp_timeout_seconds,
                )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            refused = exc.recipients[0]
            return Sent.failed(f"SMTP {refused.code} {refused.message}", refused.code)
        except aiosmtplib.SMTPResponseException as exc:
            return Sent.failed(f"SMTP {exc.code} {exc.message}", exc.code)
        except (TimeoutError, aiosmtplib.SMTPTimeoutError):
            waited = s.smtp_timeout_seconds
            return Sent.failed(f"no answer from the SMTP server within {waited:g} s")
        except (aiosmtplib.SMTPException, OSError) as exc:
            return Sent.failed(f"SMTP failed: {type(exc).__name__}: {exc}")
        if errors:  # recipients refused while others were taken (one recipient: never)
            code, text = next(iter(errors.values()))
            return Sent.failed(f"SMTP {code} {text}", code)
        return Sent.delivered(250)

    async def aclose(self) -> None:
        """Nothing held between messages."""
