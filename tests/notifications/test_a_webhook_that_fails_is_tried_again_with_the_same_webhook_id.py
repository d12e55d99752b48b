"""A receiver that answers 500: the try is reported failed, the database sets the next try
about 5 s later (Standard Webhooks' schedule), and the worker makes it then, with the same
webhook-id, a new timestamp and a new signature that verifies."""

from __future__ import annotations

import time

import pytest
from fakes.webhook_receiver import WebhookReceiver

from .conftest import add_webhook, deliveries, delivering_worker, notify, run_until


@pytest.mark.timeout(60)
def test_a_webhook_that_fails_is_tried_again_with_the_same_webhook_id(admin, owner, worker_url):
    with WebhookReceiver() as receiver:
        _, receiver.secret = add_webhook(admin, owner, receiver.url)
        receiver.script("fail")
        notification = notify(admin, owner)
        [queued] = deliveries(admin, notification["id"])
        first_pending: list[dict] = []

        def second_try_made() -> bool:
            if receiver.requests and not first_pending:
                [row] = deliveries(admin, notification["id"])
                if row["status"] == "pending":
                    first_pending.append(row)
            return len(receiver.requests) >= 2

        started = time.monotonic()
        run_until(delivering_worker(worker_url), second_try_made)
        took = time.monotonic() - started

    [after_first] = first_pending
    assert after_first["attempts"] == 1
    assert after_first["last_status_code"] == 500
    assert after_first["last_error"] == "HTTP 500 Internal Server Error: the receiver broke"
    wait = (after_first["next_attempt_at"] - after_first["updated_at"]).total_seconds()
    assert 4.4 <= wait <= 5.6, wait  # 5 s with 10% of jitter
    assert 4.0 <= took < 30
    first, second = receiver.requests
    assert first.webhook_id == second.webhook_id == str(queued["id"])
    assert first.body == second.body
    assert int(second.headers["webhook-timestamp"]) >= int(first.headers["webhook-timestamp"]) + 4
    assert first.headers["webhook-signature"] != second.headers["webhook-signature"]
    assert first.verified and second.verified
    [delivered] = deliveries(admin, notification["id"])
    assert (delivered["status"], delivered["attempts"]) == ("delivered", 2)
