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


def explained_plans(admin, statement: str, params: tuple) -> tuple[list[dict], list[dict]]:
    plans: list[dict] = []

    def collect(notice) -> None:
        text = notice.message_primary
        if "Query Text" in text:
            plans.append(json.loads(text[text.index("{") :]))

    admin.add_notice_handler(collect)
    try:
        rows = admin.execute(statement, params).fetchall()
    finally:
        admin.remove_notice_handler(collect)
    return rows, plans


def runnable_index_reads(plan: dict) -> list[dict]:
    def nodes(node: dict) -> list[dict]:
        return [node, *(n for child in node.get("Plans", []) for n in nodes(child))]

    return [n for n in nodes(plan["Plan"]) if n.get("Index Name") == "ai_tasks_runnable_idx"]


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
    admin.execute("load 'auto_explain'")
    for setting, value in {
        "log_min_duration": "0",
        "log_nested_statements": "on",
        "log_level": "notice",
        "log_format": "json",
    }.items():
        admin.execute(f"set auto_explain.{setting} = {value}")
    try:
        claimed, claim_plans = explained_plans(
            admin, "select task_id, claim_token from claim_tasks('by-key', 20, 300)", ()
        )
        assert len(claimed) == 20
        walks = [p for p in claim_plans if runnable_index_reads(p)]
        assert len(walks) == 1, "only the walk of the queue reads ai_tasks_runnable_idx"
        assert "limit p_limit" in walks[0]["Query Text"]

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
        admin.execute("set auto_explain.log_min_duration = -1")
        admin.execute("select cancel_batch(%s)", (batch,))
