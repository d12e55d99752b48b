"""A worker with no SMTP server in its settings keeps running and reports each email try
failed, saying SMTP is not configured: the delivery stays pending for a later try (by a
worker that has one), and a webhook of the same notification is delivered meanwhile."""

from __future__ import annotations

import pytest
from fakes.webhook_receiver import WebhookReceiver

from .conftest import add_email, add_webhook, deliveries, delivering_worker, notify, run_until


@pytest.mark.timeout(60)
def test_a_worker_without_smtp_leaves_email_deliveries_pending_saying_why(admin, owner, worker_url):
    add_email(admin, owner, "owner@example.test")
    with WebhookReceiver() as receiver:
        add_webhook(admin, owner, receiver.url)
        notification = notify(admin, owner)

        def both_reported() -> bool:
            return all(d["status"] != "delivering" and d["attempts"] >= 1 for d in
                       deliveries(admin, notification["id"]))  # fmt: skip

        worker = run_until(delivering_worker(worker_url), both_reported)

    email, webhook = deliveries(admin, notification["id"])  # ordered by endpoint kind
    assert (email["endpoint_kind"], email["status"], email["attempts"]) == ("email", "pending", 1)
    assert email["last_error"].startswith("SMTP is not configured on this worker")
    assert email["next_attempt_at"] > email["updated_at"]
    assert (webhook["endpoint_kind"], webhook["status"]) == ("webhook", "delivered")
    assert worker.deliveries is not None
    assert (worker.deliveries.failed, worker.deliveries.delivered) == (1, 1)
