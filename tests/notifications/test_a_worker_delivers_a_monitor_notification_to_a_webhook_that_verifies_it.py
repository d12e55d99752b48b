"""End to end: a monitor run that notifies queues a delivery to the owner's webhook as it
settles; a running worker claims it and POSTs it; the receiver verifies it with the
secret orchable made (standardwebhooks), and the delivery is delivered after one try."""

from __future__ import annotations

import json

import pytest
from fakes.webhook_receiver import WebhookReceiver

from .conftest import add_webhook, deliveries, delivering_worker, notify, run_until


@pytest.mark.timeout(60)
def test_a_worker_delivers_a_monitor_notification_to_a_webhook_that_verifies_it(
    admin, owner, worker_url
):
    with WebhookReceiver() as receiver:
        _, secret = add_webhook(admin, owner, receiver.url)
        receiver.secret = secret
        notification = notify(admin, owner)
        worker = run_until(delivering_worker(worker_url), lambda: bool(receiver.requests))

    [delivery] = deliveries(admin, notification["id"])
    [request] = receiver.requests
    assert request.verified, request.verify_error
    assert request.webhook_id == str(delivery["id"])
    body = json.loads(request.body)
    assert body["type"] == "monitor.triggered"
    assert body["data"] == notification["payload"]
    assert body["data"]["execution"]["condition_met"] is True
    assert delivery["status"] == "delivered", delivery
    assert (delivery["attempts"], delivery["last_status_code"]) == (1, 200)
    assert delivery["delivered_at"] is not None
    assert worker.settings.deliver_notifications
