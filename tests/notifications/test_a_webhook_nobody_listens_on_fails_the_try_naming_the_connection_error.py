"""No server at the endpoint's address: a failed try whose error names the connection
failure (the database tries again later)."""

import asyncio

import pytest
from fakes.smtp_server import free_port
from orchable.worker.notify import WebhookSender

from .conftest import BOUND_SECONDS, claimed

pytestmark = pytest.mark.asyncio


async def test_a_webhook_nobody_listens_on_fails_the_try_naming_the_connection_error(
    webhooks: WebhookSender,
) -> None:
    delivery = claimed(url=f"http://127.0.0.1:{free_port()}/hooks")
    async with asyncio.timeout(BOUND_SECONDS):
        sent = await webhooks.send(delivery)

    assert (sent.outcome, sent.status_code) == ("failed", None)
    assert sent.error is not None and sent.error.startswith("connection failed: ConnectError")
