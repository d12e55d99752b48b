import asyncio

import pytest
from fakes.common import FakeServer
from orchable.worker.providers.base import ErrorKind, Provider, ProviderError

from .conftest import BOUND_SECONDS, make_request

pytestmark = pytest.mark.asyncio


async def test_an_invalid_key_is_invalid_key_and_never_shown(
    fake: FakeServer, provider: Provider
) -> None:
    """Gemini answers 400 with reason API_KEY_INVALID, OpenAI 401."""
    async with asyncio.timeout(BOUND_SECONDS):
        with pytest.raises(ProviderError) as raised:
            await provider.generate(make_request(), "key-invalid")

    assert raised.value.kind is ErrorKind.INVALID_KEY
    assert raised.value.http_status in (400, 401)
    assert "key-invalid" not in str(raised.value)
