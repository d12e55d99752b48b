"""The claim query walks ai_tasks_runnable_idx in due order and stops after its limit:
it neither scans the table nor sorts the queue, however many tasks are waiting, and even
when a paused batch holds many of them back (as an anti-join, that made the planner sort
every runnable task on each claim)."""

from __future__ import annotations

import json

from conftest import seed_course_pipeline


def plan_nodes(node: dict) -> list[dict]:
    return [node, *(n for child in node.get("Plans", []) for n in plan_nodes(child))]


def test_the_claim_reads_the_runnable_index_in_order(admin, new_user):
    owner = new_user()
    orchestrator = seed_course_pipeline(admin, owner, "plans")
    inputs = json.dumps([{"topic": f"t{i}"} for i in range(5000)])
    admin.execute("select launch_batch(%s, %s::jsonb)", (orchestrator, inputs))
    held = admin.execute(
        "select (launch_batch(%s, %s::jsonb)).id", (orchestrator, inputs)
    ).fetchone()["id"]
    admin.execute("select pause_batch(%s)", (held,))
    admin.execute("analyze public.ai_tasks, public.task_batches")
    try:
        row = admin.execute(
            "explain (format json) select r.id from public.v_runnable_tasks as r"
            " order by r.available_at limit 10 for update skip locked"
        ).fetchone()
        nodes = plan_nodes(row["QUERY PLAN"][0]["Plan"])
        scans = [n for n in nodes if n.get("Relation Name") == "ai_tasks"]
        assert [n["Node Type"] for n in scans] == ["Index Scan"], scans
        assert scans[0]["Index Name"] == "ai_tasks_runnable_idx"
        assert not [n for n in nodes if n["Node Type"] == "Sort"], (
            "the queue is sorted, not read in order"
        )
    finally:
        admin.execute(
            "select cancel_batch(id) from public.task_batches where orchestrator_id = %s",
            (orchestrator,),
        )
