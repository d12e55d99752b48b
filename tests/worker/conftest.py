"""Fixtures of the worker tests: a user of their own per test, with every other open batch
paused first (claim_tasks takes work from every batch), deleted afterwards; the real
providers against fake servers on 127.0.0.1."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from fakes.gemini_server import FakeGemini
from fakes.openai_server import FakeOpenAI

from .support import Real


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


@pytest.fixture(params=["gemini", "openai"])
def real(request: pytest.FixtureRequest) -> Iterator[Real]:
    """Each test once through google-genai against FakeGemini, once through httpx against
    FakeOpenAI."""
    fake = (
        FakeGemini(slow_seconds=5.0) if request.param == "gemini" else FakeOpenAI(slow_seconds=5.0)
    )
    with fake:
        yield Real(fake)


@pytest.fixture
def gemini() -> Iterator[Real]:
    """google-genai against FakeGemini."""
    with FakeGemini(slow_seconds=5.0) as fake:
        yield Real(fake)
