"""Fixtures of the `orchable serve` tests: the server on the test's database (as its own
login), a webhook and a Slack endpoint of the owner's, and an interaction that asked both
(opened in the database, no worker needed)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from psycopg.types.json import Jsonb
from support.serve import RunningServe, add_endpoint, add_slack, new_secret, serve_url


@pytest.fixture
def serve(database) -> Iterator[RunningServe]:
    with RunningServe(serve_url(database)) as running:
        yield running


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10) as client:
        yield client


@pytest.fixture
def webhook(admin, owner) -> dict[str, Any]:
    """A webhook endpoint of the owner's: its id and signing secret."""
    secret = new_secret()
    row = add_endpoint(
        admin, owner, "webhook", "crm", p_url="https://crm.example.test/hooks", p_secret=secret
    )
    return {"id": row["id"], "secret": secret}


@pytest.fixture
def slack_endpoint(admin, owner) -> uuid.UUID:
    return add_slack(admin, owner)


@pytest.fixture
def asked(admin, owner, webhook, slack_endpoint) -> dict[str, Any]:
    """An approval asked through the webhook and Slack: batch_id, task_id, interaction_id."""
    row = admin.execute(
        "select * from tests.ask(%s, %s)",
        (owner, Jsonb({"type": "approval", "channels": ["webhook", "slack"], "timeout": "1 hour"})),
    ).fetchone()
    assert row is not None and row["interaction_id"] is not None
    return dict(row)
