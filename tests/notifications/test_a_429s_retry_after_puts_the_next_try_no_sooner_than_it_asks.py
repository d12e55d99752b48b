"""A receiver that answers 429 with Retry-After: 120 is not tried again on the schedule's
5 s but no sooner than it asked."""

from __future__ import annotations

import datetime as dt

import pytest
from fakes.webhook_receiver import WebhookReceiver

from .conftest import add_webhook, deliveries, delivering_worker, notify, run_until


@pytest.mark.timeout(60)
def test_a_429s_retry_after_puts_the_next_try_no_sooner_than_it_asks(admin, owner, worker_url):
    with WebhookReceiver(retry_after="120") as receiver:
        _, receiver.secret = add_webhook(admin, owner, receiver.url)
        receiver.script("rate_limited")
        notification = notify(admin, owner)

        def reported() -> bool:
            return deliveries(admin, notification["id"])[0]["status"] == "pending" and bool(
                receiver.requests
            )

        run_until(delivering_worker(worker_url), reported)

    [delivery] = deliveries(admin, notification["id"])
    assert (delivery["attempts"], delivery["last_status_code"]) == (1, 429)
    assert delivery["next_attempt_at"] - delivery["updated_at"] >= dt.timedelta(seconds=120)
    assert len(receiver.requests) == 1
