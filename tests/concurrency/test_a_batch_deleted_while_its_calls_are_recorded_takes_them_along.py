"""llm_calls has no foreign keys: record_llm_calls locks the calls' tasks FOR KEY SHARE
instead, and a deleted batch takes its calls along by trigger. A delete_batch that starts
while a worker's transaction is recording calls of that batch waits for it, then deletes
those calls too: no call outlives its batch.

The worker records the calls and holds its transaction open; the owner's delete_batch runs
in another thread and must still be waiting a moment later; the worker commits; the delete
then finishes and leaves no call of the batch."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

from support.databases import WORKER, acting_as, connections
from support.pipelines import single_stage
from support.tasks import launch
from support.threads import BARRIER_TIMEOUT

ROUNDS = 3
INPUTS = 4


def test_a_batch_deleted_while_its_calls_are_recorded_takes_them_along(database, admin, owner):
    orchestrator_id = single_stage(admin, owner, "calls-along")
    with connections(database.admin_url, 2) as (worker, user), ThreadPoolExecutor(1) as pool:
        for round_no in range(ROUNDS):
            batch = launch(admin, owner, orchestrator_id, [{"n": i} for i in range(INPUTS)])
            task_ids = [
                r["id"]
                for r in admin.execute(
                    "select id from public.ai_tasks where batch_id = %s", (batch["id"],)
                ).fetchall()
            ]
            calls = [
                {"task_id": str(t), "provider": "offline", "model": "offline", "outcome": "success"}
                for t in task_ids
            ]

            with acting_as(worker, WORKER):
                recorded = worker.execute(
                    "select public.record_llm_calls(%s::jsonb) as n", (json.dumps(calls),)
                ).fetchone()
                assert recorded == {"n": INPUTS}

                def delete_batch(batch_id=batch["id"]):
                    with acting_as(user, "authenticated", owner):
                        user.execute("select public.delete_batch(%s::uuid)", (batch_id,))

                deleting = pool.submit(delete_batch)
                time.sleep(0.3)
                assert not deleting.done(), f"round {round_no}: delete_batch did not wait"
            deleting.result(timeout=BARRIER_TIMEOUT)

            left = admin.execute(
                "select count(*)::integer as n from public.llm_calls where batch_id = %s",
                (batch["id"],),
            ).fetchone()
            assert left == {"n": 0}, f"round {round_no}: calls outlived their batch"
