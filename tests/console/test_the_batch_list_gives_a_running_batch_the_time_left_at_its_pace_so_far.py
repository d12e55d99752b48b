"""A running batch in GET /api/batches has an ETA from its counters alone: its inputs left
at the pace of its inputs finished so far; a batch not running has none."""

from __future__ import annotations

import pytest
from support.console import console_client
from support.pipelines import single_stage
from support.tasks import launch

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(60)]


async def test_the_batch_list_gives_a_running_batch_the_time_left_at_its_pace_so_far(
    admin, console_url, owner
):
    orchestrator_id = single_stage(admin, owner)
    inputs = [{"question": str(n)} for n in range(4)]
    running = launch(admin, owner, orchestrator_id, inputs)["id"]
    waiting = launch(admin, owner, orchestrator_id, inputs)["id"]
    # One input of four finished in the minute since it started: three minutes left.
    admin.execute(
        "update public.task_batches set status = 'processing', completed_tasks = 1,"
        " started_at = now() - interval '60 seconds' where id = %s",
        (running,),
    )

    async with console_client(console_url, dev_user=owner) as client:
        answer = await client.get("/api/batches")
    assert answer.status_code == 200, answer.text
    eta = {b["id"]: b["eta_seconds"] for b in answer.json()["batches"]}
    assert eta[str(waiting)] is None
    assert 179 <= eta[str(running)] <= 185
