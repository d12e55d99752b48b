"""Sending one notification delivery: a Standard Webhooks POST (`webhooks`), an email
through SMTP (`mail`) or a Slack message (`slack`); what an interaction's says on each
(`interactions`). Each sender makes one try and says how it went (`Sent`); the
delivery loop (orchable.worker.deliveries) reports it and the database decides what
follows."""

from orchable.worker.notify.mail import EmailSender, email_message
from orchable.worker.notify.sent import Sent
from orchable.worker.notify.slack import SlackSender
from orchable.worker.notify.webhooks import WebhookSender, webhook_body, webhook_headers

__all__ = [
    "EmailSender",
    "Sent",
    "SlackSender",
    "WebhookSender",
    "email_message",
    "webhook_body",
    "webhook_headers",
]
