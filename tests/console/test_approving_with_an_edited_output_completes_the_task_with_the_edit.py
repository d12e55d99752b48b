"""Approving a waiting task through the console with an edited output completes it with
the edit (the next stage gets it as its input) and settles its interaction; approving it
again is refused as JSON with the project's code (409 OR007) and changes nothing."""

from __future__ import annotations

import pytest
from support.console import CHANGE, bearer, console_client, interaction_row, task_row

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(60)]


async def test_approving_with_an_edited_output_completes_the_task_with_the_edit(
    admin, console_url, owner, asked
):
    edited = {"text": "a better draft", "edited": True}
    headers = {**bearer(owner), **CHANGE}
    async with console_client(console_url) as client:
        approved = await client.post(
            f"/api/tasks/{asked['task_id']}/approve", json={"output": edited}, headers=headers
        )
        assert approved.status_code == 200, approved.text
        assert approved.json() == {"task_id": str(asked["task_id"]), "status": "completed"}

        again = await client.post(
            f"/api/tasks/{asked['task_id']}/approve", json={}, headers=headers
        )
        assert again.status_code == 409, again.text
        body = again.json()
        assert body["code"] == "OR007"
        assert "not awaiting approval" in body["message"] and body["hint"]

        page = (await client.get(f"/api/tasks/{asked['task_id']}", headers=headers)).json()
        assert page["task"]["status"] == "completed"
        assert page["task"]["output_data"] == edited
        assert [c["stage_key"] for c in page["children"]] == ["publish"]
        assert page["stage"]["stage_key"] == "draft"
        assert page["interactions"][0]["status"] == "responded"

    task = task_row(admin, asked["task_id"])
    assert task["status"] == "completed" and task["output_data"] == edited
    assert interaction_row(admin, asked["interaction_id"])["status"] == "responded"
    child = admin.execute(
        "select input_data from public.ai_tasks where parent_task_id = %s", (asked["task_id"],)
    ).fetchone()
    assert child is not None and child["input_data"]["text"] == "a better draft"
