"""A 429 or a 5xx is a failed try, reported with its status, the start of the answer and
the receiver's Retry-After (seconds or an HTTP date, rounded up to whole seconds); a
500 without one has none."""

import asyncio
import email.utils
import time

import pytest
from fakes.webhook_receiver import WebhookReceiver
from orchable.worker.notify import WebhookSender

from .conftest import BOUND_SECONDS

pytestmark = pytest.mark.asyncio


async def test_a_429_fails_with_its_retry_after_in_seconds(
    receiver: WebhookReceiver, webhooks: WebhookSender, to_receiver
) -> None:
    receiver.retry_after = "42"
    receiver.script("rate_limited")
    async with asyncio.timeout(BOUND_SECONDS):
        sent = await webhooks.send(to_receiver())

    assert (sent.outcome, sent.status_code, sent.retry_after_seconds) == ("failed", 429, 42)
    assert sent.error == "HTTP 429 Too Many Requests: slow down"


async def test_a_503_fails_with_its_retry_after_as_an_http_date(
    receiver: WebhookReceiver, webhooks: WebhookSender, to_receiver
) -> None:
    receiver.retry_after = email.utils.formatdate(time.time() + 120, usegmt=True)
    receiver.script("overloaded")
    async with asyncio.timeout(BOUND_SECONDS):
        sent = await webhooks.send(to_receiver())

    assert (sent.outcome, sent.status_code) == ("failed", 503)
    assert sent.retry_after_seconds is not None
    assert 115 <= sent.retry_after_seconds <= 121


async def test_a_500_fails_without_a_retry_after(
    receiver: WebhookReceiver, webhooks: WebhookSender, to_receiver
) -> None:
    receiver.script("fail")
    async with asyncio.timeout(BOUND_SECONDS):
        sent = await webhooks.send(to_receiver())

    assert (sent.outcome, sent.status_code, sent.retry_after_seconds) == ("failed", 500, None)
    assert sent.error == "HTTP 500 Internal Server Error: the receiver broke"
