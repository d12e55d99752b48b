"""Shutdown: SIGTERM mid-batch, with calls (3 s) longer than the grace period (1 s): the
worker stops claiming, exits 0 within the grace period, and hands its in-flight tasks back
to plan with release_task (no retry spent, the cancelled calls recorded). A second worker
then finishes the batch; no task ever spent a retry."""

from __future__ import annotations

import asyncio
import signal
import time

from concurrency.drive import launch
from orchable.providers.offline import OfflineProvider
from orchable.worker import Worker

from .support import (
    TASKS_PER_ROOT,
    batch,
    calls,
    run_worker,
    seed_pipeline,
    spawn_worker,
    tasks,
    wait_for,
)
from .support import settings as worker_settings

ROOTS = 4
GRACE = 1.0


def test_sigterm_hands_in_flight_tasks_back_and_exits_cleanly(admin, owner, worker_url):
    orchestrator_id = seed_pipeline(admin, owner, "shutdown")
    batch_id = launch(admin, owner, orchestrator_id, [{"topic": f"t{i}"} for i in range(ROOTS)])[
        "id"
    ]
    worker_id = "terminated-worker"
    proc = spawn_worker(
        worker_url,
        "--worker-id", worker_id, "--offline", "--default-provider", "offline",
        "--offline-latency", "3.0",
        "--lease-seconds", "30", "--poll-seconds", "0.2", "--concurrency", "8",
        "--shutdown-grace", str(GRACE),
    )  # fmt: skip
    try:
        wait_for(
            lambda: sum(r["locked_by"] == worker_id for r in tasks(admin, batch_id)) == ROOTS,
            30,
            "the worker to claim every root task",
        )
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=GRACE + 10)
        elapsed = time.monotonic() - started
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
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
    asyncio.run(run_worker(second, timeout=60))

    rows = tasks(admin, batch_id)
    assert len(rows) == ROOTS * TASKS_PER_ROOT
    assert {r["status"] for r in rows} == {"completed"}
    assert {r["retry_count"] for r in rows} == {0}
    assert all(r["completions"] == 1 for r in rows)
    state = batch(admin, batch_id)
    assert state["status"] == "completed"
    assert state["completed_tasks"] == state["recount_completed"] == ROOTS
