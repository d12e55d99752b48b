import asyncio

import pytest
from fakes.common import FakeServer
from orchable.worker.providers.base import ErrorKind, Provider, ProviderError

from .conftest import BOUND_SECONDS, KEY, make_request

pytestmark = pytest.mark.asyncio


async def test_a_500_is_a_server_error_and_is_not_retried_by_the_provider(
    fake: FakeServer, provider: Provider
) -> None:
    fake.enqueue("server_error")
    async with asyncio.timeout(BOUND_SECONDS):
        with pytest.raises(ProviderError) as raised:
            await provider.generate(make_request(), KEY)

    assert raised.value.kind is ErrorKind.SERVER_ERROR
    assert raised.value.http_status == 500
    assert len(fake.requests) == 1
