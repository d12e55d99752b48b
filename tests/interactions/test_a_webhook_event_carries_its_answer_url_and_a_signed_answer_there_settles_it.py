"""An interaction asked by webhook, end to end through a running worker and `orchable serve`:
the event is delivered signed (Standard Webhooks) with the interaction, its correlation id
and the `answer_url` on serve; the receiver's system POSTs its answer there, signed with
the endpoint's secret by the standardwebhooks library, and it settles the interaction."""

from __future__ import annotations

import json

import httpx
from fakes.webhook_receiver import WebhookReceiver
from support.interactions import asking_pipeline
from support.serve import (
    RunningServe,
    add_endpoint,
    interaction_of,
    new_secret,
    run_worker_until,
    serve_url,
    webhook_signed,
    working_worker,
)
from support.tasks import launch

INTERACTION = {
    "type": "approval",
    "message": "Ship it?",
    "channels": ["webhook"],
    "timeout": "1 hour",
}


def test_a_webhook_event_carries_its_answer_url_and_a_signed_answer_there_settles_it(
    database, admin, owner, worker_url
):
    secret = new_secret()
    with WebhookReceiver(secret=secret) as receiver, RunningServe(serve_url(database)) as serve:
        endpoint_id = add_endpoint(
            admin, owner, "webhook", "crm", p_url=receiver.url, p_secret=secret
        )["id"]
        orchestrator_id = asking_pipeline(admin, owner, INTERACTION)
        batch_id = launch(admin, owner, orchestrator_id, [{"topic": "cats"}])["id"]
        run_worker_until(
            working_worker(worker_url, public_url=serve.url), lambda: receiver.requests
        )
        [event] = receiver.requests
        interaction = interaction_of(admin, batch_id)
        assert interaction is not None
        assert event.verified, event.verify_error
        assert event.payload["type"] == "interaction.requested"
        data = event.payload["data"]
        answer_url = f"{serve.url}/hooks/endpoints/{endpoint_id}/answers"
        assert data["answer_url"] == answer_url
        assert data["interaction_id"] == str(interaction["id"])
        assert data["correlation_id"] == interaction["correlation_id"]
        assert data["request"]["output"] == interaction["request_data"]["output"]

        body = json.dumps(
            {"correlation_id": data["correlation_id"], "response": {"decision": "approve"}}
        ).encode()
        with httpx.Client(timeout=10) as http:
            answered = http.post(
                data["answer_url"], content=body, headers=webhook_signed(secret, body)
            )
        assert answered.status_code == 200, answered.text
        assert answered.json()["status"] == "matched"
        assert answered.json()["answer_outcome"] == "settled"

    settled = interaction_of(admin, batch_id)
    assert settled is not None
    assert (settled["status"], settled["outcome"]) == ("responded", "approved")
    [answer] = admin.execute(
        "select responder_key, channel from public.interaction_answers where interaction_id = %s",
        (interaction["id"],),
    ).fetchall()
    assert answer == {"responder_key": f"webhook:{endpoint_id}", "channel": "webhook"}
    task = admin.execute(
        "select status from public.ai_tasks where id = %s", (interaction["task_id"],)
    ).fetchone()
    assert task["status"] == "completed"
