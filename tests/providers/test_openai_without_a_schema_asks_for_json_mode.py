import asyncio

import pytest
from fakes.openai_server import FakeOpenAI
from orchable.worker.providers.openai import OpenAIProvider

from .conftest import BOUND_SECONDS, KEY, make_request

pytestmark = pytest.mark.asyncio


async def test_openai_without_a_schema_asks_for_json_mode(openai_fake: FakeOpenAI) -> None:
    provider = OpenAIProvider(base_url=f"{openai_fake.url}/v1")
    try:
        async with asyncio.timeout(BOUND_SECONDS):
            response = await provider.generate(make_request(output_schema=None), KEY)
    finally:
        await provider.aclose()

    assert isinstance(response.output, dict)
    [sent] = openai_fake.requests
    assert sent.body["response_format"] == {"type": "json_object"}
