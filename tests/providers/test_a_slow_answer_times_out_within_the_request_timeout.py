import asyncio
import time

import pytest
from fakes.common import FakeServer
from orchable.worker.providers.base import ErrorKind, Provider, ProviderError

from .conftest import BOUND_SECONDS, KEY, make_request

pytestmark = pytest.mark.asyncio


async def test_a_slow_answer_times_out_within_the_request_timeout(
    fake: FakeServer, provider: Provider
) -> None:
    fake.enqueue("slow")  # the fake sleeps 30 s
    started = time.monotonic()
    async with asyncio.timeout(BOUND_SECONDS):
        with pytest.raises(ProviderError) as raised:
            await provider.generate(make_request(timeout_seconds=0.5), KEY)

    assert raised.value.kind is ErrorKind.TIMEOUT
    assert 0.4 <= time.monotonic() - started < 1.5
