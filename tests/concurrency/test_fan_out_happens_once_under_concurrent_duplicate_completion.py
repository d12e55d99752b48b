"""Invariant 2: fan-out happens exactly once per completed task, even when the same
completion (same valid claim token) arrives twice at the same instant.

Two connections as orchable_worker call complete_task for one task with its current token,
released by a barrier, each with an output that splits into a different number of
branches. One call completes the task, the other raises OR006; the task has exactly one set
of children, the one its stored output asks for."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from functools import partial

from support.databases import connections, sqlstate
from support.pipelines import course
from support.tasks import assert_counters_match, claim, complete, launch, questions
from support.threads import at_once

ROUNDS = 40


def test_fan_out_happens_once_under_concurrent_duplicate_completion(database, admin, owner):
    orchestrator_id = course(admin, owner, "duplicates")
    batch = launch(admin, owner, orchestrator_id, [{"topic": f"t{i}"} for i in range(ROUNDS)])
    outlines = claim(admin, ROUNDS, worker="w")
    assert len(outlines) == ROUNDS
    with connections(database.admin_url, 2) as conns, ThreadPoolExecutor(2) as pool:
        for task in outlines:
            outputs = [questions(2, "a"), questions(3, "b")]
            results = at_once(
                pool,
                [
                    partial(complete, conns[n], task["task_id"], task["claim_token"], outputs[n])
                    for n in range(2)
                ],
            )
            answers = sorted(((r, sqlstate(e)) for r, e in results), key=str)
            assert answers == [("completed", None), (None, "OR006")], results
            winner = 0 if results[0][0] == "completed" else 1

            stored = admin.execute(
                "select status, output_data from public.ai_tasks where id = %s", (task["task_id"],)
            ).fetchone()
            assert stored == {"status": "completed", "output_data": outputs[winner]}
            children = admin.execute(
                "select input_data from public.ai_tasks"
                " where parent_task_id = %s order by branch_index",
                (task["task_id"],),
            ).fetchall()
            assert [c["input_data"]["item"] for c in children] == outputs[winner]["questions"]
            groups = admin.execute(
                "select count(*)::integer as n from orchable.merge_groups where split_task_id = %s",
                (task["task_id"],),
            ).fetchone()["n"]
            assert groups == 1
    assert_counters_match(admin, batch["id"])
