"""Writing a result takes no slot: while the database holds the writes back (the batch's
counter row locked by another transaction), a worker with concurrency 2 goes on calling
for the next tasks, yet holds at most twice its concurrency of tasks, so a slow database
cannot make it claim without end. Once the lock goes, every task completes exactly once."""

from __future__ import annotations

import asyncio

import pytest
from orchable.worker.loop import Worker
from support.databases import connect
from support.pipelines import single_stage
from support.tasks import batch_state, launch, tasks
from support.workers import GatedProvider, run_worker, until
from support.workers import settings as worker_settings

INPUTS = 12
CONCURRENCY = 2


@pytest.mark.timeout(60)
def test_results_waiting_to_be_written_hold_no_slot_and_a_bounded_number_of_tasks(
    database, admin, owner, worker_url
):
    orchestrator_id = single_stage(
        admin, owner, "writes-held", ai_settings={"provider": "offline"}, output_schema="answer"
    )
    batch_id = launch(
        admin, owner, orchestrator_id, [{"question": f"q{i}"} for i in range(INPUTS)]
    )["id"]
    provider = GatedProvider()
    worker = Worker(worker_settings(worker_url, concurrency=CONCURRENCY), {"offline": provider})

    async def scenario() -> tuple[int, int]:
        runner = asyncio.create_task(run_worker(worker))
        # The first claim has started the batch: later claims leave its row alone.
        await until(lambda: provider.calling == CONCURRENCY)  # the first calls
        with connect(database.admin_url, autocommit=False) as locker:
            locker.execute(
                "select 1 from public.task_batches where id = %s for update", (batch_id,)
            )
            provider.gate.set()
            await until(lambda: provider.started == 2 * CONCURRENCY)  # calls past the writes
            await asyncio.sleep(0.5)  # time enough to claim more, if it would
            held = sum(r["status"] == "processing" for r in tasks(admin, batch_id))
            started = provider.started
            locker.rollback()
        await runner
        return held, started

    held, started = asyncio.run(scenario())
    assert (held, started) == (2 * CONCURRENCY, 2 * CONCURRENCY)
    rows = tasks(admin, batch_id)
    assert [(r["status"], r["completions"]) for r in rows] == [("completed", 1)] * INPUTS
    state = batch_state(admin, batch_id)
    assert state["completed_tasks"] == state["recount_completed"] == INPUTS
