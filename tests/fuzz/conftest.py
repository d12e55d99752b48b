"""A module-scoped superuser connection to the shared database (Hypothesis re-runs a test
body many times within one function-scoped fixture, so the fuzz tests use this one instead;
each example rolls back what it did)."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from support.databases import Database, connect


@pytest.fixture(scope="module")
def db(shared_database: Database) -> Iterator[psycopg.Connection]:
    with connect(shared_database.admin_url) as conn:
        yield conn
