"""launch_batch's idempotency under concurrency: the same key from the same owner, sent
from two connections at the same instant (each a PostgREST-style request as the owner),
returns the same batch to both, and that batch has one set of root tasks, all from one of
the two calls."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from functools import partial

from support.databases import connections
from support.pipelines import course
from support.tasks import launch
from support.threads import at_once

ROUNDS = 30


def test_launch_with_one_idempotency_key_from_two_connections_makes_one_batch(
    database, admin, owner
):
    orchestrator_id = course(admin, owner, "idempotent")
    with connections(database.admin_url, 2) as conns, ThreadPoolExecutor(2) as pool:
        for round_no in range(ROUNDS):
            key = f"launch-{round_no}"
            inputs = [
                [{"topic": f"{side}{i}"} for i in range(3 + side_no)]
                for side_no, side in enumerate("ab")
            ]
            results = at_once(
                pool,
                [
                    partial(launch, conns[n], owner, orchestrator_id, inputs[n], key)
                    for n in range(2)
                ],
            )
            for _, error in results:
                assert error is None, error
            (first, _), (second, _) = results
            assert first["id"] == second["id"], f"round {round_no}: two batches for one key"

            batches = admin.execute(
                "select id, total_tasks from public.task_batches"
                " where owner_id = %s and idempotency_key = %s",
                (owner, key),
            ).fetchall()
            assert len(batches) == 1
            roots = admin.execute(
                "select input_data from public.ai_tasks"
                " where batch_id = %s and parent_task_id is null",
                (first["id"],),
            ).fetchall()
            got = sorted((r["input_data"] for r in roots), key=lambda i: i["topic"])
            assert got in inputs, f"round {round_no}: roots mix both calls: {got}"
            assert batches[0]["total_tasks"] == len(got)
