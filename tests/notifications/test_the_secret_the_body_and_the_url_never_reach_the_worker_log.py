"""The worker logs each try (delivered, failed) by delivery id, never an endpoint's
signing secret or the body sent (nor, in its own lines, the URL, which may carry the
receiver's token)."""

from __future__ import annotations

import logging

import pytest
from fakes.webhook_receiver import WebhookReceiver

from .conftest import add_webhook, deliveries, delivering_worker, notify, run_until


@pytest.mark.timeout(60)
def test_the_secret_the_body_and_the_url_never_reach_the_worker_log(
    admin, owner, worker_url, caplog
):
    caplog.set_level(logging.DEBUG)
    with WebhookReceiver(answer="fail") as failing, WebhookReceiver() as taking:
        _, failing.secret = add_webhook(admin, owner, failing.url + "?token=t0ps3cr3t", "a")
        _, taking.secret = add_webhook(admin, owner, taking.url, "b")
        notification = notify(admin, owner)

        def both_reported() -> bool:
            rows = deliveries(admin, notification["id"])
            return all(d["attempts"] == 1 and d["status"] != "delivering" for d in rows)

        run_until(delivering_worker(worker_url), both_reported)

    sent = failing.requests + taking.requests
    assert len(sent) == 2
    everything = caplog.text
    events = [r.getMessage() for r in caplog.records if r.name.startswith("orchable")]
    assert any(e.startswith("notification_delivered ") for e in events), events
    assert any(e.startswith("notification_delivery_failed ") for e in events), events
    for secret in (failing.secret, taking.secret):
        assert secret and secret not in everything
        assert secret.removeprefix("whsec_") not in everything
    for request in sent:
        assert request.body.decode() not in everything
        assert request.headers["webhook-signature"] not in everything
    assert "what the sources say" not in everything  # the payload's answer
    assert not any("t0ps3cr3t" in e or "127.0.0.1" in e for e in events), events
