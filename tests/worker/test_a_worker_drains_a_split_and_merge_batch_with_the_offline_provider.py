"""A worker (as orchable_worker_login, LISTEN on) drains a split-and-merge batch with the
offline provider: every task completed exactly once with one recorded call, outputs that
match their schemas, and worker and batch counters right."""

from __future__ import annotations

import asyncio

import pytest
from orchable.worker.loop import Worker
from orchable.worker.providers.offline import OfflineProvider
from orchable.worker.validation import output_error
from support.pipelines import course, stage_schemas
from support.tasks import batch_state, launch, tasks
from support.workers import TASKS_PER_ROOT, run_worker
from support.workers import settings as worker_settings

ROOTS = 6


@pytest.mark.timeout(60)
def test_a_worker_drains_a_split_and_merge_batch_with_the_offline_provider(
    admin, owner, worker_url
):
    orchestrator_id = course(
        admin, owner, "drain", ai_settings={"provider": "offline"}, output_schemas=True
    )
    batch_id = launch(admin, owner, orchestrator_id, [{"topic": f"t{i}"} for i in range(ROOTS)])[
        "id"
    ]
    worker = Worker(
        worker_settings(worker_url, concurrency=8, listen_url=""),
        {"offline": OfflineProvider(latency_seconds=0.02)},
    )
    asyncio.run(run_worker(worker))

    rows = tasks(admin, batch_id)
    assert len(rows) == ROOTS * TASKS_PER_ROOT
    assert {r["status"] for r in rows} == {"completed"}
    assert all(r["completions"] == 1 for r in rows)
    assert all(r["successful_calls"] == 1 for r in rows)
    assert all(r["claim_count"] == 1 and r["retry_count"] == 0 for r in rows)
    schemas = stage_schemas(admin, orchestrator_id)
    assert set(schemas) == {"outline", "question", "quiz"} and all(schemas.values())
    for r in rows:
        assert output_error(r["output_data"], schemas[r["stage_key"]]) is None, r
        assert r["provenance"]["provider"] == "offline"
        assert r["usage"]["output_tokens"] > 0
    assert (worker.claimed, worker.completed, worker.failed, worker.released) == (
        ROOTS * TASKS_PER_ROOT,
        ROOTS * TASKS_PER_ROOT,
        0,
        0,
    )
    state = batch_state(admin, batch_id)
    assert state["status"] == "completed"
    assert state["total_tasks"] == state["completed_tasks"] == state["recount_completed"] == ROOTS
    assert state["failed_tasks"] == state["recount_failed"] == 0
