"""`orchable worker --tick-seconds 0` never calls tick() (pg_cron ticks instead): while it
runs, a monitor whose next run is due gets no run and keeps its next time, where a worker
that ticks every 0.2 s starts it at once."""

from __future__ import annotations

import signal
import time

import pytest
from support.workers import spawn_worker

RUNS_FOR_SECONDS = 2.0


@pytest.mark.timeout(60)
def test_a_worker_started_with_tick_seconds_0_starts_no_monitor_run(database, admin, owner):
    monitor_id = admin.execute(
        "select (public.create_monitor('m', 'q', 'c', '@daily', 'UTC', 'once', '{}', %s)).id",
        (owner,),
    ).fetchone()["id"]
    due_at = admin.execute(
        "update public.monitors set next_run_at = now() - interval '1 minute' where id = %s"
        " returning next_run_at",
        (monitor_id,),
    ).fetchone()["next_run_at"]

    with spawn_worker(
        database,
        "--tick-seconds", "0", "--offline", "--default-provider", "offline",
        "--poll-seconds", "0.2", "--shutdown-grace", "1",
    ) as proc:  # fmt: skip
        assert proc.stdout is not None
        started = proc.stdout.readline().decode(errors="replace")
        while started and "worker_started" not in started:
            started = proc.stdout.readline().decode(errors="replace")
        assert "tick_seconds=0.0" in started, started
        time.sleep(RUNS_FOR_SECONDS)
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate()
    log = started + output.decode(errors="replace")
    assert proc.returncode == 0, log

    count = admin.execute(
        "select count(*) as n from public.monitor_executions where monitor_id = %s", (monitor_id,)
    ).fetchone()["n"]
    assert count == 0, log
    next_run_at = admin.execute(
        "select next_run_at from public.monitors where id = %s", (monitor_id,)
    ).fetchone()["next_run_at"]
    assert next_run_at == due_at
    assert " tick " not in log and "tick_failed" not in log, log
