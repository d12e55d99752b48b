"""Users, made only through the SQL helper the pgTAP tests use (tests.create_user)."""

from __future__ import annotations

import uuid

import psycopg


def create_user(conn: psycopg.Connection) -> uuid.UUID:
    """A new user in auth.users, with an address of its own; returns its id."""
    row = conn.execute(
        "select tests.create_user(%s) as id", (f"{uuid.uuid4()}@example.test",)
    ).fetchone()
    assert row is not None
    return row["id"]
