"""Invariant: ticks running at once start each due run exactly once (each due monitor is
locked FOR UPDATE SKIP LOCKED and moved to its next time in the transaction that starts
it). Eight connections as orchable_worker each call tick() five times, released together,
over 200 due monitors: 200 runs, one for each monitor, counted alike by the ticks."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from support.databases import connections
from support.threads import at_once

CONNECTIONS = 8
TICKS_EACH = 5
MONITORS = 200


def test_ticks_from_many_connections_at_once_start_each_due_run_once(database, admin, owner):
    monitor_ids = {
        r["id"]
        for r in admin.execute(
            "select (public.create_monitor('m' || i, 'q', 'c', '@daily', 'UTC', 'once', '{}',"
            " %s)).id from generate_series(1, %s) as i",
            (owner, MONITORS),
        ).fetchall()
    }
    admin.execute("update public.monitors set next_run_at = now() - interval '1 minute'")

    with (
        connections(database.worker_url, CONNECTIONS) as conns,
        ThreadPoolExecutor(CONNECTIONS) as pool,
    ):

        def ticks(n: int) -> int:
            return sum(
                conns[n].execute("select * from public.tick()").fetchone()["monitor_runs"]
                for _ in range(TICKS_EACH)
            )

        results = at_once(pool, [lambda n=n: ticks(n) for n in range(CONNECTIONS)])
    for _, error in results:
        assert error is None, error
    started = [runs for runs, _ in results]

    assert sum(started) == MONITORS, started
    # More than one connection started runs, or the test proved nothing about contention.
    assert sum(1 for n in started if n) > 1, started
    runs = Counter(
        r["monitor_id"]
        for r in admin.execute("select monitor_id from public.monitor_executions").fetchall()
    )
    assert set(runs) == monitor_ids
    assert set(runs.values()) == {1}, {m: n for m, n in runs.items() if n != 1}
    due = admin.execute("select count(*) as n from public.monitors where next_run_at <= now()")
    assert due.fetchone()["n"] == 0
    print(f"runs started by each connection: {started}")
