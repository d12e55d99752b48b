"""A webhook try is a Standard Webhooks POST: the body is `{"type", "timestamp", "data"}`
encoded once, the signature is over exactly those bytes, and a receiver holding the
secret verifies it with the standardwebhooks library."""

import asyncio
import json
import time

import pytest
from fakes.webhook_receiver import WebhookReceiver
from orchable.worker.notify import Sent, WebhookSender

from .conftest import BOUND_SECONDS, PAYLOAD

pytestmark = pytest.mark.asyncio


async def test_a_webhook_is_signed_over_the_exact_body_sent_and_verifies_at_the_receiver(
    receiver: WebhookReceiver, webhooks: WebhookSender, to_receiver
) -> None:
    delivery = to_receiver()
    async with asyncio.timeout(BOUND_SECONDS):
        sent = await webhooks.send(delivery)

    assert sent == Sent("delivered", 200)
    [request] = receiver.requests
    assert request.verified, request.verify_error
    assert request.headers["webhook-id"] == str(delivery.delivery_id)
    assert abs(int(request.headers["webhook-timestamp"]) - time.time()) < 5
    assert request.headers["webhook-signature"].startswith("v1,")
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.body) == {
        "type": "monitor.triggered",
        "timestamp": "2026-12-07T05:44:21.123456Z",
        "data": PAYLOAD,
    }
    assert request.payload == json.loads(request.body)
