import asyncio

import pytest
from fakes.common import FakeServer
from orchable.worker.providers.base import ErrorKind, Provider, ProviderError

from .conftest import BOUND_SECONDS, KEY, make_request

pytestmark = pytest.mark.asyncio


async def test_text_that_is_not_json_is_invalid_output(
    fake: FakeServer, provider: Provider
) -> None:
    fake.enqueue("not_json")
    async with asyncio.timeout(BOUND_SECONDS):
        with pytest.raises(ProviderError) as raised:
            await provider.generate(make_request(), KEY)

    assert raised.value.kind is ErrorKind.INVALID_OUTPUT
