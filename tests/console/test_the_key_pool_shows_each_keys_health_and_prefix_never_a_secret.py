"""The keys screen's API shows the signed-in user's provider keys per provider: the masked
prefix, whether each is ready, cooling down (until when, why) or switched off, its failures
in a row, its calls and failures of the last 24 hours, never the key nor its ciphertext;
another user's keys are not shown."""

from __future__ import annotations

import datetime as dt

import pytest
from support.console import bearer, console_client
from support.monitors import record_call
from support.pipelines import single_stage
from support.tasks import launch

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(60)]

SECRETS = {
    "ready": "AIzaSy-console-ready-key-0000000001",
    "blocked": "AIzaSy-console-blocked-key-000000002",
    "dead": "sk-console-invalid-key-0000000000003",
    "theirs": "AIzaSy-console-their-key-0000000004",
}


def add(admin, owner, provider: str, secret: str, name: str):
    row = admin.execute(
        "select (public.add_api_key(p_provider => %s, p_api_key => %s, p_key_name => %s,"
        " p_owner_id => %s)).id",
        (provider, secret, name, owner),
    ).fetchone()
    return row["id"]


async def test_the_key_pool_shows_each_keys_health_and_prefix_never_a_secret(
    admin, console_url, owner, stranger
):
    ready = add(admin, owner, "gemini", SECRETS["ready"], "main")
    blocked = add(admin, owner, "gemini", SECRETS["blocked"], "spare")
    dead = add(admin, owner, "openai", SECRETS["dead"], "old")
    add(admin, stranger, "gemini", SECRETS["theirs"], "theirs")
    admin.execute(
        "select public.report_api_key_result(%s, 'rate_limited', 120, '429: quota')", (blocked,)
    )
    admin.execute("select public.report_api_key_result(%s, 'invalid_key', null, '401')", (dead,))
    batch = launch(admin, owner, single_stage(admin, owner, "one"), [{"question": "a"}])["id"]
    now = admin.execute("select now() as now").fetchone()["now"]
    record_call(admin, batch, model="m", cost_usd=0, at=now, api_key_id=ready)
    record_call(
        admin, batch, model="m", cost_usd=0, at=now, api_key_id=blocked, outcome="rate_limited"
    )
    record_call(
        admin,
        batch,
        model="m",
        cost_usd=0,
        at=now - dt.timedelta(days=2),
        api_key_id=blocked,
        outcome="rate_limited",
    )

    async with console_client(console_url) as client:
        answer = await client.get("/api/keys", headers=bearer(owner))
        assert answer.status_code == 200, answer.text
        keys = {k["key_name"]: k for k in answer.json()["keys"]}
        assert set(keys) == {"main", "spare", "old"}
        assert [k["provider"] for k in answer.json()["keys"]] == ["gemini", "gemini", "openai"]

        assert keys["main"]["status"] == "ready"
        assert (keys["main"]["calls_24h"], keys["main"]["failures_24h"]) == (1, 0)
        assert keys["main"]["key_prefix"] == SECRETS["ready"][:4] + "…" + SECRETS["ready"][-4:]

        spare = keys["spare"]
        assert (spare["status"], spare["block_reason"]) == ("blocked", "rate_limited")
        assert spare["blocked_until"] is not None and spare["consecutive_failures"] == 1
        assert (spare["calls_24h"], spare["failures_24h"]) == (1, 1)
        assert spare["last_failure_at"] is not None

        assert keys["old"]["status"] == "inactive" and keys["old"]["is_active"] is False

        text = answer.text
        ciphertexts = [
            r["api_key_encrypted"]
            for r in admin.execute("select api_key_encrypted from public.user_api_keys")
        ]
        for secret in SECRETS.values():
            assert secret not in text and secret[4:-4] not in text
        for ciphertext in ciphertexts:
            assert ciphertext.split(":", 1)[1][:40] not in text
        assert "api_key_encrypted" not in text
