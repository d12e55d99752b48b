"""Each interaction type through a running worker: the draft is generated, its task waits
in generated with its interaction pending, the person answers in the app, and the worker
carries the batch to its end with the answer where the stage put it. A rejection makes the
worker write the draft again, which asks again."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from support.interactions import (
    batch_status,
    launch_asking,
    pending_interaction,
    respond,
    running_worker,
    stage_task,
    wait_until,
)
from support.tasks import tasks

CASES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    # interaction asked: (the answer, what the publish stage's input holds besides "text")
    "selection": (
        {"type": "selection", "options": ["short", "long"], "answer_key": "length"},
        ({"choice": "long"}, {"length": "long"}),
    ),
    "input": (
        {
            "type": "input",
            "answer_key": "brief",
            "input_schema": {
                "type": "object",
                "required": ["audience"],
                "properties": {"audience": {"type": "string"}},
            },
        },
        ({"answer": {"audience": "kids"}}, {"brief": {"audience": "kids"}}),
    ),
    "review": (
        {"type": "review", "answer_key": "review"},
        (
            {"decision": "approve", "comment": "clear", "score": 4},
            {"review": {"decision": "approve", "comment": "clear", "score": 4}},
        ),
    ),
    "approval": (
        {"type": "approval", "channels": ["in_app"], "timeout": "1 hour"},
        ({"decision": "approve", "output": {"text": "edited by a person"}}, {}),
    ),
}


@pytest.mark.timeout(60)
@pytest.mark.parametrize("kind", CASES)
def test_every_interaction_type_answered_in_the_app_carries_its_batch_to_the_end(
    kind, admin, owner, worker_url
):
    interaction, (answer, added) = CASES[kind]
    batch_id = launch_asking(admin, owner, interaction)

    async def scenario() -> None:
        async with running_worker(worker_url):
            asked = await wait_until(lambda: pending_interaction(admin, batch_id))
            draft = admin.execute(
                "select status, output_data from public.ai_tasks where id = %s", (asked["task_id"],)
            ).fetchone()
            assert draft["status"] == "generated"
            assert asked["request_data"]["output"] == draft["output_data"]
            if kind == "approval":  # a rejection first: the worker writes the draft again
                reject = {"decision": "reject", "reason": "too short", "regenerate": True}
                assert respond(admin, owner, asked["id"], reject) == "settled"
                again = await wait_until(lambda: pending_interaction(admin, batch_id))
                assert again["id"] != asked["id"] and again["task_id"] == asked["task_id"]
                asked = again
            assert respond(admin, owner, asked["id"], answer) == "settled"
            await wait_until(lambda: batch_status(admin, batch_id) == "completed")

    asyncio.run(scenario())
    rows = {r["stage_key"]: r for r in tasks(admin, batch_id)}
    assert {r["status"] for r in rows.values()} == {"completed"}
    text = answer.get("output", rows["draft"]["output_data"])["text"]
    assert stage_task(admin, batch_id, "publish")["input_data"] == {"text": text, **added}
    settled = admin.execute(
        "select status, outcome, response_data from public.human_interactions"
        " where batch_id = %s order by created_at",
        (batch_id,),
    ).fetchall()
    outcomes = [(s["status"], s["outcome"]) for s in settled]
    expected = {"selection": "selected", "input": "answered", "review": "reviewed",
                "approval": "approved"}[kind]  # fmt: skip
    assert outcomes[-1] == ("responded", expected)
    if kind == "approval":
        assert outcomes == [("responded", "rejected"), ("responded", "approved")]
        assert rows["draft"]["successful_calls"] == 2  # written twice
