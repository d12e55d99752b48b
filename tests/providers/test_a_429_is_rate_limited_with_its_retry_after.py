import asyncio

import pytest
from fakes.common import FakeServer
from orchable.worker.providers.base import ErrorKind, Provider, ProviderError

from .conftest import BOUND_SECONDS, KEY, make_request

pytestmark = pytest.mark.asyncio


async def test_a_429_is_rate_limited_with_its_retry_after(
    fake: FakeServer, provider: Provider
) -> None:
    """Gemini carries it in RetryInfo.retryDelay ("3s"), OpenAI in the Retry-After header."""
    fake.enqueue("rate_limited", retry_after=3)
    async with asyncio.timeout(BOUND_SECONDS):
        with pytest.raises(ProviderError) as raised:
            await provider.generate(make_request(), KEY)
        with pytest.raises(ProviderError) as by_key:
            await provider.generate(make_request(), "key-rate-limited")

    assert raised.value.kind is ErrorKind.RATE_LIMITED
    assert raised.value.http_status == 429
    assert raised.value.retry_after_seconds == 3.0
    assert by_key.value.kind is ErrorKind.RATE_LIMITED
    assert by_key.value.retry_after_seconds == 7.0
    assert len(fake.requests) == 2  # no retries inside the provider
