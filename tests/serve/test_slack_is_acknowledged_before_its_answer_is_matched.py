"""serve acknowledges Slack as soon as the click is stored and verified, and matches it
after: while another transaction holds the interaction's task (so matching must wait),
Slack still gets its 200 and the click is already stored, unprocessed; once the task is
free, it is matched and settles the interaction."""

from __future__ import annotations

from support.databases import connect
from support.serve import interaction_of, responses, slack_click, slack_signed
from support.workers import wait_for


def test_slack_is_acknowledged_before_its_answer_is_matched(
    database, admin, serve, http, slack_endpoint, asked
):
    body = slack_click(
        asked["interaction_id"],
        {
            "interaction_id": str(asked["interaction_id"]),
            "decision": "approve",
        },
    )
    headers = {"content-type": "application/x-www-form-urlencoded", **slack_signed(body)}

    with connect(database.admin_url, autocommit=False) as holder:
        holder.execute(
            "select 1 from public.ai_tasks where id = %s for update", (asked["task_id"],)
        )
        acked = http.post(
            f"{serve.url}/hooks/slack/{slack_endpoint}", content=body, headers=headers
        )
        assert acked.status_code == 200, acked.text
        assert acked.json()["status"] == "received"
        [stored] = responses(admin)
        assert stored["status"] == "unprocessed"
        assert str(stored["id"]) == acked.json()["response_id"]
        holder.rollback()

    wait_for(lambda: [r["status"] for r in responses(admin)] == ["matched"])
    assert interaction_of(admin, asked["batch_id"])["status"] == "responded"
