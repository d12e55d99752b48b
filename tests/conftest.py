"""The fixtures every test shares (tests/support/ holds what they are made of).

A test that needs a database gets one of its own: `database`, a clone of the deployed
database with the test helpers, dropped after the test. `admin` is a connection to it as
the cluster's superuser, `owner` a user made in it, `worker_url` the worker login's URL.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from support.databases import Clones, Database, connect
from support.users import create_user


@pytest.fixture(scope="session")
def shared_database() -> Database:
    """The deployed database, which every test may read and none may change for good."""
    database = Database.from_environ(os.environ)
    if database is None:
        pytest.exit(
            "ADMIN_DATABASE_URL, DATABASE_URL and WORKER_DATABASE_URL are not all set:"
            " run the tests with `make test-py` (scripts/test.sh pytest)",
            returncode=2,
        )
    return database


@pytest.fixture(scope="session")
def clones(shared_database: Database) -> Iterator[Clones]:
    template_url = os.environ.get("TEMPLATE_DATABASE_URL", "")
    if not template_url:
        pytest.exit(
            "TEMPLATE_DATABASE_URL is not set: run the tests with `make test-py`"
            " (scripts/test.sh pytest)",
            returncode=2,
        )
    made = Clones(template_url, shared_database)
    yield made
    made.close()


@pytest.fixture
def database(clones: Clones) -> Iterator[Database]:
    """A database of the test's own: claim_tasks takes work from every batch, so a test
    sees only its own work, and nothing it leaves behind reaches another test."""
    with clones.clone() as own:
        yield own


@pytest.fixture
def admin(database: Database) -> Iterator[psycopg.Connection]:
    """The test's database as the cluster's superuser."""
    with connect(database.admin_url) as conn:
        yield conn


@pytest.fixture
def owner(admin: psycopg.Connection) -> uuid.UUID:
    """A user of the test's database, who owns what the test makes."""
    return create_user(admin)


@pytest.fixture
def worker_url(database: Database) -> str:
    """The test's database as orchable_worker_login, the login the worker uses."""
    return database.worker_url
