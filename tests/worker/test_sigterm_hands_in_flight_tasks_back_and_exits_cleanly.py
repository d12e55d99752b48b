"""Shutdown: SIGTERM mid-batch, with calls (3 s) longer than the grace period (1 s): the
worker stops claiming, exits 0 within the grace period, and hands its in-flight tasks back
to plan with release_task (no retry spent, the cancelled calls recorded). A second worker
then finishes the batch; no task ever spent a retry."""

from __future__ import annotations

import asyncio
import signal
import time

import pytest
from orchable.worker.loop import Worker
from orchable.worker.providers.offline import OfflineProvider
from support.pipelines import course
from support.tasks import batch_state, calls, launch, tasks
from support.workers import TASKS_PER_ROOT, run_worker, spawn_worker, wait_for
from support.workers import settings as worker_settings

ROOTS = 4
GRACE = 1.0


@pytest.mark.timeout(120)
def test_sigterm_hands_in_flight_tasks_back_and_exits_cleanly(database, admin, owner, worker_url):
    orchestrator_id = course(
        admin, owner, "shutdown", ai_settings={"provider": "offline"}, output_schemas=True
    )
    batch_id = launch(admin, owner, orchestrator_id, [{"topic": f"t{i}"} for i in range(ROOTS)])[
        "id"
    ]
    worker_id = "terminated-worker"
    with spawn_worker(
        database,
        "--worker-id", worker_id, "--offline", "--default-provider", "offline",
        "--offline-latency", "3.0",
        "--lease-seconds", "30", "--poll-seconds", "0.2", "--concurrency", "8",
        "--shutdown-grace", str(GRACE),
    ) as proc:  # fmt: skip
        # The worker has claimed every root task.
        wait_for(lambda: sum(r["locked_by"] == worker_id for r in tasks(admin, batch_id)) == ROOTS)
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate()
        elapsed = time.monotonic() - started
    log = output.decode(errors="replace")
    assert proc.returncode == 0, log
    assert elapsed < GRACE + 3.0, (elapsed, log)
    assert "task_released" in log and "worker_stopped" in log, log

    rows = tasks(admin, batch_id)
    assert [(r["status"], r["locked_by"], r["retry_count"]) for r in rows] == [
        ("plan", None, 0)
    ] * ROOTS
    cancelled = [c for c in calls(admin, batch_id) if c["error"] and "cancelled" in c["error"]]
    assert len(cancelled) == ROOTS

    second = Worker(worker_settings(worker_url), {"offline": OfflineProvider()})
    asyncio.run(run_worker(second))

    rows = tasks(admin, batch_id)
    assert len(rows) == ROOTS * TASKS_PER_ROOT
    assert {r["status"] for r in rows} == {"completed"}
    assert {r["retry_count"] for r in rows} == {0}
    assert all(r["completions"] == 1 for r in rows)
    state = batch_state(admin, batch_id)
    assert state["status"] == "completed"
    assert state["completed_tasks"] == state["recount_completed"] == ROOTS
