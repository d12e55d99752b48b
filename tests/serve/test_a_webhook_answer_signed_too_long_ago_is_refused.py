"""A webhook answer whose signature's timestamp is older than Standard Webhooks' five
minutes of tolerance is refused with 401 and answers nothing, though its signature is
the endpoint's: a captured request cannot be replayed later."""

from __future__ import annotations

import json
import time

from support.serve import interaction_of, responses, webhook_signed


def test_a_webhook_answer_signed_too_long_ago_is_refused(admin, serve, http, webhook, asked):
    body = json.dumps(
        {"interaction_id": str(asked["interaction_id"]), "response": {"decision": "approve"}}
    ).encode()
    headers = webhook_signed(webhook["secret"], body, at=time.time() - 6 * 60)

    refused = http.post(
        f"{serve.url}/hooks/endpoints/{webhook['id']}/answers", content=body, headers=headers
    )

    assert refused.status_code == 401, refused.text
    [stored] = responses(admin)
    assert (stored["status"], stored["reason"]) == (
        "filtered_out",
        "not verified: Message timestamp too old",
    )
    assert interaction_of(admin, asked["batch_id"])["status"] == "pending"
