"""A worker whose environment names no SMTP server (or no From address) sends no email:
each try fails with an error saying SMTP is not configured, so the delivery stays
visible and is tried again, perhaps by a worker that has one."""

import asyncio

import pytest
from orchable.settings import DeliverySettings
from orchable.worker.notify import EmailSender

from .conftest import BOUND_SECONDS, claimed

pytestmark = pytest.mark.asyncio


@pytest.mark.parametrize(
    "settings",
    [DeliverySettings(), DeliverySettings(smtp_host="127.0.0.1")],
    ids=["nothing", "no_from_address"],
)
async def test_a_worker_without_smtp_settings_fails_each_email_try_saying_so(
    settings: DeliverySettings,
) -> None:
    delivery = claimed(endpoint_kind="email", email_address="ops@example.test", secret=None)
    async with asyncio.timeout(BOUND_SECONDS):
        sent = await EmailSender(settings).send(delivery)

    assert (sent.outcome, sent.status_code) == ("failed", None)
    assert sent.error is not None
    assert sent.error.startswith("SMTP is not configured on this worker: set ORCHABLE_SMTP_HOST")
