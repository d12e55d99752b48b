"""Fixtures of the worker tests: the real providers against fake servers on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fakes.gemini_server import FakeGemini
from fakes.openai_server import FakeOpenAI
from support.workers import Real


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
