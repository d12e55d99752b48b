"""A webhook answer signed with another secret is refused with 401, kept as filtered_out
with the reason (tied to no owner), and answers nothing."""

from __future__ import annotations

import json

from support.serve import interaction_of, new_secret, responses, webhook_signed


def test_a_webhook_answer_with_a_bad_signature_is_refused_and_kept_unverified(
    admin, serve, http, webhook, asked
):
    body = json.dumps(
        {"interaction_id": str(asked["interaction_id"]), "response": {"decision": "approve"}}
    ).encode()
    url = f"{serve.url}/hooks/endpoints/{webhook['id']}/answers"

    refused = http.post(url, content=body, headers=webhook_signed(new_secret(), body))

    assert refused.status_code == 401, refused.text
    assert refused.json()["status"] == "filtered_out"
    [stored] = responses(admin)
    assert stored["status"] == "filtered_out"
    assert stored["reason"] == "not verified: No matching signature found"
    assert stored["owner_id"] is None
    assert json.loads(body) == stored["raw_payload"]
    assert interaction_of(admin, asked["batch_id"])["status"] == "pending"

    # The same body signed with the endpoint's secret is taken.
    taken = http.post(url, content=body, headers=webhook_signed(webhook["secret"], body))
    assert taken.status_code == 200, taken.text
    assert interaction_of(admin, asked["batch_id"])["status"] == "responded"
