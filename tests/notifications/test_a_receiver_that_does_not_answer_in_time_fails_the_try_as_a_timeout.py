"""A receiver that holds the request past the webhook timeout: the try ends at the
timeout, failed, with no status code."""

import asyncio
import time

import pytest
from fakes.webhook_receiver import WebhookReceiver
from orchable.worker.notify import WebhookSender

from .conftest import BOUND_SECONDS

pytestmark = pytest.mark.asyncio


async def test_a_receiver_that_does_not_answer_in_time_fails_the_try_as_a_timeout(
    receiver: WebhookReceiver, webhooks: WebhookSender, to_receiver
) -> None:
    receiver.script("hang")  # 5 s; the sender waits 1 s
    started = time.monotonic()
    async with asyncio.timeout(BOUND_SECONDS):
        sent = await webhooks.send(to_receiver())

    assert time.monotonic() - started < 3
    assert (sent.outcome, sent.status_code) == ("failed", None)
    assert sent.error == "no answer within 1 s"
