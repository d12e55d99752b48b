"""Fixtures: each test runs against both providers, through the real SDK / httpx, against
a fake server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import pytest_asyncio
from fakes.common import FakeServer
from fakes.gemini_server import FakeGemini
from fakes.openai_server import FakeOpenAI
from orchable.worker.providers.base import LLMRequest, Provider
from orchable.worker.providers.gemini import GeminiProvider
from orchable.worker.providers.openai import OpenAIProvider

BOUND_SECONDS = 10.0  # no test may take longer than this
KEY = "test-key-0123456789"
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "answer": {"type": "integer"},
        "tags": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["answer", "tags"],
}


def make_request(**changes: Any) -> LLMRequest:
    fields: dict[str, Any] = {
        "prompt": "What is the answer?",
        "model": "gemini-2.5-flash",
        "output_schema": SCHEMA,
        "system_instruction": "Be terse.",
        "timeout_seconds": 5.0,
    }
    return LLMRequest(**{**fields, **changes})


def provider_for(fake: FakeServer, url: str | None = None) -> Provider:
    if isinstance(fake, FakeGemini):
        return GeminiProvider(base_url=url or fake.url)
    return OpenAIProvider(base_url=url or f"{fake.url}/v1")


@pytest.fixture
def gemini_fake() -> Iterator[FakeGemini]:
    with FakeGemini() as fake:
        yield fake


@pytest.fixture
def openai_fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


@pytest.fixture(params=["gemini", "openai"])
def fake(request: pytest.FixtureRequest) -> Iterator[FakeServer]:
    server = FakeGemini() if request.param == "gemini" else FakeOpenAI()
    with server:
        yield server


@pytest_asyncio.fixture
async def provider(fake: FakeServer) -> AsyncIterator[Provider]:
    built = provider_for(fake)
    yield built
    await built.aclose()
