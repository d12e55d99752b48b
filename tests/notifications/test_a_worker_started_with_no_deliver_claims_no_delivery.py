"""`orchable worker --no-deliver` (deliver_notifications false) runs tasks but never
claims a delivery; the default is to deliver."""

from __future__ import annotations

import time

import pytest
from fakes.webhook_receiver import WebhookReceiver
from orchable.cli.main import build_parser
from orchable.worker.loop import Worker
from orchable.worker.providers.offline import OfflineProvider
from orchable.worker.run import settings_from_args

from .conftest import add_webhook, deliveries, notify, run_until


@pytest.mark.timeout(60)
def test_a_worker_started_with_no_deliver_claims_no_delivery(admin, owner, worker_url):
    assert settings_from_args(
        build_parser().parse_args(["worker"]), worker_url
    ).deliver_notifications
    args = build_parser().parse_args(
        ["worker", "--no-deliver", "--tick-seconds", "0", "--poll-seconds", "0.1"]
    )
    settings = settings_from_args(args, worker_url)
    assert settings.deliver_notifications is False
    with WebhookReceiver() as receiver:
        add_webhook(admin, owner, receiver.url)
        notification = notify(admin, owner)
        started = time.monotonic()
        worker = Worker(settings, {"offline": OfflineProvider()})
        run_until(
            worker,
            lambda: time.monotonic() - started > 1.5,
        )

    assert receiver.requests == []
    [delivery] = deliveries(admin, notification["id"])
    assert (delivery["status"], delivery["attempts"]) == ("pending", 0)
    assert worker.deliveries is None
