"""A well-signed webhook answer that gives prose (`text`) instead of a structured response
is accepted with 202 and kept unprocessed, awaiting classification, with its text; it
decides nothing by itself."""

from __future__ import annotations

import json

from support.serve import interaction_of, responses, webhook_signed


def test_a_webhook_answer_in_prose_is_kept_for_classification(
    admin, owner, serve, http, webhook, asked
):
    body = json.dumps(
        {
            "interaction_id": str(asked["interaction_id"]),
            "text": "Looks fine to me, go ahead.",
            "responder": "ann@crm",
        }
    ).encode()

    kept = http.post(
        f"{serve.url}/hooks/endpoints/{webhook['id']}/answers",
        content=body,
        headers=webhook_signed(webhook["secret"], body),
    )

    assert kept.status_code == 202, kept.text
    assert (kept.json()["status"], kept.json()["reason"]) == (
        "unprocessed",
        "awaiting classification",
    )
    [stored] = responses(admin)
    assert (stored["free_text"], stored["response"], stored["owner_id"]) == (
        "Looks fine to me, go ahead.",
        None,
        owner,
    )
    assert stored["responder_key"] == f"webhook:{webhook['id']}:ann@crm"
    assert interaction_of(admin, asked["batch_id"])["status"] == "pending"
