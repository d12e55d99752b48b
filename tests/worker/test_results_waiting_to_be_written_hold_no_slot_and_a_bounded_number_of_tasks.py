"""Writing a result takes no slot: while the database holds the writes back (the batch's
counter row locked by another transaction), a worker with concurrency 2 goes on calling
for the next tasks, yet holds at most twice its concurrency of tasks, so a slow database
cannot make it claim without end. Once the lock goes, every task completes exactly once."""

from __future__ import annotations

import asyncio

from concurrency.drive import launch
from conftest import connect
from orchable.worker import Worker

from .support import GatedProvider, batch, run_worker, seed_single_stage, tasks, until
from .support import settings as worker_settings

INPUTS = 12
CONCURRENCY = 2


def test_results_waiting_to_be_written_hold_no_slot_and_a_bounded_number_of_tasks(
    admin, owner, worker_url
):
    orchestrator_id = seed_single_stage(admin, owner, "writes-held", {"provider": "offline"})
    batch_id = launch(
        admin, owner, orchestrator_id, [{"question": f"q{i}"} for i in range(INPUTS)]
    )["id"]
    provider = GatedProvider()
    worker = Worker(worker_settings(worker_url, concurrency=CONCURRENCY), {"offline": provider})

    async def scenario() -> tuple[int, int]:
        runner = asyncio.create_task(run_worker(worker, timeout=60))
        # The first claim has started the batch: later claims leave its row alone.
        await until(lambda: provider.calling == CONCURRENCY, 30, "the first calls")
        with connect(autocommit=False) as locker:
            locker.execute(
                "select 1 from public.task_batches where id = %s for update", (batch_id,)
            )
            provider.gate.set()
            await until(lambda: provider.started == 2 * CONCURRENCY, 10, "calls past the writes")
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
    state = batch(admin, batch_id)
    assert state["completed_tasks"] == state["recount_completed"] == INPUTS
