"""A read-only console reads as usual and says it is read-only, but refuses every action
(403 read_only) before it reaches the database: the task waits as it did."""

from __future__ import annotations

import pytest
from support.console import CHANGE, bearer, console_client, interaction_row, task_row

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(60)]


async def test_a_read_only_console_refuses_every_action(admin, console_url, owner, asked):
    headers = {**bearer(owner), **CHANGE}
    async with console_client(console_url, read_only=True) as client:
        session = (await client.get("/api/session", headers=headers)).json()
        assert session["read_only"] is True
        page = await client.get(f"/api/tasks/{asked['task_id']}", headers=headers)
        assert page.status_code == 200, page.text

        actions = [
            (f"/api/tasks/{asked['task_id']}/approve", {"output": {"text": "x"}}),
            (f"/api/tasks/{asked['task_id']}/reject", {"reason": "no", "regenerate": False}),
            (f"/api/tasks/{asked['task_id']}/retry", {}),
            (f"/api/batches/{asked['batch_id']}/pause", {}),
            (f"/api/batches/{asked['batch_id']}/cancel", {}),
            (f"/api/batches/{asked['batch_id']}/retry", {}),
            (
                f"/api/interactions/{asked['interaction_id']}/respond",
                {"response": {"decision": "approve"}},
            ),
        ]
        for path, body in actions:
            refused = await client.post(path, json=body, headers=headers)
            assert refused.status_code == 403, (path, refused.text)
            assert refused.json()["code"] == "read_only"

    assert task_row(admin, asked["task_id"])["status"] == "generated"
    assert interaction_row(admin, asked["interaction_id"])["status"] == "pending"
