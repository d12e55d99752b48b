"""Crash: a worker process killed with SIGKILL in the middle of slow calls (offline
latency 1 s, lease 2 s) loses nothing. Its leases expire, a second worker claims those
tasks again and finishes the batch: every task completed exactly once (one completion
event each, no second child), and the batch counters equal a recount."""

from __future__ import annotations

import asyncio
import signal
from collections import Counter

import pytest
from orchable.worker.loop import Worker
from orchable.worker.providers.offline import OfflineProvider
from support.pipelines import course
from support.tasks import batch_state, launch, tasks
from support.workers import TASKS_PER_ROOT, run_worker, spawn_worker, wait_for
from support.workers import settings as worker_settings

ROOTS = 4


@pytest.mark.timeout(120)
def test_a_worker_killed_with_sigkill_mid_call_loses_nothing(database, admin, owner, worker_url):
    orchestrator_id = course(
        admin, owner, "crash", ai_settings={"provider": "offline"}, output_schemas=True
    )
    batch_id = launch(admin, owner, orchestrator_id, [{"topic": f"t{i}"} for i in range(ROOTS)])[
        "id"
    ]
    doomed_id = "doomed-worker"
    with spawn_worker(
        database,
        "--worker-id", doomed_id, "--offline", "--default-provider", "offline",
        "--offline-latency", "1.0",
        "--lease-seconds", "2", "--poll-seconds", "0.2", "--concurrency", "4",
        "--listen-url", "none",
    ) as proc:  # fmt: skip

        def mid_call() -> bool:
            rows = tasks(admin, batch_id)
            done = sum(r["status"] == "completed" for r in rows)
            held = sum(r["status"] == "processing" and r["locked_by"] == doomed_id for r in rows)
            return done >= 2 and held >= 2

        wait_for(mid_call)  # the doomed worker has completed some tasks and holds others
        proc.send_signal(signal.SIGKILL)
        assert proc.wait() == -signal.SIGKILL
    held_at_kill = {
        r["id"]
        for r in tasks(admin, batch_id)
        if r["status"] == "processing" and r["locked_by"] == doomed_id
    }
    assert held_at_kill, "the worker died holding no task: nothing was tested"

    survivor = Worker(
        worker_settings(worker_url, lease_seconds=2, drain=False),
        {"offline": OfflineProvider(latency_seconds=0.05)},
    )
    asyncio.run(
        run_worker(
            survivor,
            until=lambda: batch_state(admin, batch_id)["status"] in ("completed", "failed"),
        )
    )

    rows = tasks(admin, batch_id)
    assert len(rows) == ROOTS * TASKS_PER_ROOT
    assert Counter(r["stage_key"] for r in rows) == {
        "outline": ROOTS,
        "question": 3 * ROOTS,
        "quiz": ROOTS,
    }
    assert {r["status"] for r in rows} == {"completed"}
    assert all(r["completions"] == 1 for r in rows)
    reclaimed = {r["id"]: r["claim_count"] for r in rows if r["id"] in held_at_kill}
    assert held_at_kill and all(count >= 2 for count in reclaimed.values()), reclaimed
    state = batch_state(admin, batch_id)
    assert state["status"] == "completed"
    assert state["completed_tasks"] == state["recount_completed"] == ROOTS
    assert state["failed_tasks"] == state["recount_failed"] == 0
    assert survivor.failed == 0 and survivor.completed == survivor.claimed
