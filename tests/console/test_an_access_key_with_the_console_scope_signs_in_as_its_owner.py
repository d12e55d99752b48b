"""One of a user's access keys made with the console scope signs the console in as that
user (row-level security then shows their rows only, and their changes are allowed); a
key that may only launch a webhook trigger, a revoked key and a made-up one get 401."""

from __future__ import annotations

import uuid

import psycopg
import pytest
from support.console import CHANGE, console_client

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(60)]


def make_key(admin: psycopg.Connection, owner: uuid.UUID, *scopes: str) -> tuple[uuid.UUID, str]:
    row = admin.execute(
        "select id, key from public.create_access_key('wall screen', %s, %s)",
        (list(scopes), owner),
    ).fetchone()
    assert row is not None
    return row["id"], row["key"]


def signed_in(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def test_an_access_key_with_the_console_scope_signs_in_as_its_owner(
    admin, console_url, owner, asked, stranger_asked
):
    key_id, key = make_key(admin, owner, "console")
    _, webhook_key = make_key(admin, owner, "trigger_webhook")

    async with console_client(console_url) as client:
        session = await client.get("/api/session", headers=signed_in(key))
        assert session.status_code == 200, session.text
        assert session.json()["user_id"] == str(owner) and session.json()["via"] == "key"

        listed = await client.get("/api/batches", headers=signed_in(key))
        assert [b["id"] for b in listed.json()["batches"]] == [str(asked["batch_id"])]
        theirs_url = f"/api/batches/{stranger_asked['batch_id']}"
        theirs = await client.get(theirs_url, headers=signed_in(key))
        assert theirs.status_code == 404

        paused = await client.post(
            f"/api/batches/{asked['batch_id']}/pause", headers={**signed_in(key), **CHANGE}
        )
        assert paused.status_code == 200, paused.text
        status = admin.execute(
            "select status from public.task_batches where id = %s", (asked["batch_id"],)
        ).fetchone()
        assert status is not None and status["status"] == "paused"

        for refused_key in (webhook_key, key + "x", "orch_made-up"):
            refused = await client.get("/api/batches", headers=signed_in(refused_key))
            assert refused.status_code == 401, refused.text
            assert refused.json()["code"] == "bad_key"

        admin.execute("select public.revoke_access_key(%s)", (key_id,))
        revoked = await client.get("/api/batches", headers=signed_in(key))
        assert revoked.status_code == 401 and revoked.json()["code"] == "bad_key"

    used = admin.execute(
        "select last_used_at from public.access_keys where id = %s", (key_id,)
    ).fetchone()
    assert used is not None and used["last_used_at"] is not None
