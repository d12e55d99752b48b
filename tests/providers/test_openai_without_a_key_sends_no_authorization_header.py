import asyncio

import pytest
from fakes.openai_server import FakeOpenAI
from orchable.worker.providers.openai import OpenAIProvider

from .conftest import BOUND_SECONDS, make_request

pytestmark = pytest.mark.asyncio


async def test_openai_without_a_key_sends_no_authorization_header(openai_fake: FakeOpenAI) -> None:
    provider = OpenAIProvider(base_url=f"{openai_fake.url}/v1")
    try:
        async with asyncio.timeout(BOUND_SECONDS):
            await provider.generate(make_request(), None)
    finally:
        await provider.aclose()

    [sent] = openai_fake.requests
    assert "authorization" not in sent.headers
