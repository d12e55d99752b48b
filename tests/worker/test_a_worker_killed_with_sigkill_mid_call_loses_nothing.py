"""Crash: a worker process killed with SIGKILL in the middle of slow calls (offline
latency 1 s, lease 2 s) loses nothing. Its leases expire, a second worker claims those
tasks again and finishes the batch: every task completed exactly once (one completion
event each, no second child), and the batch counters equal a recount."""

from __future__ import annotations

import asyncio
import signal
from collections import Counter

from concurrency.drive import launch
from orchable.providers.offline import OfflineProvider
from orchable.worker import Worker

from .support import TASKS_PER_ROOT, batch, run_worker, seed_pipeline, spawn_worker, tasks, wait_for
from .support import settings as worker_settings

ROOTS = 4


def test_a_worker_killed_with_sigkill_mid_call_loses_nothing(admin, owner, worker_url):
    orchestrator_id = seed_pipeline(admin, owner, "crash")
    batch_id = launch(admin, owner, orchestrator_id, [{"topic": f"t{i}"} for i in range(ROOTS)])[
        "id"
    ]
    doomed_id = "doomed-worker"
    proc = spawn_worker(
        worker_url,
        "--worker-id", doomed_id, "--offline", "--default-provider", "offline",
        "--offline-latency", "1.0",
        "--lease-seconds", "2", "--poll-seconds", "0.2", "--concurrency", "4",
        "--listen-url", "none",
    )  # fmt: skip
    try:

        def mid_call() -> bool:
            rows = tasks(admin, batch_id)
            done = sum(r["status"] == "completed" for r in rows)
            held = sum(r["status"] == "processing" and r["locked_by"] == doomed_id for r in rows)
            return done >= 2 and held >= 2

        wait_for(mid_call, 30, "the doomed worker to complete some tasks and hold others")
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=10) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
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
            timeout=60,
            until=lambda: batch(admin, batch_id)["status"] in ("completed", "failed"),
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
    state = batch(admin, batch_id)
    assert state["status"] == "completed"
    assert state["completed_tasks"] == state["recount_completed"] == ROOTS
    assert state["failed_tasks"] == state["recount_failed"] == 0
    assert survivor.failed == 0 and survivor.completed == survivor.claimed
