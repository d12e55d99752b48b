import asyncio

import pytest
from fakes.openai_server import FakeOpenAI
from orchable.worker.providers.openai import OpenAIProvider

from .conftest import BOUND_SECONDS, KEY, SCHEMA, make_request

pytestmark = pytest.mark.asyncio


async def test_openai_sends_the_schema_as_a_json_schema_response_format(
    openai_fake: FakeOpenAI,
) -> None:
    provider = OpenAIProvider(base_url=f"{openai_fake.url}/v1")
    request = make_request(model="gpt-4o-mini", temperature=0.2, top_p=0.9, max_output_tokens=256)
    try:
        async with asyncio.timeout(BOUND_SECONDS):
            await provider.generate(request, KEY)
    finally:
        await provider.aclose()

    [sent] = openai_fake.requests
    assert sent.path == "/v1/chat/completions"
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    assert sent.body == {
        "model": "gpt-4o-mini",
        "messages": [
            {"role": "system", "content": "Be terse."},
            {"role": "user", "content": "What is the answer?"},
        ],
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "output", "schema": SCHEMA, "strict": False},
        },
        "temperature": 0.2,
        "top_p": 0.9,
        "max_tokens": 256,
    }
