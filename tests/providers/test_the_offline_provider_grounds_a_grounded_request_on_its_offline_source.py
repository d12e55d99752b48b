"""The offline provider searches nothing, yet answers a grounded request with the same
synthetic grounding every time: one source, https://example.test/offline, whose title says
it is offline; in prose without a schema. A request that does not search has none."""

import pytest
from orchable.worker.providers.offline import OfflineProvider

from .conftest import SCHEMA, make_request

pytestmark = pytest.mark.asyncio


async def test_the_offline_provider_grounds_a_grounded_request_on_its_offline_source() -> None:
    provider = OfflineProvider()
    task_input = {"question": "iphone release"}
    judged = await provider.generate(
        make_request(model="offline", grounded_search=True, task_input=task_input), None
    )
    again = await provider.generate(
        make_request(model="offline", grounded_search=True, task_input=task_input), None
    )
    prose = await provider.generate(
        make_request(
            model="offline", output_schema=None, grounded_search=True, task_input=task_input
        ),
        None,
    )
    plain = await provider.generate(make_request(model="offline", task_input=task_input), None)

    assert judged == again
    assert set(judged.output) == set(SCHEMA["properties"])
    assert judged.grounding is not None
    [source] = judged.grounding.sources
    assert source["uri"] == "https://example.test/offline"
    assert "offline" in source["title"]
    assert judged.grounding.search_queries and judged.grounding.supports
    assert isinstance(prose.output, str) and "https://example.test/offline" in prose.output
    assert prose.grounding is not None and prose.grounding.sources == [source]
    assert plain.grounding is None
