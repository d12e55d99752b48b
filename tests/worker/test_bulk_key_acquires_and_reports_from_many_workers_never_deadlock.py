"""The worker's key batches from many workers at once never deadlock: acquire_task_api_keys
locks the owner's keys in the order of their ids, and a batch of reports (one statement,
report_api_key_results) takes them in that order too, whatever order the calls ended in.
Reports of one key keep their order: a later failure blocks the key."""

from __future__ import annotations

import asyncio
import random
import uuid

import psycopg
import pytest
from orchable.db import worker_rpc as rpc
from orchable.db.worker_rpc import ClaimedTask, KeyReport
from support.keys import add_key, key_health
from support.tasks import held_tasks

KEYS = 4
ROUNDS = 40
WORKERS = 3  # connections acquiring and as many reporting, each round at the same moment


async def hammer(worker_url: str, tasks: list[ClaimedTask], keys: list[uuid.UUID]) -> None:
    rng = random.Random(7)
    claims = [(task.task_id, task.claim_token) for task in tasks]
    conns = [
        await psycopg.AsyncConnection.connect(worker_url, autocommit=True)
        for _ in range(2 * WORKERS)
    ]
    try:
        for _ in range(ROUNDS):
            acquires = [
                rpc.acquire_task_api_keys(conn, claims, "gemini", None) for conn in conns[:WORKERS]
            ]
            reports = [
                rpc.report_api_key_results(
                    conn, [KeyReport(key, "success") for key in rng.sample(keys, len(keys))]
                )
                for conn in conns[WORKERS:]
            ]
            await asyncio.gather(*acquires, *reports)
        # One key, its reports out of id order with the others: the last one counts.
        last = [KeyReport(keys[0], "success"), KeyReport(keys[0], "server_error", error="500")]
        await rpc.report_api_key_results(conns[0], [KeyReport(keys[1], "success"), *last])
    finally:
        for conn in conns:
            await conn.close()


@pytest.mark.timeout(60)
def test_bulk_key_acquires_and_reports_from_many_workers_never_deadlock(admin, owner, worker_url):
    keys = [add_key(admin, owner, "gemini", f"sk-deadlock-{i}") for i in range(KEYS)]

    tasks = asyncio.run(held_tasks(admin, worker_url, owner, 8))

    asyncio.run(hammer(worker_url, tasks, keys))

    health = key_health(admin, keys[0])
    assert (health["block_reason"], health["consecutive_failures"]) == ("server_error", 1)
    total = sum(key_health(admin, key)["total_calls"] for key in keys)
    assert total == ROUNDS * WORKERS * KEYS + 3
