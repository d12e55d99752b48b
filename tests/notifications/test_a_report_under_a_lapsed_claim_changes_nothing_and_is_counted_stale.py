"""A try that outlives its lease: another worker claims the delivery meanwhile, and the
first worker's report is refused (OR006); the worker counts it stale and carries on,
and the delivery stays with the worker that holds it now."""

from __future__ import annotations

import time

import pytest
from fakes.webhook_receiver import WebhookReceiver
from support.databases import connect

from .conftest import add_webhook, deliveries, delivering_worker, notify, run_until


@pytest.mark.timeout(60)
def test_a_report_under_a_lapsed_claim_changes_nothing_and_is_counted_stale(
    admin, owner, worker_url
):
    with WebhookReceiver(answer="hang", hang_seconds=3.0) as receiver:
        _, receiver.secret = add_webhook(admin, owner, receiver.url)
        notification = notify(admin, owner)
        worker = delivering_worker(worker_url, lease_seconds=1)
        taken_over: list[dict] = []

        def reported_stale() -> bool:
            if receiver.requests and not taken_over:
                time.sleep(1.2)  # the first worker's lease lapses
                with connect(worker_url) as other:
                    taken_over.extend(
                        other.execute(
                            "select delivery_id, claim_token, attempt from"
                            " public.claim_notification_deliveries('other-worker', 10, 60)"
                        ).fetchall()
                    )
            return worker.deliveries is not None and worker.deliveries.stale == 1

        run_until(worker, reported_stale)

    [claim] = taken_over
    assert claim["attempt"] == 2
    [delivery] = deliveries(admin, notification["id"])
    assert (delivery["status"], delivery["locked_by"]) == ("delivering", "other-worker")
    assert delivery["claim_token"] == claim["claim_token"]
    assert delivery["delivered_at"] is None
    assert worker.deliveries is not None and worker.deliveries.delivered == 0
