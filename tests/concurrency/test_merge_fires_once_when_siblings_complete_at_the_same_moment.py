"""Invariant 3: an N:1 merge fires exactly once, when the last branch of its split
completes, even when all branches complete at the same instant in different transactions.

For every k from 2 to 8, several splits into k branches; the k branches of one split are
completed together by k workers (own connection each, as orchable_worker) released by a
barrier. Each split must get exactly one merge task, child of the split task, whose input
lists the branches' outputs in branch order."""

from __future__ import annotations

from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

from support.databases import connections
from support.pipelines import course
from support.tasks import assert_counters_match, claim, complete, launch, output_for
from support.threads import at_once

WIDTHS = range(2, 9)
REPEATS = 5


def test_merge_fires_once_when_siblings_complete_at_the_same_moment(database, admin, owner):
    orchestrator_id = course(admin, owner, "merges")
    inputs = [{"topic": f"t{k}-{r}", "k": k} for k in WIDTHS for r in range(REPEATS)]
    batch = launch(admin, owner, orchestrator_id, inputs)

    # Split every input: one claim and completion per outline.
    outlines = claim(admin, len(inputs))
    assert len(outlines) == len(inputs)
    for task in outlines:
        assert (
            complete(admin, task["task_id"], task["claim_token"], output_for(task)) == "completed"
        )

    branches = claim(admin, 1000)
    assert len(branches) == sum(i["k"] for i in inputs)
    by_split: dict = defaultdict(list)
    for task in branches:
        split_id = admin.execute(
            "select split_task_id from public.ai_tasks where id = %s", (task["task_id"],)
        ).fetchone()["split_task_id"]
        by_split[split_id].append(task)

    with (
        connections(database.admin_url, max(WIDTHS)) as conns,
        ThreadPoolExecutor(max(WIDTHS)) as pool,
    ):
        for split_id, tasks in by_split.items():
            # Complete in reverse branch order so that arrival order differs from split order.
            tasks.sort(key=lambda t: -t["input_data"]["item_index"])
            results = at_once(
                pool,
                [
                    lambda n=n, t=t: complete(
                        conns[n], t["task_id"], t["claim_token"], output_for(t, "!")
                    )
                    for n, t in enumerate(tasks)
                ],
            )
            assert [r for r, _ in results] == ["completed"] * len(tasks), results

            merges = admin.execute(
                "select parent_task_id, input_data from public.ai_tasks"
                " where batch_id = %s and stage_key = 'quiz' and parent_task_id = %s",
                (batch["id"], split_id),
            ).fetchall()
            k = len(tasks)
            assert len(merges) == 1, f"split into {k}: {len(merges)} merge tasks"
            assert merges[0]["input_data"]["answers"] == [{"answer": f"q{i}!"} for i in range(k)]
            group = admin.execute(
                "select expected_count, arrived_count, merged_at is not null as merged"
                " from orchable.merge_groups where split_task_id = %s",
                (split_id,),
            ).fetchone()
            assert group == {"expected_count": k, "arrived_count": k, "merged": True}

    total = admin.execute(
        "select count(*)::integer as n from public.ai_tasks"
        " where batch_id = %s and stage_key = 'quiz'",
        (batch["id"],),
    ).fetchone()["n"]
    assert total == len(inputs)
    assert_counters_match(admin, batch["id"])
