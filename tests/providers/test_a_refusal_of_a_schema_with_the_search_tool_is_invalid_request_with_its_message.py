"""Gemini 2.x refuses a response schema together with the search tool with a 400: the
provider classifies it invalid_request, keeps its message, and the worker's helper
recognises it as that refusal (to search and judge in two calls), and no other 400."""

import asyncio

import pytest
from fakes.gemini_server import REFUSED_SCHEMA_WITH_SEARCH, FakeGemini
from orchable.worker.providers.base import ErrorKind, ProviderError
from orchable.worker.providers.errors import refuses_schema_with_search
from orchable.worker.providers.gemini import GeminiProvider

from .conftest import BOUND_SECONDS, KEY, make_request

pytestmark = pytest.mark.asyncio


async def test_a_refusal_of_a_schema_with_the_search_tool_is_invalid_request_with_its_message(
    gemini_fake: FakeGemini,
) -> None:
    provider = GeminiProvider(base_url=gemini_fake.url)
    try:
        async with asyncio.timeout(BOUND_SECONDS):
            with pytest.raises(ProviderError) as refused:
                await provider.generate(make_request(grounded_search=True), KEY)
            gemini_fake.enqueue("invalid_request")
            with pytest.raises(ProviderError) as malformed:
                await provider.generate(make_request(grounded_search=True), KEY)
            # The same schema without search, and search without a schema, are taken.
            await provider.generate(make_request(), KEY)
            await provider.generate(make_request(output_schema=None, grounded_search=True), KEY)
    finally:
        await provider.aclose()

    assert gemini_fake.requests[0].body["tools"] == [{"googleSearch": {}}]
    error = refused.value
    assert (error.kind, error.http_status) == (ErrorKind.INVALID_REQUEST, 400)
    assert REFUSED_SCHEMA_WITH_SEARCH in error.message
    assert refuses_schema_with_search(error)

    assert malformed.value.kind is ErrorKind.INVALID_REQUEST
    assert not refuses_schema_with_search(malformed.value)
    assert not refuses_schema_with_search(
        ProviderError(ErrorKind.SERVER_ERROR, REFUSED_SCHEMA_WITH_SEARCH, 500)
    )
