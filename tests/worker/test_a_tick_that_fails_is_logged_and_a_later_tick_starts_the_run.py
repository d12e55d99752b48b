"""A tick the database refuses (here: orchable_worker may not call tick() for a while) is
logged as tick_failed and changes nothing; the worker runs on, and a later tick, once the
database takes it again, starts the due monitor's run."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest
from orchable.worker.loop import Worker
from orchable.worker.providers.offline import OfflineProvider
from support.workers import run_worker, settings

TICK = "function public.tick(timestamptz)"


@pytest.mark.timeout(60)
def test_a_tick_that_fails_is_logged_and_a_later_tick_starts_the_run(
    admin, owner, worker_url, caplog
):
    monitor_id = admin.execute(
        "select (public.create_monitor('m', 'q', 'c', '@daily', 'UTC', 'once', '{}', %s)).id",
        (owner,),
    ).fetchone()["id"]
    admin.execute(
        "update public.monitors set next_run_at = now() - interval '1 minute' where id = %s",
        (monitor_id,),
    )
    admin.execute(f"revoke execute on {TICK} from orchable_worker")

    def runs() -> int:
        return admin.execute(
            "select count(*) as n from public.monitor_executions where monitor_id = %s",
            (monitor_id,),
        ).fetchone()["n"]

    failed_runs: list[int] = []

    def failed_then_ran() -> bool:
        if not failed_runs:
            if not any(r.getMessage().startswith("tick_failed") for r in caplog.records):
                return False
            failed_runs.append(runs())
            admin.execute(f"grant execute on {TICK} to orchable_worker")
        return runs() > 0

    worker = Worker(
        settings(worker_url, drain=False, tick_seconds=0.2), {"offline": OfflineProvider()}
    )
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="orchable.worker.loop"):
        asyncio.run(
            run_worker(worker, until=lambda: failed_then_ran() or time.monotonic() - started > 20)
        )

    assert failed_runs == [0], "no tick failed, or a failed tick started the run"
    assert runs() == 1
