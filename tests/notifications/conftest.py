"""Fixtures of the notification tests: a claimed delivery as the claim returns one, the
senders, the webhook receiver and the SMTP server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
import pytest_asyncio
from fakes.smtp_server import SmtpServer
from fakes.webhook_receiver import WebhookReceiver
from orchable.db.worker_rpc import ClaimedDelivery
from orchable.settings import DeliverySettings
from orchable.worker.loop import Worker
from orchable.worker.notify import WebhookSender
from orchable.worker.providers.offline import OfflineProvider
from support.workers import run_worker
from support.workers import settings as worker_settings

BOUND_SECONDS = 10.0  # no try in these tests may take longer
PAYLOAD: dict[str, Any] = {
    "monitor": {"id": "6f1c4d2e-0000-4000-8000-000000000001", "name": "iPhone 17 release"},
    "answer": "Apple announced the release for September 19.",
    "sources": ["https://www.apple.com/newsroom/"],
    "condition_met": True,
}


def new_secret() -> str:
    return "whsec_" + base64.b64encode(os.urandom(32)).decode()


def claimed(**changes: Any) -> ClaimedDelivery:
    """A webhook delivery as claim_notification_deliveries returns one (`changes` win)."""
    fields: dict[str, Any] = {
        "delivery_id": uuid.uuid4(),
        "claim_token": uuid.uuid4(),
        "attempt": 1,
        "endpoint_kind": "webhook",
        "url": None,
        "email_address": None,
        "secret": new_secret(),
        "notification_id": uuid.uuid4(),
        "notification_kind": "monitor.triggered",
        "subject": "iPhone 17 release: the condition is met",
        "payload": PAYLOAD,
        "created_at": dt.datetime(2026, 12, 7, 5, 44, 21, 123456, tzinfo=dt.UTC),
    }
    return ClaimedDelivery(**{**fields, **changes})


def smtp_settings(server: SmtpServer, **changes: Any) -> DeliverySettings:
    return DeliverySettings(
        **{
            "smtp_host": "127.0.0.1",
            "smtp_port": server.port,
            "smtp_from": "orchable <alerts@orchable.test>",
            "smtp_starttls": False,
            "smtp_timeout_seconds": 5.0,
            **changes,
        }
    )


@pytest.fixture
def secret() -> str:
    return new_secret()


@pytest_asyncio.fixture
async def receiver(secret: str) -> AsyncIterator[WebhookReceiver]:
    """A receiver that verifies every request with `secret`, in the test's event loop."""
    async with WebhookReceiver(secret=secret, hang_seconds=5.0) as started:
        yield started


@pytest.fixture
def to_receiver(receiver: WebhookReceiver, secret: str) -> Callable[..., ClaimedDelivery]:
    """A delivery to the receiver, signed with its secret."""
    return lambda **changes: claimed(**{"url": receiver.url, "secret": secret, **changes})


@pytest_asyncio.fixture
async def webhooks() -> AsyncIterator[WebhookSender]:
    sender = WebhookSender(timeout_seconds=1.0)
    yield sender
    await sender.aclose()


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


# --- with a database: endpoints, notifications through the monitors' settle path, a worker


def add_webhook(
    admin: Any, owner: uuid.UUID, url: str, name: str = "hook"
) -> tuple[uuid.UUID, str]:
    """A webhook endpoint of the owner's at `url`; its id and the secret orchable made."""
    row = admin.execute(
        "select id, secret from public.add_notification_endpoint('webhook', %s, p_url => %s,"
        " p_owner_id => %s)",
        (name, url, owner),
    ).fetchone()
    return row["id"], row["secret"]


def add_email(admin: Any, owner: uuid.UUID, address: str, name: str = "mail") -> uuid.UUID:
    row = admin.execute(
        "select id from public.add_notification_endpoint('email', %s, p_email_address => %s,"
        " p_owner_id => %s)",
        (name, address, owner),
    ).fetchone()
    return row["id"]


def notify(admin: Any, owner: uuid.UUID) -> dict[str, Any]:
    """A monitor run that notifies (its condition met, as the worker would complete it):
    the database writes the notification and one delivery per active endpoint as the run
    settles. Returns the notification's row."""
    monitor_id = admin.execute(
        "select tests.create_monitor(%s, 'always') as id", (owner,)
    ).fetchone()["id"]
    run_id = admin.execute("select id from public.run_monitor_now(%s)", (monitor_id,)).fetchone()[
        "id"
    ]
    admin.execute(
        "select tests.settle_monitor_run(%s, true, %s::jsonb)", (run_id, '{"price": 799}')
    )
    row: dict[str, Any] = admin.execute(
        "select * from public.notifications where monitor_execution_id = %s", (run_id,)
    ).fetchone()
    assert row is not None, "the run did not notify"
    return row


def deliveries(admin: Any, notification_id: uuid.UUID) -> list[dict[str, Any]]:
    return admin.execute(
        "select d.*, e.kind as endpoint_kind from public.notification_deliveries as d"
        " join public.notification_endpoints as e on e.id = d.endpoint_id"
        " where d.notification_id = %s order by e.kind, d.id",
        (notification_id,),
    ).fetchall()


def delivering_worker(worker_url: str, **delivery: Any) -> Worker:
    """A worker that delivers and does nothing else (no tick, nothing to run), quick to
    poll; `delivery` overrides its DeliverySettings."""
    settings = DeliverySettings(
        **{"poll_interval_seconds": 0.1, "webhook_timeout_seconds": 5.0, **delivery}
    )
    return Worker(
        worker_settings(worker_url, drain=False, tick_seconds=0, delivery=settings),
        {"offline": OfflineProvider()},
    )


def run_until(worker: Worker, done: Callable[[], bool]) -> Worker:
    """Runs the worker until done() holds, then stops it and waits for it to end."""
    return asyncio.run(run_worker(worker, until=done))
