"""Without a development user, the console takes only a valid access token: none, one
signed with another secret, an expired one, one for another audience or one that is not a
JWT get 401; a token of another role (service_role) gets 403; a valid one is its user.
A development console answers only on loopback names (DNS rebinding)."""

from __future__ import annotations

import time

import pytest
from support.console import console_client, token

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(60)]


async def test_a_bad_expired_or_missing_token_is_refused(console_url, owner, asked):
    async with console_client(console_url) as client:
        missing = await client.get("/api/batches")
        assert missing.status_code == 401 and missing.json()["code"] == "sign_in_required"

        for bad in (
            token(owner, secret="another-secret-of-at-least-thirty-two-chars"),
            token(owner, exp=int(time.time()) - 60),
            token(owner, aud="someone-else"),
            "not-a-jwt",
        ):
            refused = await client.get("/api/batches", headers={"Authorization": f"Bearer {bad}"})
            assert refused.status_code == 401, refused.text
            assert refused.json()["code"] in ("bad_token", "token_expired")

        service = await client.get(
            "/api/batches", headers={"Authorization": f"Bearer {token(owner, role='service_role')}"}
        )
        assert service.status_code == 403, service.text

        good = await client.get("/api/batches", headers={"Authorization": f"Bearer {token(owner)}"})
        assert good.status_code == 200, good.text
        assert [b["id"] for b in good.json()["batches"]] == [str(asked["batch_id"])]

    async with console_client(console_url, jwt_secret=None) as client:
        refused = await client.get(
            "/api/batches", headers={"Authorization": f"Bearer {token(owner)}"}
        )
        assert refused.status_code == 401 and refused.json()["code"] == "tokens_not_accepted"

    async with console_client(console_url, dev_user=owner) as client:
        dev = await client.get("/api/session")
        assert dev.status_code == 200 and dev.json() == {
            "user_id": str(owner),
            "email": None,
            "via": "dev",
            "read_only": False,
        }
        rebound = await client.get("/api/session", headers={"Host": "evil.example:8787"})
        assert rebound.status_code == 403 and rebound.json()["code"] == "host_not_allowed"


async def test_an_unknown_api_path_answers_json_404(console_url, owner):
    async with console_client(console_url, dev_user=owner) as client:
        missing = await client.get("/api/nothing/here")
        assert missing.status_code == 404 and missing.json()["code"] == "not_found"
