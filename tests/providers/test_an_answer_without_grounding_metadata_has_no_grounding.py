"""A grounded request answered without groundingMetadata (the model did not search, as
gemini-3.5-flash was seen to do with JSON output) gives the output with grounding None,
never an empty grounding that would pass for a search that found nothing; and without
search-result tokens."""

import asyncio

import pytest
from fakes.gemini_server import FakeGemini
from orchable.worker.providers.gemini import GeminiProvider

from .conftest import BOUND_SECONDS, KEY, make_request

pytestmark = pytest.mark.asyncio


@pytest.mark.parametrize("switch", ["behaviour", "server"])
async def test_an_answer_without_grounding_metadata_has_no_grounding(switch: str) -> None:
    with FakeGemini(grounded=switch != "server") as fake:
        if switch == "behaviour":
            fake.enqueue("ungrounded")
        provider = GeminiProvider(base_url=fake.url)
        request = make_request(model="gemini-3.5-flash", grounded_search=True)
        try:
            async with asyncio.timeout(BOUND_SECONDS):
                answer = await provider.generate(request, KEY)
                ungrounded_again = await provider.generate(request, KEY)
        finally:
            await provider.aclose()

    [*_, sent] = fake.requests
    assert sent.body["tools"] == [{"googleSearch": {}}]
    assert set(answer.output) == {"answer", "tags"}
    assert answer.grounding is None
    assert answer.usage.input_tokens < 120  # no toolUsePromptTokenCount
    # The switch is per request (behaviour) or for every request (server).
    assert (ungrounded_again.grounding is None) is (switch == "server")
