import asyncio

import jsonschema
import pytest
from fakes.common import FakeServer
from orchable.worker.providers.base import Provider

from .conftest import BOUND_SECONDS, KEY, SCHEMA, make_request

pytestmark = pytest.mark.asyncio


async def test_json_that_breaks_the_schema_is_returned_for_the_worker_to_judge(
    fake: FakeServer, provider: Provider
) -> None:
    """Providers only parse JSON; the worker validates the schema with jsonschema."""
    fake.enqueue("schema_breaking")
    async with asyncio.timeout(BOUND_SECONDS):
        response = await provider.generate(make_request(), KEY)

    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(response.output, SCHEMA)
