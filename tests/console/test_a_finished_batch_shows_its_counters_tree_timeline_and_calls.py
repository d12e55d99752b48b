"""After a worker has run a course-builder batch (offline provider), the console's batch
page shows its counters, per-stage counts and the tree of each input's tasks through the
split and the merge, its timeline in order; a task's page shows its stage, the output with
the stage's view_config, and its LLM calls with tokens, cost and latency."""

from __future__ import annotations

import asyncio

import pytest
from orchable.worker.loop import Worker
from orchable.worker.providers.offline import OfflineProvider
from support.console import bearer, console_client
from support.pipelines import course
from support.tasks import launch
from support.workers import TASKS_PER_ROOT, run_worker, settings

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(120)]


async def test_a_finished_batch_shows_its_counters_tree_timeline_and_calls(
    admin, console_url, worker_url, owner
):
    orchestrator_id = course(admin, owner, output_schemas=True)
    admin.execute(
        "update public.prompt_templates set view_config = %s::jsonb"
        " where orchestrator_id = %s and stage_key = 'outline'",
        ('{"hiddenFields": ["title"]}', orchestrator_id),
    )
    batch_id = launch(admin, owner, orchestrator_id, [{"topic": "owls"}, {"topic": "bats"}])["id"]
    await run_worker(Worker(settings(worker_url), {"offline": OfflineProvider()}))

    async with console_client(console_url) as client:
        headers = bearer(owner)
        page = (await client.get(f"/api/batches/{batch_id}", headers=headers)).json()
        batch = page["batch"]
        assert batch["status"] == "completed"
        assert (batch["total_tasks"], batch["completed_tasks"], batch["failed_tasks"]) == (2, 2, 0)
        assert batch["completed_count"] == 2 * TASKS_PER_ROOT
        assert batch["llm_call_count"] == 2 * TASKS_PER_ROOT
        assert batch["percent_done"] == 100

        assert [s["stage_key"] for s in page["stages"]] == ["outline", "question", "quiz"]
        assert [s["task_count"] for s in page["stages"]] == [2, 6, 2]

        tree = page["tree"]
        assert len(tree["root_ids"]) == 2 and tree["next_cursor"] is None
        tasks = {t["id"]: t for t in tree["tasks"]}
        assert len(tasks) == 2 * TASKS_PER_ROOT
        for task in tasks.values():
            parent = task["parent_task_id"]
            assert (parent is None) == (task["id"] in tree["root_ids"])
            if parent is not None:
                assert tasks[parent]["root_task_id"] == task["root_task_id"]
        quiz = next(t for t in tasks.values() if t["stage_key"] == "quiz")
        assert tasks[quiz["parent_task_id"]]["stage_key"] == "outline"  # the merge's parent

        one_root = await client.get(
            f"/api/batches/{batch_id}/tasks", params={"limit": "1"}, headers=headers
        )
        first = one_root.json()
        assert len(first["root_ids"]) == 1 and first["next_cursor"]
        second = (
            await client.get(
                f"/api/batches/{batch_id}/tasks",
                params={"limit": "1", "cursor": first["next_cursor"]},
                headers=headers,
            )
        ).json()
        assert set(first["root_ids"] + second["root_ids"]) == set(tree["root_ids"])
        assert second["next_cursor"] is None
        assert len(first["tasks"]) == TASKS_PER_ROOT

        timeline = page["timeline"]
        assert [e["event_id"] for e in timeline] == sorted(e["event_id"] for e in timeline)
        assert timeline[-1]["event"] == "batch_status" and timeline[-1]["to_status"] == "completed"

        outline_id = tree["root_ids"][0]
        task_page = (await client.get(f"/api/tasks/{outline_id}", headers=headers)).json()
        assert task_page["task"]["stage_key"] == "outline"
        assert task_page["stage"]["view_config"] == {"hiddenFields": ["title"]}
        assert "{{topic}}" in task_page["stage"]["template"]
        topic = task_page["task"]["input_data"]["topic"]
        assert task_page["prompt"] == task_page["stage"]["template"].replace("{{topic}}", topic)
        [call] = task_page["calls"]
        assert call["outcome"] == "success" and call["provider"] == "offline"
        assert call["input_tokens"] > 0 and call["output_tokens"] > 0
        assert call["latency_ms"] is not None and call["cost_usd"] >= 0
        assert [e["to_status"] for e in task_page["events"]][-1] == "completed"
        assert sorted(c["stage_key"] for c in task_page["children"]) == ["question"] * 3 + ["quiz"]


async def test_the_page_is_served_with_a_strict_policy(console_url, owner):
    async with console_client(console_url, dev_user=owner) as client:
        page = await client.get("/")
        assert page.status_code == 200, page.text
        assert "script-src 'self'" in page.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
        assert 'src="assets/app.js' in page.text
        bundle = await client.get("/assets/app.js")
        assert bundle.status_code == 200 and len(bundle.content) > 10_000
        await asyncio.sleep(0)
