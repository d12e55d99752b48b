"""Invariant 6: a completion or failure carrying a stale claim token changes nothing and
raises OR006, even when it races the current holder's completion.

Worker A claims a task with a 1 s lease; the lease is then made to have expired (its
locked_until moved to the past, as the superuser) and worker B claims the task again with
a new token. A (complete_task on even rounds, report_task_failure on odd ones) and B (complete_task)
then report at the same instant from their own connections as orchable_worker. A gets
OR006, B's completion stands: one completion, one set of children, B's output."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from support.databases import connections, sqlstate
from support.pipelines import course
from support.tasks import assert_counters_match, claim, complete, fail, launch, output_for
from support.threads import at_once

ROUNDS = 20


def test_a_stale_claim_token_changes_nothing_and_says_so(database, admin, owner):
    orchestrator_id = course(admin, owner, "stale")
    with connections(database.admin_url, 2) as (a, b), ThreadPoolExecutor(2) as pool:
        for round_no in range(ROUNDS):
            batch = launch(admin, owner, orchestrator_id, [{"topic": f"t{round_no}", "k": 3}])
            [first] = claim(a, 1, worker="a", lease=1)
            admin.execute(
                "update public.ai_tasks set locked_until = now() - interval '1 hour' where id = %s",
                (first["task_id"],),
            )
            [second] = claim(b, 1, worker="b", lease=300)
            task_id = first["task_id"]
            assert second["task_id"] == task_id
            assert second["claim_token"] != first["claim_token"]

            if round_no % 2 == 0:

                def stale(task=first):
                    return complete(a, task["task_id"], task["claim_token"], {"questions": []})
            else:

                def stale(task=first):
                    return fail(
                        a, task["task_id"], task["claim_token"], "too late", "invalid_request"
                    )

            (a_result, a_error), (b_result, b_error) = at_once(
                pool,
                [
                    stale,
                    lambda t=second: complete(
                        b, t["task_id"], t["claim_token"], output_for(t, "b")
                    ),
                ],
            )
            assert a_result is None and sqlstate(a_error) == "OR006", (a_result, a_error)
            assert (b_result, b_error) == ("completed", None)

            task = admin.execute(
                "select status, output_data, claim_count, lease_expired_count, error_message"
                " from public.ai_tasks where id = %s",
                (task_id,),
            ).fetchone()
            assert task == {
                "status": "completed",
                "output_data": output_for(second, "b"),
                "claim_count": 2,
                "lease_expired_count": 1,
                "error_message": None,
            }
            children = admin.execute(
                "select input_data from public.ai_tasks"
                " where parent_task_id = %s order by branch_index",
                (task_id,),
            ).fetchall()
            assert [c["input_data"]["item"]["text"] for c in children] == ["qb0", "qb1", "qb2"]
            completions = admin.execute(
                "select count(*)::integer as n from public.task_events"
                " where task_id = %s and to_status in ('completed', 'failed')",
                (task_id,),
            ).fetchone()["n"]
            assert completions == 1
            assert_counters_match(admin, batch["id"])
            # Keep this round's children out of the next round's claims.
            admin.execute(
                "update public.task_batches set status = 'paused' where id = %s", (batch["id"],)
            )
