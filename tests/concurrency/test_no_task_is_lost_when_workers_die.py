"""Invariant 1: no task is lost when workers die. Every launched input ends in exactly one
terminal state and the batch finishes with counters equal to a recount.

Each round, some workers (own connection each, as orchable_worker) die holding work: half
are killed inside their claim's transaction (the connection closes before it commits),
half after their claim has committed with a 1 s lease. Then four healthy workers drain the
batch (split and merge pipeline); the dead workers' tasks come back once their lease has
run out (bounded by a deadline) and are finished like the rest."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial

from support.databases import WORKER, acting_as, connect, connections
from support.pipelines import course
from support.tasks import assert_counters_match, claim, launch, open_task_count, output_for, work
from support.threads import at_once

ROUNDS = 3
ROOTS = 40
HEALTHY = 4
DOOMED = 4
BITE = 5


def die_inside_the_claim(url: str, n: int) -> list:
    """Claims in a transaction and loses the connection before the commit."""
    conn = connect(url)
    rows: list = []
    try:
        with acting_as(conn, WORKER):
            rows = conn.execute(
                "select * from public.claim_tasks(p_worker_id := %s::text,"
                " p_limit := %s::integer, p_lease_seconds := 1)",
                (f"doomed-tx{n}", BITE),
            ).fetchall()
            conn.close()
    except Exception:
        pass  # the transaction cannot commit on a closed connection: that is the point
    return [r["task_id"] for r in rows]


def die_after_the_claim(url: str, n: int) -> list:
    """Claims with a 1 s lease and disappears without a word."""
    conn = connect(url)
    rows = claim(conn, BITE, worker=f"doomed-lease{n}", lease=1)
    conn.close()
    return [r["task_id"] for r in rows]


def finish(task):
    return "complete", output_for(task)


def test_no_task_is_lost_when_workers_die(database, admin, owner):
    orchestrator_id = course(admin, owner, "crashes")
    with (
        connections(database.admin_url, HEALTHY) as conns,
        ThreadPoolExecutor(max(HEALTHY, DOOMED)) as pool,
    ):
        for round_no in range(ROUNDS):
            batch_id = launch(
                admin,
                owner,
                orchestrator_id,
                [{"topic": f"t{i}", "k": i % 4} for i in range(ROOTS)],
            )["id"]
            deaths = at_once(
                pool,
                [
                    lambda n=n: die_inside_the_claim(database.admin_url, n)
                    for n in range(DOOMED // 2)
                ]
                + [
                    lambda n=n: die_after_the_claim(database.admin_url, n)
                    for n in range(DOOMED // 2)
                ],
            )
            for _, error in deaths:
                assert error is None, error
            # Each doomed worker took a full bite. Claims that were rolled back free their
            # tasks at once, so two of them may have taken the same tasks one after the other.
            assert [len(ids) for ids, _ in deaths] == [BITE] * DOOMED
            abandoned = {t for ids, _ in deaths[DOOMED // 2 :] for t in ids}
            assert len(abandoned) == BITE * DOOMED // 2

            deadline = time.monotonic() + 20
            results = at_once(
                pool,
                [
                    partial(work, conns[n], [batch_id], finish, worker=f"w{n}", deadline=deadline)
                    for n in range(HEALTHY)
                ],
            )
            for _, error in results:
                assert error is None, error
            assert open_task_count(admin, [batch_id]) == 0, f"round {round_no}: tasks left open"

            roots = admin.execute(
                "select r.id, r.claim_count, r.lease_expired_count,"
                " array_agg(distinct t.status) as statuses"
                " from public.ai_tasks as r join public.ai_tasks as t on t.root_task_id = r.id"
                " where r.batch_id = %s and r.parent_task_id is null group by r.id",
                (batch_id,),
            ).fetchall()
            assert len(roots) == ROOTS
            for root in roots:
                assert root["statuses"] == ["completed"], root
                if root["id"] in abandoned:
                    assert (root["claim_count"], root["lease_expired_count"]) == (2, 1), root
                else:
                    assert (root["claim_count"], root["lease_expired_count"]) == (1, 0), root
            terminal_events = admin.execute(
                "select task_id, count(*)::integer as n from public.task_events"
                " where batch_id = %s and to_status in ('completed', 'failed', 'cancelled')"
                " group by task_id having count(*) <> 1",
                (batch_id,),
            ).fetchall()
            assert terminal_events == [], "a task reached a terminal state more than once"
            state = assert_counters_match(admin, batch_id)
            assert (state["status"], state["completed_tasks"], state["failed_tasks"]) == (
                "completed",
                ROOTS,
                0,
            ), state
