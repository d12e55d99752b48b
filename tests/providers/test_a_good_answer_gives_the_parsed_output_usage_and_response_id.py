import asyncio

import jsonschema
import pytest
from orchable.worker.providers.base import Provider

from .conftest import BOUND_SECONDS, KEY, SCHEMA, make_request

pytestmark = pytest.mark.asyncio


async def test_a_good_answer_gives_the_parsed_output_usage_and_response_id(
    provider: Provider,
) -> None:
    async with asyncio.timeout(BOUND_SECONDS):
        response = await provider.generate(make_request(), KEY)

    jsonschema.validate(response.output, SCHEMA)
    assert response.response_id
    assert response.model == "gemini-2.5-flash"
    usage = response.usage
    assert usage.input_tokens > 0 and usage.output_tokens > 0
    assert usage.total_tokens == usage.input_tokens + usage.output_tokens + usage.thoughts_tokens
