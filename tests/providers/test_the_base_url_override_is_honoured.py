import asyncio

import pytest
from fakes.common import FakeServer
from fakes.gemini_server import FakeGemini

from .conftest import BOUND_SECONDS, KEY, make_request, provider_for

pytestmark = pytest.mark.asyncio


async def test_the_base_url_override_is_honoured(fake: FakeServer) -> None:
    provider = provider_for(fake, url=f"{fake.url}/proxy/")
    try:
        async with asyncio.timeout(BOUND_SECONDS):
            await provider.generate(make_request(), KEY)
    finally:
        await provider.aclose()

    [sent] = fake.requests
    if isinstance(fake, FakeGemini):
        assert sent.path == "/proxy/v1beta/models/gemini-2.5-flash:generateContent"
    else:
        assert sent.path == "/proxy/chat/completions"
