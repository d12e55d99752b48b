"""A running worker calls tick() every tick_seconds: a monitor whose next run is due gets
its run (a monitor_executions row for the time it was due) within a tick or two, and moves
on to its next time."""

from __future__ import annotations

import asyncio
import time

import pytest
from orchable.worker.loop import Worker
from orchable.worker.providers.offline import OfflineProvider
from support.workers import run_worker, settings

TICK_SECONDS = 0.2
WITHIN_SECONDS = 5.0


@pytest.mark.timeout(60)
def test_a_running_worker_starts_a_due_monitor_run_at_its_next_tick(admin, owner, worker_url):
    monitor_id = admin.execute(
        "select (public.create_monitor('m', 'q', 'c', '@daily', 'UTC', 'once', '{}', %s)).id",
        (owner,),
    ).fetchone()["id"]
    due_at = admin.execute(
        "update public.monitors set next_run_at = now() - interval '1 minute' where id = %s"
        " returning next_run_at",
        (monitor_id,),
    ).fetchone()["next_run_at"]

    def executions() -> list[dict]:
        return admin.execute(
            "select scheduled_for from public.monitor_executions where monitor_id = %s",
            (monitor_id,),
        ).fetchall()

    worker = Worker(
        settings(worker_url, drain=False, tick_seconds=TICK_SECONDS),
        {"offline": OfflineProvider()},
    )
    started = time.monotonic()
    asyncio.run(
        run_worker(
            worker, until=lambda: bool(executions()) or time.monotonic() - started > WITHIN_SECONDS
        )
    )

    assert [e["scheduled_for"] for e in executions()] == [due_at], "no run within the time"
    moved = admin.execute(
        "select next_run_at > now() as later from public.monitors where id = %s", (monitor_id,)
    ).fetchone()
    assert moved["later"], "the monitor did not move on to its next time"
