"""An endpoint whose secret the standardwebhooks library refuses: the try fails before
anything is sent, and the error does not quote the secret."""

import asyncio

import pytest
from fakes.webhook_receiver import WebhookReceiver
from orchable.worker.notify import WebhookSender

from .conftest import BOUND_SECONDS

pytestmark = pytest.mark.asyncio


@pytest.mark.parametrize("secret_given", ["whsec_", "whsec_A"])
async def test_a_secret_that_is_not_a_standard_webhooks_secret_fails_the_try_without_showing_it(
    receiver: WebhookReceiver, webhooks: WebhookSender, to_receiver, secret_given: str
) -> None:
    delivery = to_receiver(secret=secret_given)
    async with asyncio.timeout(BOUND_SECONDS):
        sent = await webhooks.send(delivery)

    assert sent.outcome == "failed"
    assert sent.error == "the endpoint's signing secret is not a Standard Webhooks secret"
    assert receiver.requests == []
    assert secret_given not in repr(delivery)
