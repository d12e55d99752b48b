"""A well-signed webhook answer naming an interaction that does not exist is refused with
422 and the reason, and kept as filtered_out for its endpoint's owner; one naming none,
likewise. An answer to an endpoint that does not exist is a 404 and stores nothing."""

from __future__ import annotations

import json
import uuid

from support.serve import responses, webhook_signed


def test_a_webhook_answer_to_an_unknown_interaction_is_refused_saying_so(
    admin, owner, serve, http, webhook, asked
):
    url = f"{serve.url}/hooks/endpoints/{webhook['id']}/answers"
    unknown = json.dumps(
        {"interaction_id": str(uuid.uuid4()), "response": {"decision": "approve"}}
    ).encode()
    nameless = json.dumps({"response": {"decision": "approve"}}).encode()

    first = http.post(url, content=unknown, headers=webhook_signed(webhook["secret"], unknown))
    second = http.post(url, content=nameless, headers=webhook_signed(webhook["secret"], nameless))

    assert first.status_code == 422, first.text
    assert (first.json()["status"], first.json()["reason"]) == (
        "filtered_out",
        "unknown interaction",
    )
    assert second.status_code == 422, second.text
    assert second.json()["reason"] == "it names no interaction"
    assert [(r["status"], r["owner_id"]) for r in responses(admin)] == [
        ("filtered_out", owner),
        ("filtered_out", owner),
    ]

    nowhere = http.post(
        f"{serve.url}/hooks/endpoints/{uuid.uuid4()}/answers",
        content=unknown,
        headers=webhook_signed(webhook["secret"], unknown),
    )
    assert nowhere.status_code == 404
    assert len(responses(admin)) == 2
