"""Apart from the claim's walk of the queue in due order, claim_tasks and complete_tasks
read the tasks they handle by primary key, never through ai_tasks_runnable_idx: with
statistics gathered while the queue was short (the usual state before a big launch),
naming `status = 'processing'` made the planner scan every queued task through that
partial index on each call, so a call's cost grew with the queue.

Every statement the two RPCs run is explained by auto_explain, sent back as notices. The
walk is what the real functions run: the statements of orchable._owners_with_due_tasks
(explained on a call of its own), and in each owner's share the reads beneath its row
lock (FOR UPDATE); the share then leases the rows it locked by key."""

from __future__ import annotations

import json

from support.pipelines import single_stage

from .auto_explain import (
    auto_explain,
    explained_plans,
    locked_runnable_index_reads,
    runnable_index_reads,
)


def test_claim_and_complete_read_their_tasks_by_key_not_the_queue(admin, owner):
    pipeline = single_stage(admin, owner, "by-key")
    admin.execute("analyze public.ai_tasks")  # statistics from before the launch
    inputs = json.dumps([{"question": f"q{i}"} for i in range(3000)])
    admin.execute("select launch_batch(%s, %s::jsonb)", (pipeline, inputs))
    with auto_explain(admin):
        _, owner_walk = explained_plans(admin, "select orchable._owners_with_due_tasks(20)", ())
        claimed, claim_plans = explained_plans(
            admin, "select task_id, claim_token from claim_tasks('by-key', 20, 300)", ()
        )
        results = [
            {"task_id": str(r["task_id"]), "claim_token": str(r["claim_token"]), "output": {}}
            for r in claimed
        ]
        completed, complete_plans = explained_plans(
            admin, "select status from complete_tasks(%s::jsonb)", (json.dumps(results),)
        )

    walk = {p["Query Text"] for p in owner_walk if runnable_index_reads(p)}
    assert walk, "the owners' walk reads ai_tasks_runnable_idx"
    assert len(claimed) == 20
    readers = [p for p in claim_plans if runnable_index_reads(p)]
    assert any(p["Query Text"] in walk for p in readers), "the claim walks the owners"
    shares = [p for p in readers if locked_runnable_index_reads(p)]
    assert shares, "the claim's share locks the due tasks it walks to"
    strays = [
        p["Query Text"][:80]
        for p in readers
        if p["Query Text"] not in walk and not locked_runnable_index_reads(p)
    ]
    assert strays == [], f"only the walk of the queue reads ai_tasks_runnable_idx: {strays}"
    for share in shares:
        assert runnable_index_reads(share) == locked_runnable_index_reads(share), (
            f"the share leases what it locked by key, not the queue: {share['Query Text'][:80]}"
        )

    assert [r["status"] for r in completed] == ["completed"] * 20
    assert complete_plans, "auto_explain sent no plan"
    readers = [p["Query Text"][:60] for p in complete_plans if runnable_index_reads(p)]
    assert readers == [], f"complete_tasks read the queue's index in: {readers}"
