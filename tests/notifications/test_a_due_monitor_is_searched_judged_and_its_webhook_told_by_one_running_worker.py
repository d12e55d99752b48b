"""End to end, as a user asks for it: a monitor falls due; a running worker's tick starts
its run; the worker searches through google-genai (a fake Gemini that grounds its answer);
the database compares the verdict with what the monitor knew, decides to notify and queues
the delivery in the same transaction; the same worker signs and POSTs it, and the receiver
verifies it with the secret orchable made."""

from __future__ import annotations

import asyncio
import json

import pytest
from fakes.gemini_server import FakeGemini
from fakes.webhook_receiver import WebhookReceiver
from orchable.settings import DeliverySettings, ExecutorSettings
from orchable.worker.loop import Worker
from orchable.worker.providers.gemini import GeminiProvider
from support.keys import add_key
from support.workers import run_worker, settings

from .conftest import add_webhook


@pytest.mark.timeout(90)
def test_a_due_monitor_is_searched_judged_and_its_webhook_told_by_one_running_worker(
    admin, owner, worker_url
):
    with FakeGemini() as gemini, WebhookReceiver() as receiver:
        _, receiver.secret = add_webhook(admin, owner, receiver.url)
        add_key(admin, owner, "gemini", "AIzaSy-end-to-end-key-000001")
        monitor = admin.execute(
            "select (public.create_monitor('iphone', 'When is the next iPhone released?',"
            " 'A release date is announced', '0 9 * * mon-fri', 'Europe/Berlin', 'track_state',"
            ' \'{"model": "gemini-3-flash"}\', %s)).id',
            (owner,),
        ).fetchone()["id"]
        # Due now, and knowing a fact the search will not find again: its state changes.
        admin.execute(
            "update public.monitors set next_run_at = now() - interval '1 minute',"
            ' last_known_state = \'{"release_date": "unknown"}\' where id = %s',
            (monitor,),
        )
        provider = GeminiProvider(base_url=gemini.url)
        worker = Worker(
            settings(
                worker_url,
                drain=False,
                tick_seconds=0.2,
                executor=ExecutorSettings(default_provider="gemini"),
                delivery=DeliverySettings(poll_interval_seconds=0.1),
            ),
            {"gemini": provider},
        )

        async def run() -> None:
            try:
                await run_worker(worker, until=lambda: bool(receiver.requests))
            finally:
                await provider.aclose()

        asyncio.run(run())
        searched = [r for r in gemini.requests if "googleSearch" in json.dumps(r.body)]

    execution = admin.execute(
        "select * from public.monitor_executions where monitor_id = %s", (monitor,)
    ).fetchone()
    assert (execution["status"], execution["grounded"]) == ("success", True), execution
    assert (execution["notified"], execution["notify_reason"]) == (True, "state_changed")
    assert execution["grounding_sources"] and execution["search_queries"]
    assert execution["grounding_supports"], "which parts of the answer rest on which sources"
    assert len(searched) == 1, "one grounded call, with the schema (gemini-3: one pass)"
    [request] = receiver.requests
    assert request.verified, request.verify_error
    body = json.loads(request.body)
    assert (body["type"], body["data"]["execution"]["id"]) == (
        "monitor.triggered",
        str(execution["id"]),
    )
    delivery = admin.execute(
        "select status, attempts from public.notification_deliveries where id = %s",
        (request.webhook_id,),
    ).fetchone()
    assert delivery == {"status": "delivered", "attempts": 1}
