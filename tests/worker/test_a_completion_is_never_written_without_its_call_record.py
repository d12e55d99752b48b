"""A completion is never written without its call record: when the writer's batch fails
(a connection cut), each task's call records and completion are written again together,
a cut is retried, and a task whose record still cannot be written is left uncompleted
(its lease expires and it runs again) rather than completed with a call missing from
llm_calls."""

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


async def complete_through(worker_url: str, cuts: int) -> tuple[uuid.UUID, str | Exception]:
    """Claims the one runnable task and completes it through a writer whose first `cuts`
    connections are cut; returns the task and what complete() gave."""
    pool = rpc.create_pool(worker_url)
    await pool.open(wait=True)
    try:
        async with pool.connection() as conn:
            [task] = await rpc.claim_tasks(conn, "cut-writer", 1, 60)
        writer = ResultWriter(CutPool(pool, cuts))  # type: ignore[arg-type]
        writer.start()
        writer.record_soon(
            CallRecord(task.task_id, task.claim_token, "offline", "offline", "success")
        )
        try:
            outcome: str | Exception = await writer.complete(
                Completion(task.task_id, task.claim_token, {"ok": True})
            )
        except (psycopg.Error, UnrecordedCallError) as exc:
            outcome = exc
        await writer.close()
    finally:
        await pool.close()
    return task.task_id, outcome


def state(admin: psycopg.Connection, task_id: uuid.UUID) -> tuple[str, int]:
    row = admin.execute(
        "select t.status, (select count(*) from llm_calls as c where c.task_id = t.id) as calls"
        " from ai_tasks as t where t.id = %s",
        (task_id,),
    ).fetchone()
    assert row is not None
    return row["status"], row["calls"]


@pytest.mark.parametrize(
    ("cuts", "expected"),
    [(2, ("completed", 1)), (4, ("processing", 0))],
    ids=["a cut retried: completed with its record", "every try cut: left for its lease"],
)
def test_a_completion_is_never_written_without_its_call_record(
    admin, owner, worker_url, cuts, expected
):
    orchestrator_id = single_stage(
        admin,
        owner,
        f"cut-writer-{cuts}",
        ai_settings={"provider": "offline"},
        output_schema="answer",
    )
    launch(admin, owner, orchestrator_id, [{"question": "q"}])

    task_id, outcome = asyncio.run(complete_through(worker_url, cuts))

    assert state(admin, task_id) == expected
    if expected[0] == "completed":
        assert outcome == "completed"
    else:
        assert isinstance(outcome, psycopg.errors.AdminShutdown | UnrecordedCallError), outcome
