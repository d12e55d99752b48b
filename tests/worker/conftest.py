"""Fixtures of the worker tests: a user of their own per test, with every other open batch
paused first (claim_tasks takes work from every batch), deleted afterwards."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import psycopg
import pytest


@pytest.fixture(scope="session")
def worker_url() -> str:
    url = os.environ.get("WORKER_DATABASE_URL", "")
    if not url:
        pytest.skip("WORKER_DATABASE_URL is not set (scripts/db.sh worker-url DB)")
    return url


@pytest.fixture
def owner(admin: psycopg.Connection, new_user) -> Iterator[uuid.UUID]:
    admin.execute(
        "update public.task_batches"
        " set status = 'paused', status_reason = 'paused by tests/worker'"
        " where status in ('pending', 'processing')"
    )
    user_id = new_user()
    yield user_id
    admin.execute("delete from public.user_api_keys where owner_id = %s", (user_id,))
    admin.execute("delete from auth.users where id = %s", (user_id,))
