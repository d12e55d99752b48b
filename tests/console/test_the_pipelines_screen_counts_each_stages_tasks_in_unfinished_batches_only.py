"""GET /api/pipelines gives each stage's task counts by status over the user's unfinished
batches: a cancelled batch's tasks and another user's are not counted."""

from __future__ import annotations

import pytest
from support.console import CHANGE, console_client
from support.pipelines import single_stage
from support.tasks import launch

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(60)]


async def test_the_pipelines_screen_counts_each_stages_tasks_in_unfinished_batches_only(
    admin, console_url, owner, stranger
):
    orchestrator_id = single_stage(admin, owner, "counted")
    launch(admin, owner, orchestrator_id, [{"question": "a"}, {"question": "b"}])
    cancelled = launch(admin, owner, orchestrator_id, [{"question": "c"}])["id"]
    theirs = single_stage(admin, stranger, "theirs")
    launch(admin, stranger, theirs, [{"question": "d"}])

    async with console_client(console_url, dev_user=owner) as client:
        cancel = await client.post(f"/api/batches/{cancelled}/cancel", headers=CHANGE)
        assert cancel.status_code == 200, cancel.text
        answer = await client.get("/api/pipelines")
    assert answer.status_code == 200, answer.text
    pipelines = answer.json()["pipelines"]
    assert [p["id"] for p in pipelines] == [str(orchestrator_id)]
    [stage] = pipelines[0]["stages"]
    assert stage["open_batch_counts"] == {"plan": 2}
