"""API keys: adding one for an owner, and reading its health back."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg


def add_key(
    conn: psycopg.Connection, owner: uuid.UUID, provider: str, secret: str, priority: int = 0
) -> uuid.UUID:
    """add_api_key for the owner, the key named after its secret; returns the key's id."""
    row = conn.execute(
        "select (public.add_api_key(p_provider => %s::text, p_api_key => %s::text,"
        " p_key_name => %s::text, p_priority => %s::integer, p_owner_id => %s::uuid)).id",
        (provider, secret, secret, priority, owner),
    ).fetchone()
    assert row is not None
    return row["id"]


def key_health(conn: psycopg.Connection, key_id: uuid.UUID) -> dict[str, Any]:
    """A key's api_key_health row, with how long it stays blocked (blocked_for, seconds)."""
    row = conn.execute(
        "select k.is_active, h.blocked_until, h.block_reason, h.consecutive_failures,"
        " h.total_calls, h.total_failures,"
        " extract(epoch from h.blocked_until - now())::float as blocked_for"
        " from public.user_api_keys as k join public.api_key_health as h"
        " on h.user_api_key_id = k.id where k.id = %s::uuid",
        (key_id,),
    ).fetchone()
    assert row is not None
    return row
