"""The offline provider clamps what a schema asks it to synthesise: `minItems: 1e9` gives
an array of MAX_ARRAY_ITEMS items, `minLength: 2e8` a string of MAX_STRING_LENGTH
characters, and arrays nested in arrays stop at MAX_VALUES values and MAX_TEXT_LENGTH
characters in all (past them, values are null and strings empty), instead of allocating
without bound."""

from __future__ import annotations

import asyncio
from typing import Any

from orchable.worker.providers.base import LLMRequest
from orchable.worker.providers.offline import (
    MAX_ARRAY_ITEMS,
    MAX_STRING_LENGTH,
    MAX_TEXT_LENGTH,
    MAX_VALUES,
    OfflineProvider,
)

HUGE = {
    "type": "object",
    "required": ["text", "texts", "grid"],
    "properties": {
        "text": {"type": "string", "minLength": 200_000_000},
        "texts": {
            "type": "array",
            "minItems": 1_000_000_000,
            "items": {"type": "string", "minLength": 200_000_000},
        },
        "grid": {
            "type": "array",
            "minItems": 1_000_000_000,
            "items": {"type": "array", "minItems": 1_000_000_000, "items": {"type": "integer"}},
        },
    },
}


def count(value: Any) -> tuple[int, int]:
    """Values other than null, and characters of strings, in the output (itself included)."""
    values, characters = int(value is not None), len(value) if isinstance(value, str) else 0
    children = (
        value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
    )
    for child in children:
        more_values, more_characters = count(child)
        values, characters = values + more_values, characters + more_characters
    return values, characters


def test_the_offline_provider_clamps_what_a_huge_min_items_or_min_length_asks_for():
    request = LLMRequest(prompt="p", model="offline", output_schema=HUGE, task_input={"q": "x"})
    output = asyncio.run(OfflineProvider().generate(request, None)).output

    assert len(output["text"]) == MAX_STRING_LENGTH
    assert len(output["texts"]) == MAX_ARRAY_ITEMS
    assert all(len(text) <= MAX_STRING_LENGTH for text in output["texts"])
    assert len(output["grid"]) <= MAX_ARRAY_ITEMS
    assert all(len(row) <= MAX_ARRAY_ITEMS for row in output["grid"] if row is not None)
    values, characters = count(output)
    assert values <= MAX_VALUES
    assert characters <= MAX_TEXT_LENGTH
    assert output["grid"][-1] is None  # the budget of values ran out in the grid
