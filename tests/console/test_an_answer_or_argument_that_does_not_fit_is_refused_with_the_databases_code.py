"""What the database refuses comes back as JSON {code, message, detail, hint} with a 4xx:
a choice that is not an option (422 OR042, the detail and hint from the database), a
rejection without a reason (422), a body that is not JSON (400); nothing changes until an
answer fits, and a rejection without regenerating fails the task, which retry brings back."""

from __future__ import annotations

import pytest
from support.console import CHANGE, ask, bearer, console_client, interaction_row, task_row

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(60)]


async def test_an_answer_or_argument_that_does_not_fit_is_refused_with_the_databases_code(
    admin, console_url, owner, asked
):
    chosen = ask(
        admin,
        owner,
        {"type": "selection", "channels": ["in_app"], "options": [{"value": "a"}, {"value": "b"}]},
    )
    headers = {**bearer(owner), **CHANGE}
    respond = f"/api/interactions/{chosen['interaction_id']}/respond"
    reject = f"/api/tasks/{asked['task_id']}/reject"
    async with console_client(console_url) as client:
        wrong = await client.post(respond, json={"response": {"choice": "c"}}, headers=headers)
        assert wrong.status_code == 422, wrong.text
        body = wrong.json()
        assert body["code"] == "OR042"
        assert "not one of the options" in body["message"]
        assert body["detail"] and body["hint"]

        shapeless = await client.post(respond, json={"answer": "a"}, headers=headers)
        assert shapeless.status_code == 422 and shapeless.json()["code"] == "bad_argument"

        not_json = await client.post(
            respond, content=b"{nope", headers={**headers, "content-type": "application/json"}
        )
        assert not_json.status_code == 400 and not_json.json()["code"] == "bad_json"

        reasonless = await client.post(reject, json={"reason": " "}, headers=headers)
        assert reasonless.status_code == 422, reasonless.text
        assert reasonless.json()["code"] == "OR003"
        assert task_row(admin, asked["task_id"])["status"] == "generated"
        assert interaction_row(admin, chosen["interaction_id"])["status"] == "pending"

        right = await client.post(respond, json={"response": {"choice": "b"}}, headers=headers)
        assert right.status_code == 200, right.text
        assert right.json()["outcome"] == "settled"

        rejected = await client.post(
            reject, json={"reason": "off topic", "regenerate": False}, headers=headers
        )
        assert rejected.status_code == 200, rejected.text
        assert rejected.json()["status"] == "failed"
        assert task_row(admin, asked["task_id"])["status"] == "failed"

        retried = await client.post(f"/api/tasks/{asked['task_id']}/retry", headers=headers)
        assert retried.status_code == 200, retried.text
    assert task_row(admin, asked["task_id"])["status"] == retried.json()["status"] == "plan"
