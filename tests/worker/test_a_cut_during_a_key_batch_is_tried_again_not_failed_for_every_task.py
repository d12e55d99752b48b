"""A key batch serves every task that asked at that moment, so a connection cut during it
is tried again on a fresh connection: the tasks all get their keys, instead of all
failing over one cut."""

from __future__ import annotations

import asyncio

from orchable.db import worker_rpc as rpc
from orchable.db.worker_rpc import ApiKey, ClaimedTask
from orchable.worker.keys import KeyBroker
from support.keys import add_key
from support.tasks import held_tasks
from support.workers import CutPool

CALLS = 6


async def acquire_through_a_cut(worker_url: str, tasks: list[ClaimedTask]) -> list[ApiKey | None]:
    pool = rpc.create_pool(worker_url)
    await pool.open(wait=True)
    cut = CutPool(pool, cuts=1)
    try:
        broker = KeyBroker(cut)  # type: ignore[arg-type]
        keys = await asyncio.gather(*(broker.acquire(task, "gemini", None) for task in tasks))
        await broker.close()
    finally:
        await pool.close()
    assert cut.cuts == 0, "the batch was never cut"
    return keys


def test_a_cut_during_a_key_batch_is_tried_again_not_failed_for_every_task(
    admin, owner, worker_url
):
    ids = {add_key(admin, owner, "gemini", f"sk-cut-{i}") for i in range(2)}

    tasks = asyncio.run(held_tasks(admin, worker_url, owner, CALLS))

    keys = asyncio.run(acquire_through_a_cut(worker_url, tasks))

    assert all(key is not None for key in keys)
    assert {key.api_key_id for key in keys if key} == ids
