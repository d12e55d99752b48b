"""An email delivery: the SMTP server takes one message from the settings' From address to
the endpoint's address, with the notification's subject, `Message-ID: <delivery
id@orchable>` (the same on every try) and the payload written out readably."""

import asyncio

import pytest
from fakes.smtp_server import SmtpServer
from orchable.worker.notify import EmailSender, Sent

from .conftest import BOUND_SECONDS, claimed, smtp_settings

pytestmark = pytest.mark.asyncio


async def test_an_email_is_sent_with_the_delivery_id_as_its_message_id(smtp: SmtpServer) -> None:
    delivery = claimed(endpoint_kind="email", email_address="ops@example.test", secret=None)
    sender = EmailSender(smtp_settings(smtp))
    async with asyncio.timeout(BOUND_SECONDS):
        first = await sender.send(delivery)
        again = await sender.send(delivery)

    assert first == again == Sent("delivered", 250)
    [one, two] = smtp.messages
    assert (one.sender, one.recipients) == ("alerts@orchable.test", ["ops@example.test"])
    message = one.message
    assert message["Message-ID"] == f"<{delivery.delivery_id}@orchable>"
    assert two.message["Message-ID"] == message["Message-ID"]
    assert message["To"] == "ops@example.test"
    assert message["From"] == "orchable <alerts@orchable.test>"
    assert message["Subject"] == "iPhone 17 release: the condition is met"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message.get_content_type() == "text/plain"
    text = message.get_content()
    assert "answer: Apple announced the release for September 19." in text
    assert "  name: iPhone 17 release" in text
    assert "- https://www.apple.com/newsroom/" in text
    assert f"notification {delivery.notification_id}" in text
