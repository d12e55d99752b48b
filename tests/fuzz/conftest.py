"""A module-scoped superuser connection (Hypothesis re-runs a test body many times within
one function-scoped fixture, so the fuzz tests use this one instead)."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from .harness import connect


@pytest.fixture(scope="module")
def db() -> Iterator[psycopg.Connection]:
    with connect() as conn:
        yield conn
