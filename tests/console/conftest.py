"""Fixtures of the console's tests: two users with an approval each waiting (opened in the
database, no worker needed), and the console's login URL on the test's database."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from support.console import ask
from support.serve import serve_url
from support.users import create_user


@pytest.fixture
def console_url(database) -> str:
    """The test's database as orchable_serve_login: the console runs on serve's pool."""
    return serve_url(database)


@pytest.fixture
def asked(admin, owner) -> dict[str, Any]:
    """An approval the owner is asked."""
    return ask(admin, owner, {"type": "approval", "channels": ["in_app"]})


@pytest.fixture
def stranger(admin) -> uuid.UUID:
    return create_user(admin)


@pytest.fixture
def stranger_asked(admin, stranger) -> dict[str, Any]:
    """An approval another user is asked, about their own batch."""
    return ask(admin, stranger, {"type": "approval", "channels": ["in_app"]})
