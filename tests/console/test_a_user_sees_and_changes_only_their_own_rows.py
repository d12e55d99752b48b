"""Signed in with their access token, a user sees only their own batches, tasks, inbox and
pipelines; another user's batch, task and interaction are not found (404, as the RPCs
say), and an action on them changes nothing."""

from __future__ import annotations

import pytest
from support.console import CHANGE, bearer, console_client, interaction_row, task_row

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(60)]


async def test_a_user_sees_and_changes_only_their_own_rows(
    admin, console_url, owner, stranger, asked, stranger_asked
):
    mine, theirs = asked, stranger_asked
    async with console_client(console_url) as client:
        me = bearer(owner)

        session = (await client.get("/api/session", headers=me)).json()
        assert session["user_id"] == str(owner) and session["via"] == "token"

        listed = (await client.get("/api/batches", headers=me)).json()
        assert [b["id"] for b in listed["batches"]] == [str(mine["batch_id"])]
        assert listed["next_cursor"] is None

        page = await client.get(f"/api/batches/{mine['batch_id']}", headers=me)
        assert page.status_code == 200, page.text
        assert page.json()["batch"]["total_tasks"] == 1
        assert {t["stage_key"] for t in page.json()["tree"]["tasks"]} == {"draft"}

        inbox = (await client.get("/api/inbox", headers=me)).json()["interactions"]
        assert [i["id"] for i in inbox] == [str(mine["interaction_id"])]

        pipelines = (await client.get("/api/pipelines", headers=me)).json()["pipelines"]
        assert len(pipelines) == 1
        assert [s["stage_key"] for s in pipelines[0]["stages"]] == ["draft", "publish"]
        draft = pipelines[0]["stages"][0]
        assert draft["next_stage_keys"] == ["publish"]

        for path in (f"/api/batches/{theirs['batch_id']}", f"/api/tasks/{theirs['task_id']}"):
            hidden = await client.get(path, headers=me)
            assert hidden.status_code == 404, (path, hidden.text)
            assert set(hidden.json()) == {"code", "message", "detail", "hint"}

        approve = await client.post(
            f"/api/tasks/{theirs['task_id']}/approve", json={}, headers={**me, **CHANGE}
        )
        assert approve.status_code == 404, approve.text
        assert approve.json()["code"] == "OR004"

        answer = await client.post(
            f"/api/interactions/{theirs['interaction_id']}/respond",
            json={"response": {"decision": "approve"}},
            headers={**me, **CHANGE},
        )
        assert answer.status_code == 404, answer.text
        assert answer.json()["code"] == "OR039"

        pause = await client.post(
            f"/api/batches/{theirs['batch_id']}/pause", json={}, headers={**me, **CHANGE}
        )
        assert pause.status_code == 404, pause.text
        assert pause.json()["code"] == "OR005"

    assert task_row(admin, theirs["task_id"])["status"] == "generated"
    assert interaction_row(admin, theirs["interaction_id"])["status"] == "pending"
    batch = admin.execute(
        "select status from public.task_batches where id = %s", (theirs["batch_id"],)
    ).fetchone()
    assert batch is not None and batch["status"] != "paused"
