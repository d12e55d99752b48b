"""A receiver that answers 410 Gone: the delivery is dead at once (no more tries), its
endpoint is switched off saying why, and later notifications queue nothing for it."""

from __future__ import annotations

import pytest
from fakes.webhook_receiver import WebhookReceiver

from .conftest import add_webhook, deliveries, delivering_worker, notify, run_until


@pytest.mark.timeout(60)
def test_a_410_switches_the_endpoint_off_and_its_delivery_is_dead(admin, owner, worker_url):
    with WebhookReceiver(answer="gone") as receiver:
        endpoint_id, receiver.secret = add_webhook(admin, owner, receiver.url)
        notification = notify(admin, owner)
        worker = delivering_worker(worker_url)
        run_until(worker, lambda: deliveries(admin, notification["id"])[0]["status"] == "dead")

    [delivery] = deliveries(admin, notification["id"])
    assert (delivery["attempts"], delivery["last_status_code"]) == (1, 410)
    assert delivery["last_error"] == "HTTP 410 Gone: this endpoint is gone"
    endpoint = admin.execute(
        "select is_active, disabled_reason from public.notification_endpoints where id = %s",
        (endpoint_id,),
    ).fetchone()
    assert endpoint["is_active"] is False
    assert "410" in endpoint["disabled_reason"]
    assert len(receiver.requests) == 1
    assert receiver.requests[0].verified
    assert deliveries(admin, notify(admin, owner)["id"]) == []
