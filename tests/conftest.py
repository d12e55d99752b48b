"""Fixtures for the tests that need several real connections (pytest).

DATABASE_URL is the deployed database as the postgres role; ADMIN_DATABASE_URL the same
database as the cluster's superuser, which the tests use to set up users and to act as
any role the way PostgREST does (a transaction with `set_config('role', ...)` and the
request's JWT claims).
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
from pipelines import apply_pipeline, course_pipeline
from psycopg.rows import dict_row

ADMIN_URL = os.environ.get("ADMIN_DATABASE_URL", "")


def connect(autocommit: bool = True) -> psycopg.Connection:
    """A new connection as the cluster's superuser."""
    return psycopg.connect(ADMIN_URL, autocommit=autocommit, row_factory=dict_row)


@pytest.fixture(scope="session", autouse=True)
def _require_database() -> None:
    if not ADMIN_URL:
        pytest.exit("ADMIN_DATABASE_URL is not set: run the tests with `make test`", returncode=2)


@pytest.fixture
def admin() -> Iterator[psycopg.Connection]:
    with connect() as conn:
        yield conn


@pytest.fixture
def new_user(admin: psycopg.Connection):
    """Creates a user in auth.users and returns its id."""

    def create() -> uuid.UUID:
        user_id = uuid.uuid4()
        admin.execute(
            "insert into auth.users (id, email, role, aud)"
            " values (%s, %s, 'authenticated', 'authenticated')",
            (user_id, f"{user_id}@example.test"),
        )
        return user_id

    return create


@contextmanager
def acting_as(
    conn: psycopg.Connection, role: str, user_id: uuid.UUID | None = None
) -> Iterator[None]:
    """One PostgREST-style request: a transaction whose role and JWT claims are set local."""
    claims: dict[str, str] = {"role": role}
    if user_id is not None:
        claims["sub"] = str(user_id)
    with conn.transaction():
        conn.execute(
            "select set_config('search_path', 'public, extensions', true),"
            " set_config('role', %s, true), set_config('request.jwt.claims', %s, true)",
            (role, json.dumps(claims) if role != "orchable_worker" else ""),
        )
        yield


def seed_course_pipeline(
    conn: psycopg.Connection, owner_id: uuid.UUID, name: str = "course"
) -> uuid.UUID:
    """Outline (1:1) -> question (1:N over "questions") -> quiz (N:1 under "answers")."""
    return apply_pipeline(conn, course_pipeline(name, owner_id))
