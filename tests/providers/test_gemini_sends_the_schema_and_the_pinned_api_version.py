import asyncio

import pytest
from fakes.gemini_server import FakeGemini
from orchable.worker.providers.gemini import GeminiProvider

from .conftest import BOUND_SECONDS, KEY, SCHEMA, make_request

pytestmark = pytest.mark.asyncio


async def test_gemini_sends_the_schema_and_the_pinned_api_version(gemini_fake: FakeGemini) -> None:
    provider = GeminiProvider(base_url=gemini_fake.url)
    request = make_request(temperature=0.2, top_p=0.9, top_k=40, max_output_tokens=256)
    try:
        async with asyncio.timeout(BOUND_SECONDS):
            await provider.generate(request, KEY)
    finally:
        await provider.aclose()

    [sent] = gemini_fake.requests
    assert sent.path == "/v1beta/models/gemini-2.5-flash:generateContent"
    assert sent.headers["x-goog-api-key"] == KEY
    assert sent.body["systemInstruction"]["parts"] == [{"text": "Be terse."}]
    assert sent.body["generationConfig"] == {
        "temperature": 0.2,
        "topP": 0.9,
        "topK": 40,
        "maxOutputTokens": 256,
        "responseMimeType": "application/json",
        "responseJsonSchema": SCHEMA,
    }
