"""A call record the writer could not write holds back the completion of the claim it was
made under, and only that one: when the task's lease has expired and the same worker
claims it again, the new claim's call is recorded and the task completes."""

from __future__ import annotations

import asyncio
import uuid

import psycopg
import pytest
from orchable.db import worker_rpc as rpc
from orchable.db.worker_rpc import CallRecord, Completion
from orchable.worker.writer import ResultWriter, UnrecordedCallError
from support.pipelines import single_stage
from support.tasks import launch
from support.workers import CutPool

LEASE_SECONDS = 1


async def claim_twice(worker_url: str) -> tuple[uuid.UUID, str]:
    """One writer, as one worker has: the first claim's record is lost to cuts (its
    completion refused); once the lease has run out, a second claim completes the task."""
    pool = rpc.create_pool(worker_url)
    await pool.open(wait=True)
    cut = CutPool(pool, cuts=4)  # the batch, then every try of the task's own write
    writer = ResultWriter(cut)  # type: ignore[arg-type]
    writer.start()
    try:
        async with pool.connection() as conn:
            [first] = await rpc.claim_tasks(conn, "lost-record", 1, LEASE_SECONDS)
        lost = writer.record_soon(
            CallRecord(first.task_id, first.claim_token, "offline", "m", "success")
        )
        with pytest.raises(psycopg.errors.AdminShutdown):
            await lost
        assert cut.cuts == 0
        with pytest.raises(UnrecordedCallError):
            await writer.complete(Completion(first.task_id, first.claim_token, {"ok": 1}))

        await asyncio.sleep(LEASE_SECONDS + 0.5)
        async with pool.connection() as conn:
            [second] = await rpc.claim_tasks(conn, "lost-record", 1, 60)
        assert second.task_id == first.task_id
        writer.record_soon(
            CallRecord(second.task_id, second.claim_token, "offline", "m", "success")
        )
        status = await writer.complete(Completion(second.task_id, second.claim_token, {"ok": 2}))
    finally:
        await writer.close()
        await pool.close()
    return second.task_id, status


def test_a_lost_call_record_holds_back_only_the_claim_it_was_made_under(admin, owner, worker_url):
    orchestrator_id = single_stage(
        admin, owner, "lost-record", ai_settings={"provider": "offline"}, output_schema="answer"
    )
    launch(admin, owner, orchestrator_id, [{"question": "q"}])

    task_id, status = asyncio.run(claim_twice(worker_url))

    row = admin.execute(
        "select t.status, t.output_data, t.claim_count,"
        " (select count(*) from llm_calls as c where c.task_id = t.id) as calls"
        " from ai_tasks as t where t.id = %s",
        (task_id,),
    ).fetchone()
    assert status == "completed"
    assert (row["status"], row["output_data"], row["claim_count"], row["calls"]) == (
        "completed",
        {"ok": 2},
        2,
        1,
    )
