"""A grounded_search request to Gemini sends the Google Search tool with the schema, and
the answer's groundingMetadata comes back as its grounding: queries, sources, supports and
the search entry point; the search-result tokens count as input tokens."""

import asyncio

import pytest
from fakes.gemini_server import SEARCH_TOKENS, SOURCES, FakeGemini
from orchable.worker.providers.gemini import GeminiProvider

from .conftest import BOUND_SECONDS, KEY, SCHEMA, make_request

pytestmark = pytest.mark.asyncio


async def test_a_grounded_request_sends_the_google_search_tool_and_returns_the_grounding(
    gemini_fake: FakeGemini,
) -> None:
    provider = GeminiProvider(base_url=gemini_fake.url)
    request = make_request(model="gemini-3-flash-preview", grounded_search=True)
    try:
        async with asyncio.timeout(BOUND_SECONDS):
            answer = await provider.generate(request, KEY)
            plain = await provider.generate(make_request(model="gemini-3-flash-preview"), KEY)
    finally:
        await provider.aclose()

    sent, sent_plain = gemini_fake.requests
    assert sent.body["tools"] == [{"googleSearch": {}}]
    assert sent.body["generationConfig"]["responseJsonSchema"] == SCHEMA
    assert sent.body["generationConfig"]["responseMimeType"] == "application/json"
    assert "tools" not in sent_plain.body

    assert set(answer.output) == {"answer", "tags"}
    grounding = answer.grounding
    assert grounding is not None
    assert grounding.search_queries == ["What is the answer?"]
    assert grounding.sources == [{"uri": s["uri"], "title": s["title"]} for s in SOURCES]
    [support] = grounding.supports
    assert support["source_indices"] == [0, 1]
    assert support["confidence_scores"] == [0.95, 0.7]
    assert (support["start_index"], support["end_index"]) == (0, len(support["text"]))
    assert grounding.search_entry_point is not None
    assert grounding.search_entry_point.startswith("<style>")

    # The same prompt without search: no grounding, and SEARCH_TOKENS fewer input tokens.
    assert plain.grounding is None
    assert answer.usage.input_tokens == plain.usage.input_tokens + SEARCH_TOKENS
