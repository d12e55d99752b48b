"""A grounded_search request without an output schema (the search of a two-pass grounded
task) asks for no JSON, which Gemini 2.x refuses with the search tool, and its output is
the answer's text, with the grounding."""

import asyncio

import pytest
from fakes.gemini_server import SOURCES, FakeGemini
from orchable.worker.providers.gemini import GeminiProvider

from .conftest import BOUND_SECONDS, KEY, make_request

pytestmark = pytest.mark.asyncio


async def test_a_grounded_request_without_a_schema_asks_for_prose_and_returns_its_text(
    gemini_fake: FakeGemini,
) -> None:
    provider = GeminiProvider(base_url=gemini_fake.url)
    request = make_request(model="gemini-2.5-flash", output_schema=None, grounded_search=True)
    try:
        async with asyncio.timeout(BOUND_SECONDS):
            answer = await provider.generate(request, KEY)
    finally:
        await provider.aclose()

    [sent] = gemini_fake.requests
    assert sent.body["tools"] == [{"googleSearch": {}}]
    assert "responseMimeType" not in sent.body.get("generationConfig", {})
    assert isinstance(answer.output, str)
    assert answer.output.startswith("The sources found answer it")
    assert answer.grounding is not None
    assert [s["uri"] for s in answer.grounding.sources] == [s["uri"] for s in SOURCES]
