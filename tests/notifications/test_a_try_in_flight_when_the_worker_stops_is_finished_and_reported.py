"""A worker stopped while a webhook try waits for its answer stops claiming, lets the try
finish within the shutdown grace period and reports it: the delivery is delivered, not
left to its lease (which would send it again)."""

from __future__ import annotations

import time

import pytest
from fakes.webhook_receiver import WebhookReceiver

from .conftest import add_webhook, deliveries, delivering_worker, notify, run_until


@pytest.mark.timeout(60)
def test_a_try_in_flight_when_the_worker_stops_is_finished_and_reported(admin, owner, worker_url):
    with WebhookReceiver(answer="hang", hang_seconds=1.5) as receiver:
        _, receiver.secret = add_webhook(admin, owner, receiver.url)
        notification = notify(admin, owner)
        worker = delivering_worker(worker_url)
        stopped_at: list[float] = []

        def arrived() -> bool:
            if receiver.requests:
                stopped_at.append(time.monotonic())
                return True
            return False

        run_until(worker, arrived)
        took = time.monotonic() - stopped_at[0]

    assert 1.0 <= took < 5.0  # the try's answer, within the grace period (5 s)
    [delivery] = deliveries(admin, notification["id"])
    assert (delivery["status"], delivery["attempts"]) == ("delivered", 1)
    assert delivery["locked_by"] is None
    assert worker.deliveries is not None and worker.deliveries.delivered == 1
    assert len(receiver.requests) == 1
