"""claim_tasks walks ai_tasks_runnable_idx in due order and stops after its limit: no
statement of the real function scans the table or sorts the queue, however many tasks are
waiting, and a paused batch queued ahead is not read at all (its tasks wait until
'infinity', after every due task; as an anti-join, a paused batch made the planner sort
every runnable task on each claim, and then every claim read past its tasks)."""

from __future__ import annotations

import json

from support.pipelines import course

from .auto_explain import (
    auto_explain,
    explained_plans,
    locked_runnable_index_reads,
    plan_nodes,
    runnable_index_reads,
)


def test_the_claim_reads_the_runnable_index_in_order(admin, owner):
    orchestrator = course(admin, owner, "plans")
    inputs = json.dumps([{"topic": f"t{i}"} for i in range(5000)])
    held = admin.execute(
        "select (launch_batch(%s, %s::jsonb)).id", (orchestrator, inputs)
    ).fetchone()["id"]
    admin.execute("select pause_batch(%s)", (held,))
    admin.execute("select launch_batch(%s, %s::jsonb)", (orchestrator, inputs))
    admin.execute("analyze public.ai_tasks, public.task_batches")
    with auto_explain(admin, analyze=True):
        claimed, plans = explained_plans(
            admin, "select task_id from claim_tasks('plans', 10, 300)", ()
        )
    assert len(claimed) == 10
    walks = [p for p in plans if runnable_index_reads(p)]
    assert any(locked_runnable_index_reads(p) for p in walks), "the claim's share"
    for plan in walks:
        nodes = plan_nodes(plan["Plan"])
        reads = [n for n in nodes if n.get("Relation Name") == "ai_tasks"]
        scans = [n for n in reads if "Scan" in n["Node Type"]]
        assert {n["Node Type"] for n in scans} <= {"Index Scan", "Index Only Scan"}, plan[
            "Query Text"
        ]
        assert not [n for n in nodes if n["Node Type"] == "Sort"], (
            f"the queue is sorted, not read in order: {plan['Query Text']}"
        )
        skipped = sum(n.get("Rows Removed by Filter", 0) for n in scans)
        assert skipped == 0, f"read past {skipped} held tasks: {plan['Query Text']}"
