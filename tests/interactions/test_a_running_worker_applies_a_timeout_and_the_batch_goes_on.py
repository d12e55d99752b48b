"""Nobody answers: the worker's tick applies the timeout once, recorded as a timeout and
never as a person's answer, and does what the stage says (here: approve with its default
answer), and the batch goes on to its end."""

from __future__ import annotations

import asyncio

import pytest
from support.interactions import (
    batch_status,
    launch_asking,
    pending_interaction,
    running_worker,
    stage_task,
    wait_until,
)


@pytest.mark.timeout(60)
def test_a_running_worker_applies_a_timeout_and_the_batch_goes_on(admin, owner, worker_url):
    batch_id = launch_asking(admin, owner, {
        "type": "selection", "options": ["short", "long"], "answer_key": "length",
        "timeout": "1 second", "on_timeout": "approve", "default": "short",
    })  # fmt: skip

    async def scenario() -> None:
        async with running_worker(worker_url):
            await wait_until(lambda: batch_status(admin, batch_id) == "completed")

    asyncio.run(scenario())
    assert pending_interaction(admin, batch_id) is None
    (interaction,) = admin.execute(
        "select status, outcome, responded_at >= timeout_at as after_its_time"
        " from public.human_interactions where batch_id = %s",
        (batch_id,),
    ).fetchall()
    assert interaction == {
        "status": "timeout",
        "outcome": "timeout_approved",
        "after_its_time": True,
    }
    answers = admin.execute(
        "select count(*) from public.interaction_answers as a join public.human_interactions as i"
        " on i.id = a.interaction_id where i.batch_id = %s",
        (batch_id,),
    ).fetchone()
    assert answers["count"] == 0  # no person answered
    publish = stage_task(admin, batch_id, "publish")
    assert publish["status"] == "completed" and publish["input_data"]["length"] == "short"
