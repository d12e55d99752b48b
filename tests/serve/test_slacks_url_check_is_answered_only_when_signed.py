"""Slack checks an Events API Request URL with a `url_verification` challenge: serve echoes
the challenge when the request is signed with the endpoint's signing secret, refuses it
(401) otherwise, and stores neither: a check is not an answer."""

from __future__ import annotations

import json

from support.serve import responses, slack_signed


def test_slacks_url_check_is_answered_only_when_signed(admin, serve, http, slack_endpoint):
    body = json.dumps(
        {
            "type": "url_verification",
            "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
        }
    )
    url = f"{serve.url}/hooks/slack/{slack_endpoint}"
    json_type = {"content-type": "application/json"}

    echoed = http.post(url, content=body, headers={**json_type, **slack_signed(body)})
    refused = http.post(
        url, content=body, headers={**json_type, **slack_signed(body, secret="0" * 32)}
    )

    assert echoed.status_code == 200
    assert echoed.text == "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
    assert refused.status_code == 401
    assert responses(admin) == []
