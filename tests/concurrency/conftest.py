"""Fixtures of the concurrency tests. claim_tasks takes work from every batch, so each test
gets a user of its own and a queue holding only that user's work: any batch left running
by an earlier test is paused first, and the user's rows are deleted afterwards."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest


@pytest.fixture
def owner(admin: psycopg.Connection, new_user) -> Iterator[uuid.UUID]:
    admin.execute(
        "update public.task_batches"
        " set status = 'paused', status_reason = 'paused by tests/concurrency'"
        " where status in ('pending', 'processing')"
    )
    user_id = new_user()
    yield user_id
    admin.execute("delete from auth.users where id = %s", (user_id,))
