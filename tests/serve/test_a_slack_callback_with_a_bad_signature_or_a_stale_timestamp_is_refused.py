"""A Slack interactivity callback signed with another signing secret, or whose timestamp is
more than five minutes old, is refused with 401, kept as filtered_out with the reason, and
answers nothing; one signed now with the endpoint's secret is taken."""

from __future__ import annotations

import time

import pytest
from support.serve import interaction_of, responses, slack_click, slack_signed
from support.workers import wait_for

FORM = {"content-type": "application/x-www-form-urlencoded"}


@pytest.mark.parametrize(
    ("signed", "reason"),
    [
        (
            lambda body: slack_signed(body, secret="0" * 32),
            "not verified: the signature does not verify",
        ),
        (
            lambda body: slack_signed(body, at=time.time() - 6 * 60),
            "not verified: stale timestamp",
        ),
    ],
    ids=["bad signature", "stale timestamp"],
)
def test_a_slack_callback_with_a_bad_signature_or_a_stale_timestamp_is_refused(
    admin, serve, http, slack_endpoint, asked, signed, reason
):
    url = f"{serve.url}/hooks/slack/{slack_endpoint}"
    body = slack_click(
        asked["interaction_id"],
        {
            "interaction_id": str(asked["interaction_id"]),
            "decision": "approve",
        },
    )

    refused = http.post(url, content=body, headers={**FORM, **signed(body)})

    assert refused.status_code == 401, refused.text
    wait_for(lambda: [r["status"] for r in responses(admin)] == ["filtered_out"])
    [stored] = responses(admin)
    assert stored["reason"].startswith(reason), stored["reason"]
    assert stored["owner_id"] is None
    assert interaction_of(admin, asked["batch_id"])["status"] == "pending"

    taken = http.post(url, content=body, headers={**FORM, **slack_signed(body)})
    assert taken.status_code == 200, taken.text
    wait_for(lambda: interaction_of(admin, asked["batch_id"])["status"] == "responded")
