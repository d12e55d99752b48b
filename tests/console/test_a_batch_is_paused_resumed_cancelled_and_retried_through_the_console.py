"""The batch actions go through the RPCs: pause, resume and cancel change the batch as the
database decides and say so; an action its state does not allow (resuming a running
batch, retrying a cancelled one, cancelling twice) is refused as JSON 409 with OR007 and
the database's hint. Retry brings the failed tasks back and says how many."""

from __future__ import annotations

import pytest
from support.console import CHANGE, bearer, console_client
from support.pipelines import single_stage
from support.tasks import claim, fail, launch

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(60)]


def status_of(admin, batch_id) -> str:
    row = admin.execute("select status from public.task_batches where id = %s", (batch_id,))
    found = row.fetchone()
    assert found is not None
    return str(found["status"])


async def test_a_batch_is_paused_resumed_cancelled_and_retried_through_the_console(
    admin, console_url, owner
):
    orchestrator_id = single_stage(admin, owner, "one", max_retries=0)
    batch_id = launch(admin, owner, orchestrator_id, [{"question": "a"}, {"question": "b"}])["id"]
    failing = launch(admin, owner, orchestrator_id, [{"question": "c"}])["id"]
    [task] = [t for t in claim(admin, 3) if t["batch_id"] == failing] or [None]
    assert task is not None
    fail(admin, task["task_id"], task["claim_token"], "broken", "invalid_request")
    headers = {**bearer(owner), **CHANGE}

    async with console_client(console_url) as client:

        async def act(batch, action):
            return await client.post(f"/api/batches/{batch}/{action}", json={}, headers=headers)

        paused = await act(batch_id, "pause")
        assert paused.status_code == 200, paused.text
        assert paused.json()["batch"]["status"] == "paused"
        assert status_of(admin, batch_id) == "paused"

        resumed = await act(batch_id, "resume")
        assert resumed.status_code == 200, resumed.text
        assert status_of(admin, batch_id) in ("pending", "processing")

        again = await act(batch_id, "resume")
        assert again.status_code == 409, again.text
        assert again.json()["code"] == "OR007" and again.json()["hint"]

        cancelled = await act(batch_id, "cancel")
        assert cancelled.status_code == 200 and status_of(admin, batch_id) == "cancelled"
        refused = await act(batch_id, "retry")
        assert refused.status_code == 409 and refused.json()["code"] == "OR007"

        retried = await act(failing, "retry")
        assert retried.status_code == 200, retried.text
        assert retried.json() == {"retried": 1}
        row = admin.execute(
            "select status from public.ai_tasks where id = %s", (task["task_id"],)
        ).fetchone()
        assert row is not None and row["status"] == "plan"

        unknown = await act(batch_id, "explode")
        assert unknown.status_code == 404
