"""The worker's delivery loop: notifications to webhooks, email addresses and Slack.

The database keeps the outbox (notification_deliveries) and decides everything about it:
which deliveries are due, when a failed one is tried again (the Standard Webhooks
schedule, with jitter and the receiver's Retry-After), when one is dead, and that a 410
disables its endpoint. The loop only claims due deliveries
(claim_notification_deliveries, SKIP LOCKED, a lease each), makes one try of each
(orchable.worker.notify) and reports how it went (report_notification_delivery).

Up to `concurrency` tries are in flight at once; while there is room the loop claims
again, else it waits until a try ends or the poll interval passes. Every try is bounded
by its sender's timeout, which is shorter than the lease, so a try is reported before
another worker may claim it. `stop()` ends claiming; the tries in flight finish (or are
cancelled with the task running the loop, and tried again once their lease lapses: a
receiver may then get one twice, with the same webhook-id or Message-ID).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from typing import Protocol

import psycopg
from psycopg_pool import AsyncConnectionPool

from orchable.db import worker_rpc as rpc
from orchable.db.worker_rpc import ClaimedDelivery, StaleClaimError
from orchable.logs import log_event
from orchable.settings import DeliverySettings
from orchable.worker.notify import EmailSender, Sent, SlackSender, WebhookSender
from orchable.worker.retries import database_retries

log = logging.getLogger("orchable.worker.deliveries")

_MAX_CLAIM_BACKOFF = 60.0
_REPORT_ATTEMPTS = 4  # a lost report of a delivered try means the receiver gets it twice


class Sender(Protocol):
    async def send(self, delivery: ClaimedDelivery) -> Sent: ...

    async def aclose(self) -> None: ...


class Deliveries:
    def __init__(
        self,
        pool: AsyncConnectionPool,
        worker_id: str,
        settings: DeliverySettings,
        senders: dict[str, Sender] | None = None,
    ) -> None:
        self.pool = pool
        self.worker_id = worker_id
        self.settings = settings
        self._senders: dict[str, Sender] = senders or {
            "webhook": WebhookSender(
                settings.webhook_timeout_seconds, settings.concurrency, settings.public_url
            ),
            "email": EmailSender(settings),
            "slack": SlackSender(settings),
        }
        self._inflight: dict[uuid.UUID, asyncio.Task[None]] = {}
        self._wake = asyncio.Event()
        self._stopping = False
        # Counters (read by tests): tries by outcome, and reports refused as stale.
        self.delivered = 0
        self.failed = 0
        self.gone = 0
        self.stale = 0

    @property
    def in_flight(self) -> int:
        return len(self._inflight)

    def stop(self) -> None:
        """Claim no more; run() returns once the tries in flight are reported."""
        self._stopping = True
        self._wake.set()

    async def run(self) -> None:
        try:
            await self._loop()
            if self._inflight:
                await asyncio.wait(list(self._inflight.values()))
        finally:
            pending = list(self._inflight.values())
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.gather(*pending, return_exceptions=True)
            for sender in self._senders.values():
                with contextlib.suppress(Exception):
                    await sender.aclose()

    async def _loop(self) -> None:
        s = self.settings
        failures = 0
        while not self._stopping:
            self._wake.clear()
            free = s.concurrency - len(self._inflight)
            if free > 0:
                wanted = min(free, s.claim_size)
                try:
                    async with self.pool.connection() as conn:
                        claimed = await rpc.claim_notification_deliveries(
                            conn, self.worker_id, wanted, s.lease_seconds
                        )
                    failures = 0
                except Exception as exc:  # the database's, or a bug: never the loop's end
                    failures += 1
                    log_event(
                        log, logging.WARNING, "delivery_claim_failed", error=exc, failures=failures
                    )
                    await self._sleep(min(s.poll_interval_seconds * failures, _MAX_CLAIM_BACKOFF))
                    continue
                for delivery in claimed:
                    self._start(delivery)
                if len(claimed) == wanted:
                    continue  # more may be due
            await self._sleep(s.poll_interval_seconds)

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)

    def _start(self, delivery: ClaimedDelivery) -> None:
        task = asyncio.create_task(self._deliver(delivery), name=f"delivery-{delivery.delivery_id}")
        self._inflight[delivery.delivery_id] = task

        def done(_: asyncio.Task[None]) -> None:
            self._inflight.pop(delivery.delivery_id, None)
            self._wake.set()

        task.add_done_callback(done)

    async def _deliver(self, delivery: ClaimedDelivery) -> None:
        sender = self._senders.get(delivery.endpoint_kind)
        if sender is None:
            kind = delivery.endpoint_kind
            sent = Sent.failed(f"this worker cannot deliver to a {kind!r} endpoint")
        else:
            try:
                sent = await sender.send(delivery)
            except Exception as exc:  # a bug: reported, so the delivery is tried again later
                log_event(
                    log,
                    logging.ERROR,
                    "delivery_crashed",
                    delivery_id=delivery.delivery_id,
                    error=repr(exc),
                )
                sent = Sent.failed(f"the worker failed to send it: {type(exc).__name__}")
        await self._report(delivery, sent)

    async def _report(self, delivery: ClaimedDelivery, sent: Sent) -> None:
        fields = {
            "delivery_id": delivery.delivery_id,
            "endpoint": delivery.endpoint_kind,
            "attempt": delivery.attempt,
            "status_code": sent.status_code,
        }
        try:
            async for attempt in database_retries(
                attempts=_REPORT_ATTEMPTS, first_wait=0.2, max_wait=2.0
            ):
                with attempt:
                    async with self.pool.connection() as conn:
                        status = await rpc.report_notification_delivery(
                            conn,
                            delivery.delivery_id,
                            delivery.claim_token,
                            sent.outcome,
                            sent.status_code,
                            sent.error,
                            sent.retry_after_seconds,
                            sent.external_id,
                        )
        except StaleClaimError:
            self.stale += 1
            log_event(log, logging.WARNING, "delivery_claim_lost", outcome=sent.outcome, **fields)
            return
        except (psycopg.Error, OSError, TimeoutError) as exc:
            # Left to its lease: another try follows once it lapses.
            log_event(
                log,
                logging.ERROR,
                "delivery_report_failed",
                outcome=sent.outcome,
                error=exc,
                **fields,
            )
            return
        match sent.outcome:
            case "delivered":
                self.delivered += 1
                log_event(log, logging.INFO, "notification_delivered", **fields)
            case "gone":
                self.gone += 1
                log_event(log, logging.WARNING, "endpoint_gone", status=status, **fields)
            case _:
                self.failed += 1
                log_event(
                    log,
                    logging.WARNING,
                    "notification_delivery_failed",
                    status=status,
                    error=sent.error,
                    retry_after=sent.retry_after_seconds,
                    **fields,
                )
