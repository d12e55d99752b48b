"""Apart from the claim's walk of the queue in due order, claim_tasks and complete_tasks
read the tasks they handle by primary key, never through ai_tasks_runnable_idx: with
statistics gathered while the queue was short (the usual state before a big launch),
naming `status = 'processing'` made the planner scan every queued task through that
partial index on each call, so a call's cost grew with the queue.

Every statement the two RPCs run is explained by auto_explain, sent back as notices."""

from __future__ import annotations

import json
import uuid

from pipelines import apply_pipeline

from .auto_explain import Plan, auto_explain, explained_plans, runnable_index_reads

# The statements that walk the queue: the owners with work due
# (orchable._owners_with_due_tasks) and each owner's share of the claim.
WALKS = ("t.owner_id > v_after", "t.owner_id = v_owner", "skip locked")


def is_walk(plan: Plan) -> bool:
    return any(marker in plan["Query Text"] for marker in WALKS)


def test_claim_and_complete_read_their_tasks_by_key_not_the_queue(admin, new_user):
    owner = new_user()
    pipeline = apply_pipeline(
        admin,
        {
            "name": f"by-key-{uuid.uuid4()}",
            "owner_id": str(owner),
            "entry": "answer",
            "stages": [{"key": "answer", "template": "Answer {{n}}"}],
        },
    )
    admin.execute("analyze public.ai_tasks")  # statistics from before the launch
    inputs = json.dumps([{"n": i} for i in range(3000)])
    launched = admin.execute("select (launch_batch(%s, %s::jsonb)).id", (pipeline, inputs))
    batch = launched.fetchone()["id"]
    try:
        with auto_explain(admin):
            claimed, claim_plans = explained_plans(
                admin, "select task_id, claim_token from claim_tasks('by-key', 20, 300)", ()
            )
            assert len(claimed) == 20
            readers = [p["Query Text"][:80] for p in claim_plans if runnable_index_reads(p)]
            assert readers, "the claim walks the queue through ai_tasks_runnable_idx"
            assert all(is_walk(p) for p in claim_plans if runnable_index_reads(p)), (
                f"only the walk of the queue reads ai_tasks_runnable_idx: {readers}"
            )

            results = [
                {"task_id": str(r["task_id"]), "claim_token": str(r["claim_token"]), "output": {}}
                for r in claimed
            ]
            completed, complete_plans = explained_plans(
                admin, "select status from complete_tasks(%s::jsonb)", (json.dumps(results),)
            )
        assert [r["status"] for r in completed] == ["completed"] * 20
        assert complete_plans, "auto_explain sent no plan"
        readers = [p["Query Text"][:60] for p in complete_plans if runnable_index_reads(p)]
        assert readers == [], f"complete_tasks read the queue's index in: {readers}"
    finally:
        admin.execute("select cancel_batch(%s)", (batch,))
