"""Retention under load: while four workers (own connections, as orchable_worker) complete,
retry and fail the tasks of three live batches, a fifth connection (as service_role) calls
cleanup_old_events, cleanup_old_llm_calls and purge_finished_batches over and over, in
small chunks, until the old work is gone and the workers are done.

Forty batches finished 100 days ago (completed, failed, cancelled) are old. The live
batches' launch events are also moved 100 days back, so that only their being unfinished
keeps them. In the end: every old batch is gone with its tasks, events and calls; every
live batch keeps every event (its aged launch events too, and one completion event per
completed task) and its counters equal a recount; no call failed or deadlocked."""

from __future__ import annotations

import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

import pytest
from support.databases import acting_as, connect, connections
from support.pipelines import single_stage
from support.tasks import assert_counters_match, launch, open_task_count, output_for, tasks, work
from support.threads import at_once

WORKERS = 4
LIVE_INPUTS = 80
OLD = {"completed": 20, "failed": 10, "cancelled": 10}


def clean_up(url: str, workers_done: threading.Event, deadline: float) -> dict[str, int]:
    """Calls the three retention RPCs as service_role until the workers are done and a round
    deletes nothing; returns how many rows each deleted in all."""
    totals = {"events": 0, "calls": 0, "batches": 0}
    with connect(url) as conn:
        while time.monotonic() < deadline:
            done_before = workers_done.is_set()
            with acting_as(conn, "service_role"):
                row = conn.execute(
                    "select public.cleanup_old_events(30) as events,"
                    " public.cleanup_old_llm_calls(90) as calls,"
                    " public.purge_finished_batches('90 days') as batches"
                ).fetchone()
            assert row is not None
            for key in totals:
                totals[key] += row[key]
            if done_before and not any(row.values()):
                break
    return totals


@pytest.mark.timeout(180)
def test_retention_deletes_exactly_the_old_finished_work_while_workers_complete_tasks(
    database, admin, owner
):
    pipeline = single_stage(admin, owner, "retention", max_retries=1)
    old_ids = [
        admin.execute(
            "select tests.aged_batch(%s, %s, %s, '100 days') as id", (owner, pipeline, status)
        ).fetchone()["id"]
        for status, count in OLD.items()
        for _ in range(count)
    ]
    live_ids = [
        launch(admin, owner, pipeline, [{"question": f"q{i}"} for i in range(LIVE_INPUTS)])["id"]
        for _ in range(3)
    ]
    admin.execute(
        "update public.task_events set created_at = created_at - interval '100 days'"
        " where batch_id = any(%s::uuid[])",
        (live_ids,),
    )
    aged_live_events = admin.execute(
        "select count(*)::integer as n from public.task_events where batch_id = any(%s::uuid[])",
        (live_ids,),
    ).fetchone()["n"]
    assert aged_live_events == 3 * (LIVE_INPUTS + 1)
    # Small chunks and calls, so that retention runs many statements while the workers work.
    admin.execute(
        "update orchable.limits set value = case name when 'retention_chunk_rows' then 25"
        " when 'retention_chunk_batches' then 3 else 40 end"
        " where name in ('retention_chunk_rows', 'retention_chunk_batches',"
        " 'retention_rows_per_call')"
    )

    rng = random.Random(23)
    lock = threading.Lock()

    def decide(task: dict[str, Any]) -> tuple[str, Any]:
        with lock:
            roll = rng.random()
        if roll < 0.8:
            return "complete", output_for(task)
        if roll < 0.9:
            return "retry", "rate limited"
        return "fail", "refused"

    workers_done = threading.Event()
    deadline = time.monotonic() + 120

    with (
        connections(database.admin_url, WORKERS) as conns,
        ThreadPoolExecutor(WORKERS + 1) as pool,
    ):
        cleaner = pool.submit(clean_up, database.admin_url, workers_done, deadline)
        results = at_once(
            pool,
            [
                partial(work, conns[n], live_ids, decide, worker=f"w{n}", deadline=deadline)
                for n in range(WORKERS)
            ],
        )
        workers_done.set()
        totals = cleaner.result(timeout=150)

    for _, error in results:
        assert error is None, error
    assert open_task_count(admin, live_ids) == 0, "live batches unfinished by the deadline"

    gone = admin.execute(
        "select (select count(*) from public.task_batches where id = any(%(ids)s)) as batches,"
        " (select count(*) from public.ai_tasks where batch_id = any(%(ids)s)) as tasks,"
        " (select count(*) from public.task_events where batch_id = any(%(ids)s)) as events,"
        " (select count(*) from public.llm_calls where batch_id = any(%(ids)s)) as calls",
        {"ids": old_ids},
    ).fetchone()
    assert gone == {"batches": 0, "tasks": 0, "events": 0, "calls": 0}, gone
    assert totals["batches"] == len(old_ids), totals

    kept = admin.execute(
        "select count(*)::integer as n from public.task_events"
        " where batch_id = any(%s::uuid[]) and created_at < now() - interval '30 days'",
        (live_ids,),
    ).fetchone()["n"]
    assert kept == aged_live_events, "retention deleted events of a batch that was not finished"
    for batch_id in live_ids:
        state = assert_counters_match(admin, batch_id)
        assert state["completed_tasks"] + state["failed_tasks"] == LIVE_INPUTS, state
        for task in tasks(admin, batch_id):
            assert task["completions"] == (1 if task["status"] == "completed" else 0), task
