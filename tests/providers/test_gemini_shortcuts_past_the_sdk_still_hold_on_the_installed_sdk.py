"""The Gemini provider reaches past google-genai's public API in two places (see the
module's docstring); this fails the day the installed SDK no longer lets either work."""

import asyncio
import json

import aiohttp
import pytest
from fakes.gemini_server import FakeGemini
from google import genai
from google.genai import types
from orchable.worker.providers import gemini
from orchable.worker.providers.base import LLMRequest, LLMResponse, Usage

from .conftest import BOUND_SECONDS, KEY, SCHEMA, make_request

pytestmark = pytest.mark.asyncio


async def test_gemini_shortcuts_past_the_sdk_still_hold_on_the_installed_sdk(
    gemini_fake: FakeGemini, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[object] = []

    def answers_in_at_once(model: object, key: object) -> bool:
        asked.append(key)
        return False

    monkeypatch.setattr(gemini._AnswersInAtOnce, "__contains__", answers_in_at_once)
    handed_back: list[types.GenerateContentResponse] = []
    to_response = gemini._to_response

    def keeping(response: types.GenerateContentResponse, request: LLMRequest) -> LLMResponse:
        handed_back.append(response)
        return to_response(response, request)

    monkeypatch.setattr(gemini, "_to_response", keeping)
    provider = gemini.GeminiProvider(base_url=gemini_fake.url)
    session = aiohttp.ClientSession()
    options = types.HttpOptions(
        base_url=gemini_fake.url, api_version="v1beta", aiohttp_client=session
    )
    plain = genai.Client(api_key=KEY, http_options=options)
    try:
        async with asyncio.timeout(BOUND_SECONDS):
            answer = await provider.generate(make_request(), KEY)
            await plain.aio.models.generate_content(
                model="gemini-2.5-flash",
                contents="What is the answer?",
                config=types.GenerateContentConfig(
                    system_instruction="Be terse.",
                    response_mime_type="application/json",
                    response_json_schema=SCHEMA,
                ),
            )
    finally:
        await provider.aclose()
        await plain.aio.aclose()
        await session.close()

    # The SDK still reads the request's fields by asking `in` of its models first (a walk
    # of every field on a plain model), and the request is the one the plain SDK sends.
    assert "text" not in types.Part(text="x")
    assert asked
    ours, theirs = gemini_fake.requests
    assert ours.body == theirs.body

    # The SDK still hands back the raw body, without parsing it into its models, and the
    # body read here gives what the SDK's own models would.
    [raw] = handed_back
    assert raw.candidates is None and raw.usage_metadata is None
    assert raw.sdk_http_response is not None and raw.sdk_http_response.body
    parsed = types.GenerateContentResponse.model_validate(json.loads(raw.sdk_http_response.body))
    assert parsed.text is not None and parsed.usage_metadata is not None
    usage = parsed.usage_metadata
    assert answer == LLMResponse(
        output=json.loads(parsed.text),
        usage=Usage(
            input_tokens=usage.prompt_token_count or 0,
            output_tokens=usage.candidates_token_count or 0,
            cached_tokens=usage.cached_content_token_count or 0,
            thoughts_tokens=usage.thoughts_token_count or 0,
            total_tokens=usage.total_token_count or 0,
        ),
        model=parsed.model_version or "",
        response_id=parsed.response_id,
    )
