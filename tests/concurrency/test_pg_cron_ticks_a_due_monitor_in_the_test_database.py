"""pg_cron ticks: a job that runs `select public.tick()` as the postgres role in the test's
database, scheduled with `cron.schedule_in_database` from the postgres database (where
the extension lives: cron.database_name), starts a due monitor's run and moves the monitor
on. pg_cron 1.5 and later (Supabase) run the job every second; Debian bookworm's 1.4 has
minute schedules only and starts jobs at the top of a minute, so there the run may take up
to a minute to come."""

from __future__ import annotations

import time
import uuid

import pytest
from support.databases import connect


def _seconds_schedules(version: str) -> bool:
    """pg_cron's '[1-59] seconds' schedules came with 1.5."""
    major, minor = (int(part) for part in version.split("-")[0].split(".")[:2])
    return (major, minor) >= (1, 5)


@pytest.mark.timeout(150)
def test_pg_cron_ticks_a_due_monitor_in_the_test_database(database, admin, owner):
    with connect(database.named("postgres").admin_url) as cron:
        extension = cron.execute(
            "select extversion from pg_extension where extname = 'pg_cron'"
        ).fetchone()
        assert extension is not None, (
            "pg_cron is not in the postgres database: scripts/install-deps.sh, then"
            " scripts/db.sh start (which loads it and applies scripts/standin/0040_pg_cron.sql)"
        )
        if _seconds_schedules(extension["extversion"]):
            schedule, within = "1 seconds", 15.0
        else:
            schedule, within = "* * * * *", 75.0

        monitor_id = admin.execute(
            "select (public.create_monitor('m', 'q', 'c', '@daily', 'UTC', 'once', '{}', %s)).id",
            (owner,),
        ).fetchone()["id"]
        admin.execute(
            "update public.monitors set next_run_at = now() - interval '1 minute' where id = %s",
            (monitor_id,),
        )
        name = admin.execute("select current_database() as name").fetchone()["name"]

        job = f"orchable-tick-{uuid.uuid4().hex[:8]}"
        job_id = cron.execute(
            "select cron.schedule_in_database(%s, %s, 'select public.tick()', %s, 'postgres')"
            " as id",
            (job, schedule, name),
        ).fetchone()["id"]
        try:
            scheduled = time.monotonic()
            deadline = scheduled + within
            started = None
            while started is None and time.monotonic() < deadline:
                started = admin.execute(
                    "select started_at from public.monitor_executions where monitor_id = %s",
                    (monitor_id,),
                ).fetchone()
                time.sleep(0.2)
            runs = cron.execute(
                "select status, return_message from cron.job_run_details where jobid = %s",
                (job_id,),
            ).fetchall()
            assert started is not None, f"no run within {within} s; pg_cron's runs: {runs}"
            assert {r["status"] for r in runs} <= {"succeeded", "running", "starting"}, runs
            print(f"pg_cron ({schedule!r}) started the run {time.monotonic() - scheduled:.1f} s on")
        finally:
            cron.execute("select cron.unschedule(%s::bigint)", (job_id,))
            cron.execute("delete from cron.job_run_details where jobid = %s", (job_id,))

    assert admin.execute(
        "select next_run_at > now() as later from public.monitors where id = %s", (monitor_id,)
    ).fetchone()["later"]
