"""Two questions open in one Slack channel: the worker posts each through slack_sdk and
keeps the message as Slack named it (<channel>:<ts>); a reply in the second message's
thread, signed as Slack signs its Events API, is acknowledged and read against the second
question, never the first."""

from __future__ import annotations

import json

import httpx
from fakes.slack_server import FakeSlack
from support.interactions import asking_pipeline
from support.serve import (
    RunningServe,
    add_slack,
    responses,
    run_worker_until,
    serve_url,
    slack_signed,
    working_worker,
)
from support.tasks import launch
from support.workers import wait_for

INTERACTION = {"type": "approval", "message": "Publish {{topic}}?", "channels": ["slack"]}


def test_a_reply_in_a_slack_messages_thread_is_read_against_the_question_it_asked(
    database, admin, owner, worker_url
):
    endpoint_id = add_slack(admin, owner)
    orchestrator_id = asking_pipeline(admin, owner, INTERACTION)
    launch(admin, owner, orchestrator_id, [{"topic": "cats"}, {"topic": "dogs"}])

    def kept() -> dict[str, str]:
        rows = admin.execute(
            "select n.interaction_id, d.external_id from public.notification_deliveries as d"
            " join public.notifications as n on d.notification_id = n.id"
            " where d.status = 'delivered'"
        ).fetchall()
        return {r["external_id"]: r["interaction_id"] for r in rows}

    with FakeSlack() as slack, RunningServe(serve_url(database)) as serve:
        worker = working_worker(worker_url, slack_api_url=slack.api_url, public_url=serve.url)
        run_worker_until(worker, lambda: len(kept()) == 2)
        messages = {m.text: m for m in slack.messages()}
        asked = {
            text: json.loads(m.buttons()[0]["value"])["interaction_id"]
            for text, m in messages.items()
        }
        assert set(asked) == {"Publish cats?", "Publish dogs?"}
        assert {k: str(v) for k, v in kept().items()} == {
            f"C0123ABCD:{m.ts}": asked[text] for text, m in messages.items()
        }

        event = {
            "type": "event_callback",
            "team_id": "T0TEAM",
            "event": {
                "type": "message",
                "channel": "C0123ABCD",
                "thread_ts": messages["Publish dogs?"].ts,
                "ts": "1.000001",
                "user": "U0ANN",
                "text": "Yes, publish the dogs one.",
            },
        }
        body = json.dumps(event)
        headers = {**slack_signed(body), "content-type": "application/json"}
        with httpx.Client(timeout=10) as http:
            acked = http.post(
                f"{serve.url}/hooks/slack/{endpoint_id}", content=body, headers=headers
            )
        assert acked.status_code == 200, acked.text
        wait_for(lambda: [r["reading_batch_id"] is not None for r in responses(admin)] == [True])

    [reply] = responses(admin)
    assert (reply["free_text"], reply["responder_key"]) == (
        "Yes, publish the dogs one.",
        "slack:T0TEAM:U0ANN",
    )
    reading = admin.execute(
        "select input_data from public.ai_tasks where batch_id = %s", (reply["reading_batch_id"],)
    ).fetchone()
    assert reading["input_data"]["interaction_id"] == asked["Publish dogs?"]
    assert reading["input_data"]["question"] == "Publish dogs?"
