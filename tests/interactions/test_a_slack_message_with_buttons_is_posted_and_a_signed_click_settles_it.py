"""An interaction asked in Slack, end to end through a running worker and `orchable serve`:
the worker posts the question to the endpoint's channel through slack_sdk (to a fake Slack
Web API) with its bot token and Block Kit buttons whose values name the interaction; a
click, signed as Slack signs it (`v0:timestamp:body`), is acknowledged, then matched and
settles the interaction with the Slack user as its responder."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import httpx
from fakes.slack_server import FakeSlack
from support.interactions import asking_pipeline
from support.serve import (
    SLACK_BOT_TOKEN,
    RunningServe,
    add_slack,
    interaction_of,
    responses,
    run_worker_until,
    serve_url,
    slack_signed,
    working_worker,
)
from support.tasks import launch
from support.workers import wait_for

INTERACTION = {
    "type": "selection",
    "message": "Which title?",
    "options": [{"value": "short", "label": "Cats"}, {"value": "long", "label": "All about cats"}],
    "channels": ["slack"],
    "timeout": "1 hour",
}


def test_a_slack_message_with_buttons_is_posted_and_a_signed_click_settles_it(
    database, admin, owner, worker_url
):
    endpoint_id = add_slack(admin, owner)
    orchestrator_id = asking_pipeline(admin, owner, INTERACTION)
    batch_id = launch(admin, owner, orchestrator_id, [{"topic": "cats"}])["id"]

    with FakeSlack() as slack, RunningServe(serve_url(database)) as serve:
        worker = working_worker(worker_url, slack_api_url=slack.api_url, public_url=serve.url)
        run_worker_until(worker, lambda: slack.messages())
        [message] = slack.messages()
        interaction = interaction_of(admin, batch_id)
        assert interaction is not None
        assert (message.method, message.token, message.channel) == (
            "chat.postMessage",
            SLACK_BOT_TOKEN,
            "C0123ABCD",
        )
        assert message.text == "Which title?"
        buttons = message.buttons()
        assert [b["text"]["text"] for b in buttons] == ["Cats", "All about cats"]
        values = [json.loads(b["value"]) for b in buttons]
        assert values == [
            {"interaction_id": str(interaction["id"]), "choice": "short"},
            {"interaction_id": str(interaction["id"]), "choice": "long"},
        ]

        # Ann presses "All about cats": Slack posts the block_actions payload as a form.
        pressed = buttons[1]
        payload = {
            "type": "block_actions",
            "team": {"id": "T0TEAM", "domain": "example"},
            "user": {"id": "U0ANN", "username": "ann", "team_id": "T0TEAM"},
            "actions": [{k: pressed[k] for k in ("action_id", "value", "type")}],
        }
        body = urlencode({"payload": json.dumps(payload)})
        headers = {
            **slack_signed(body),
            "content-type": "application/x-www-form-urlencoded",
        }
        with httpx.Client(timeout=10) as http:
            acked = http.post(
                f"{serve.url}/hooks/slack/{endpoint_id}", content=body, headers=headers
            )
        assert acked.status_code == 200, acked.text
        assert acked.json()["status"] == "received"

        wait_for(lambda: [r["status"] for r in responses(admin)] == ["matched"])

    settled = interaction_of(admin, batch_id)
    assert settled is not None
    assert (settled["status"], settled["outcome"]) == ("responded", "selected")
    [answer] = admin.execute(
        "select responder_key, channel, response from public.interaction_answers"
        " where interaction_id = %s",
        (interaction["id"],),
    ).fetchall()
    assert answer == {
        "responder_key": "slack:T0TEAM:U0ANN",
        "channel": "slack",
        "response": {"choice": "long"},
    }
    [stored] = responses(admin)
    assert stored["raw_payload"]["user"]["id"] == "U0ANN"
    assert stored["headers"]["x-slack-signature"] == headers["x-slack-signature"]
