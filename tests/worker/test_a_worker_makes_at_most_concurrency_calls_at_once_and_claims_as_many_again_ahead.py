"""Calls at once: a worker with concurrency 8 makes at most 8 LLM calls at once and holds
8 tasks more, claimed and waiting for a slot, so that the next calls start as soon as
these end. The rest of the batch stays runnable for other workers. Once the calls go on,
it drains the batch, never more than 8 calls at once."""

from __future__ import annotations

import asyncio

import pytest
from orchable.worker.loop import Worker
from support.pipelines import single_stage
from support.tasks import launch, tasks
from support.workers import GatedProvider, run_worker, until
from support.workers import settings as worker_settings

INPUTS = 20
CONCURRENCY = 8


@pytest.mark.timeout(60)
def test_a_worker_makes_at_most_concurrency_calls_at_once_and_claims_as_many_again_ahead(
    admin, owner, worker_url
):
    orchestrator_id = single_stage(
        admin, owner, "calls-at-once", ai_settings={"provider": "offline"}, output_schema="answer"
    )
    batch_id = launch(
        admin, owner, orchestrator_id, [{"question": f"q{i}"} for i in range(INPUTS)]
    )["id"]
    provider = GatedProvider()
    worker = Worker(worker_settings(worker_url, concurrency=CONCURRENCY), {"offline": provider})

    async def scenario() -> list[str]:
        runner = asyncio.create_task(run_worker(worker))
        await until(lambda: provider.calling == CONCURRENCY)  # 8 calls at once
        await asyncio.sleep(0.5)  # time enough to claim more, if it would
        statuses = [r["status"] for r in tasks(admin, batch_id)]
        provider.gate.set()
        await runner
        return statuses

    statuses = asyncio.run(scenario())
    assert statuses.count("processing") == 2 * CONCURRENCY
    assert statuses.count("plan") == INPUTS - 2 * CONCURRENCY
    assert provider.most_at_once == CONCURRENCY
    rows = tasks(admin, batch_id)
    assert [(r["status"], r["completions"]) for r in rows] == [("completed", 1)] * INPUTS
