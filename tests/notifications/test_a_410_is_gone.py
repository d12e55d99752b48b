"""A 410 says the endpoint is gone: reported as gone (the database then disables the
endpoint), not as a failure to try again."""

import asyncio

import pytest
from fakes.webhook_receiver import WebhookReceiver
from orchable.worker.notify import WebhookSender

from .conftest import BOUND_SECONDS

pytestmark = pytest.mark.asyncio


async def test_a_410_is_gone(
    receiver: WebhookReceiver, webhooks: WebhookSender, to_receiver
) -> None:
    receiver.script("gone")
    async with asyncio.timeout(BOUND_SECONDS):
        sent = await webhooks.send(to_receiver())

    assert (sent.outcome, sent.status_code) == ("gone", 410)
    assert sent.error == "HTTP 410 Gone: this endpoint is gone"
    assert sent.retry_after_seconds is None
