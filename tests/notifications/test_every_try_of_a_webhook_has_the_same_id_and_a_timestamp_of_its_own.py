"""Each try of one delivery carries the delivery's id as `webhook-id` (receivers drop
copies by it) and the time of that try as `webhook-timestamp`, signed afresh."""

import asyncio
import datetime as dt

import pytest
from fakes.webhook_receiver import WebhookReceiver
from orchable.worker.notify import WebhookSender, webhook_body, webhook_headers
from standardwebhooks import Webhook

from .conftest import BOUND_SECONDS, claimed

pytestmark = pytest.mark.asyncio


async def test_every_try_of_a_webhook_has_the_same_id(
    receiver: WebhookReceiver, webhooks: WebhookSender, to_receiver
) -> None:
    receiver.script("fail", "rate_limited")
    delivery = to_receiver()
    async with asyncio.timeout(BOUND_SECONDS):
        outcomes = [(await webhooks.send(delivery)).outcome for _ in range(3)]

    assert outcomes == ["failed", "failed", "delivered"]
    assert [r.webhook_id for r in receiver.requests] == [str(delivery.delivery_id)] * 3
    assert all(r.verified for r in receiver.requests)
    assert len({r.body for r in receiver.requests}) == 1, "the body changed between tries"


async def test_the_timestamp_and_signature_are_those_of_the_try(secret: str) -> None:
    delivery = claimed(secret=secret)
    body = webhook_body(delivery)
    first = webhook_headers(str(delivery.delivery_id), secret, body, now=1_800_000_000.9)
    later = webhook_headers(str(delivery.delivery_id), secret, body, now=1_800_000_300.0)

    assert (first["webhook-timestamp"], later["webhook-timestamp"]) == ("1800000000", "1800000300")
    assert first["webhook-signature"] != later["webhook-signature"]
    at = dt.datetime.fromtimestamp(1_800_000_300, dt.UTC)
    assert later["webhook-signature"] == Webhook(secret).sign(str(delivery.delivery_id), at, body)
