"""Stopping: a worker stopped while its calls are in progress hands back at once the tasks
it claimed ahead and had not started (release_task: back to plan, no retry spent, no call
made), without waiting for the calls; those finish within the grace period and complete.
Nothing else was claimed."""

from __future__ import annotations

import asyncio

import pytest
from orchable.worker.loop import Worker
from support.pipelines import single_stage
from support.tasks import calls, launch, tasks
from support.workers import GatedProvider, run_worker, until
from support.workers import settings as worker_settings

INPUTS = 20
CONCURRENCY = 8


@pytest.mark.timeout(60)
def test_a_task_claimed_ahead_is_handed_back_at_once_when_the_worker_stops(
    admin, owner, worker_url
):
    orchestrator_id = single_stage(
        admin, owner, "claimed-ahead", ai_settings={"provider": "offline"}, output_schema="answer"
    )
    batch_id = launch(
        admin, owner, orchestrator_id, [{"question": f"q{i}"} for i in range(INPUTS)]
    )["id"]
    provider = GatedProvider()
    worker = Worker(worker_settings(worker_url, concurrency=CONCURRENCY), {"offline": provider})

    def processing() -> int:
        return sum(r["status"] == "processing" for r in tasks(admin, batch_id))

    async def scenario() -> None:
        runner = asyncio.create_task(run_worker(worker))
        await until(lambda: provider.calling == CONCURRENCY)  # 8 calls at once
        await until(lambda: processing() == 2 * CONCURRENCY)  # 8 tasks claimed ahead
        worker.stop()
        await until(lambda: processing() == CONCURRENCY)  # the tasks ahead handed back
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
