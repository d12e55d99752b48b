"""Stopping: a worker stopped while its calls are in progress hands back at once the tasks
it claimed ahead and had not started (release_task: back to plan, no retry spent, no call
made), without waiting for the calls; those finish within the grace period and complete.
Nothing else was claimed."""

from __future__ import annotations

import asyncio

from concurrency.drive import launch
from orchable.worker import Worker

from .support import GatedProvider, calls, run_worker, seed_single_stage, tasks, until
from .support import settings as worker_settings

INPUTS = 20
CONCURRENCY = 8


def test_a_task_claimed_ahead_is_handed_back_at_once_when_the_worker_stops(
    admin, owner, worker_url
):
    orchestrator_id = seed_single_stage(admin, owner, "claimed-ahead", {"provider": "offline"})
    batch_id = launch(
        admin, owner, orchestrator_id, [{"question": f"q{i}"} for i in range(INPUTS)]
    )["id"]
    provider = GatedProvider()
    worker = Worker(worker_settings(worker_url, concurrency=CONCURRENCY), {"offline": provider})

    def processing() -> int:
        return sum(r["status"] == "processing" for r in tasks(admin, batch_id))

    async def scenario() -> None:
        runner = asyncio.create_task(run_worker(worker, timeout=60))
        await until(lambda: provider.calling == CONCURRENCY, 30, "8 calls at once")
        await until(lambda: processing() == 2 * CONCURRENCY, 10, "8 tasks claimed ahead")
        worker.stop()
        await until(lambda: processing() == CONCURRENCY, 10, "the tasks ahead handed back")
        provider.gate.set()
        await runner

    asyncio.run(scenario())
    rows = tasks(admin, batch_id)
    assert sorted(r["status"] for r in rows) == ["completed"] * CONCURRENCY + ["plan"] * (
        INPUTS - CONCURRENCY
    )
    assert {r["retry_count"] for r in rows} == {0}
    assert {r["locked_by"] for r in rows if r["status"] == "plan"} == {None}
    assert provider.started == CONCURRENCY
    assert len(calls(admin, batch_id)) == CONCURRENCY
    assert worker.released == CONCURRENCY
