"""The results of tasks in flight are written together: a worker running many tasks at once
records their calls and completes them in shared transactions (complete_tasks and
record_llm_calls), fewer than one per task, and every task still completes exactly once
with its call recorded."""

from __future__ import annotations

import asyncio

from concurrency.drive import launch
from orchable.providers.offline import OfflineProvider
from orchable.worker import Worker

from .support import batch, run_worker, seed_single_stage, tasks
from .support import settings as worker_settings

INPUTS = 120


def test_the_results_of_tasks_in_flight_share_write_batches(admin, owner, worker_url):
    orchestrator_id = seed_single_stage(admin, owner, "shared-writes", {"provider": "offline"})
    batch_id = launch(
        admin, owner, orchestrator_id, [{"question": f"q{i}"} for i in range(INPUTS)]
    )["id"]
    worker = Worker(
        worker_settings(worker_url, concurrency=64, listen_url=""),
        {"offline": OfflineProvider(latency_seconds=0.05)},
    )
    asyncio.run(run_worker(worker, timeout=60))

    counters = worker.counters()
    # Each task writes one call record and one completion.
    assert counters["results_written"] == 2 * INPUTS, counters
    assert counters["result_batches"] < INPUTS, counters

    rows = tasks(admin, batch_id)
    assert len(rows) == INPUTS
    assert all(r["status"] == "completed" and r["completions"] == 1 for r in rows)
    assert all(r["successful_calls"] == 1 for r in rows)
    state = batch(admin, batch_id)
    assert (state["status"], state["completed_tasks"]) == ("completed", INPUTS)
    assert state["completed_tasks"] == state["recount_completed"]
