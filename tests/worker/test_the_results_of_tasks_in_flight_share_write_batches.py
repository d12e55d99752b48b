"""The results of tasks in flight are written together: a worker running many tasks at once
records their calls and completes them in shared transactions (complete_tasks and
record_llm_calls), fewer than one per task, and every task still completes exactly once
with its call recorded."""

from __future__ import annotations

import asyncio

import pytest
from orchable.worker.loop import Worker
from orchable.worker.providers.offline import OfflineProvider
from support.pipelines import single_stage
from support.tasks import batch_state, launch, tasks
from support.workers import run_worker
from support.workers import settings as worker_settings

INPUTS = 120


@pytest.mark.timeout(60)
def test_the_results_of_tasks_in_flight_share_write_batches(admin, owner, worker_url):
    orchestrator_id = single_stage(
        admin, owner, "shared-writes", ai_settings={"provider": "offline"}, output_schema="answer"
    )
    batch_id = launch(
        admin, owner, orchestrator_id, [{"question": f"q{i}"} for i in range(INPUTS)]
    )["id"]
    worker = Worker(
        worker_settings(worker_url, concurrency=64, listen_url=""),
        {"offline": OfflineProvider(latency_seconds=0.05)},
    )
    asyncio.run(run_worker(worker))

    counters = worker.counters()
    # Each task writes one call record and one completion.
    assert counters["results_written"] == 2 * INPUTS, counters
    assert counters["result_batches"] < INPUTS, counters

    rows = tasks(admin, batch_id)
    assert len(rows) == INPUTS
    assert all(r["status"] == "completed" and r["completions"] == 1 for r in rows)
    assert all(r["successful_calls"] == 1 for r in rows)
    state = batch_state(admin, batch_id)
    assert (state["status"], state["completed_tasks"]) == ("completed", INPUTS)
    assert state["completed_tasks"] == state["recount_completed"]
