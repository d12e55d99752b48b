"""No SMTP server at the configured address: a failed try naming the connection error."""

import asyncio

import pytest
from fakes.smtp_server import free_port
from orchable.settings import DeliverySettings
from orchable.worker.notify import EmailSender

from .conftest import BOUND_SECONDS, claimed

pytestmark = pytest.mark.asyncio


async def test_an_smtp_server_nobody_listens_on_fails_the_try() -> None:
    settings = DeliverySettings(
        smtp_host="127.0.0.1",
        smtp_port=free_port(),
        smtp_from="alerts@orchable.test",
        smtp_timeout_seconds=2.0,
    )
    delivery = claimed(endpoint_kind="email", email_address="ops@example.test", secret=None)
    async with asyncio.timeout(BOUND_SECONDS):
        sent = await EmailSender(settings).send(delivery)

    assert (sent.outcome, sent.status_code) == ("failed", None)
    assert sent.error is not None and sent.error.startswith("SMTP failed: SMTPConnectError")
