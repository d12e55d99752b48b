"""The offline provider is deterministic (same schema and input, same output), fills
required fields by type (strings from the input, integers within bounds, arrays of 3
items, nested objects, the first enum value), and its output matches the schema."""

from __future__ import annotations

import asyncio

from orchable.worker.providers.base import LLMRequest
from orchable.worker.providers.offline import OfflineProvider
from orchable.worker.validation import output_error

SCHEMA = {
    "type": "object",
    "required": ["title", "level", "score", "sections"],
    "properties": {
        "title": {"type": "string", "maxLength": 40},
        "level": {"enum": ["beginner", "expert"]},
        "score": {"type": "integer", "minimum": 1, "maximum": 5},
        "sections": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["heading", "meta"],
                "properties": {
                    "heading": {"type": "string"},
                    "meta": {"type": "object", "required": ["done"],
                             "properties": {"done": {"type": "boolean"}}},
                },
            },
        },
    },
}  # fmt: skip


def generate(task_input) -> object:
    request = LLMRequest(prompt="p", model="offline", output_schema=SCHEMA, task_input=task_input)
    return asyncio.run(OfflineProvider().generate(request, None)).output


def test_the_offline_provider_synthesises_the_same_valid_output_for_the_same_input():
    first = generate({"topic": "Roman roads"})
    assert first == generate({"topic": "Roman roads"})
    assert first != generate({"topic": "Greek temples"})
    assert output_error(first, SCHEMA) is None
    assert first["level"] == "beginner"
    assert 1 <= first["score"] <= 5
    assert len(first["sections"]) == 3
    assert "Roman roads" in first["sections"][0]["heading"]
