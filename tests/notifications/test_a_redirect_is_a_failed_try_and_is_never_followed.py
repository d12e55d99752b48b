"""Standard Webhooks: a 3xx is a failure, and the sender does not follow it (the signed
request must go nowhere but the endpoint's URL)."""

import asyncio

import pytest
from fakes.webhook_receiver import WebhookReceiver
from orchable.worker.notify import WebhookSender

from .conftest import BOUND_SECONDS

pytestmark = pytest.mark.asyncio


async def test_a_redirect_is_a_failed_try_and_is_never_followed(
    receiver: WebhookReceiver, webhooks: WebhookSender, to_receiver
) -> None:
    receiver.script("redirect")
    async with asyncio.timeout(BOUND_SECONDS):
        sent = await webhooks.send(to_receiver())

    assert (sent.outcome, sent.status_code) == ("failed", 307)
    assert sent.error is not None and "redirects are not followed" in sent.error
    assert [r.path for r in receiver.requests] == ["/hooks"]
