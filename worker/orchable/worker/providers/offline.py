"""`offline`: a provider that calls no model. It synthesises a deterministic output from
the stage's `output_schema` and the task's input (same schema + input -> same output),
for the demo, tests and benchmarks. It reads as content a person can follow and agrees with
its input: "Question 2 on owls.", a title passed down kept, a count of the input's list its
length (a quiz of three questions says three). A worker offers it only when started to (`orchable
worker --offline`), and uses it only when a stage (or the worker's default) names it: it
never stands in for a real provider.

The schema is a pipeline author's, so what it asks for is clamped: an array has at most
MAX_ARRAY_ITEMS items and a string at most MAX_STRING_LENGTH characters, whatever
`minItems` and `minLength` say (the output then breaks the schema, as a model's could), and
one output holds at most MAX_VALUES values and MAX_TEXT_LENGTH characters of strings in all
(nested arrays multiply): past them, values are null and strings empty. A synthesis runs
on the event loop only while it stays within ON_LOOP_VALUES values and ON_LOOP_TEXT_LENGTH
characters, which costs less than the hop to a thread (about 90 us of the worker's CPU, 40%
more for a no-op task of bench/queue_overhead.py); one that would not is thrown away and
done again in a thread, off the loop (orchable.cpu).

It searches nothing, yet takes grounded_search requests so that grounded stages (monitors)
run offline: each answer carries the same synthetic grounding, one search query (the
start of the prompt) and one source, OFFLINE_SOURCE, whose title says it is offline. A
grounded request without output_schema is answered in prose, as a real one would be.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
import re
from typing import Any

from orchable.worker import cpu
from orchable.worker.providers.base import Grounding, LLMRequest, LLMResponse, Usage

ARRAY_ITEMS = 3  # items of an array whose schema asks for no number
MAX_ARRAY_ITEMS = 100
MAX_STRING_LENGTH = 10_000
MAX_VALUES = 10_000
MAX_TEXT_LENGTH = 1_000_000
ON_LOOP_VALUES = 100
ON_LOOP_TEXT_LENGTH = 10_000
_MAX_DEPTH = 8
OFFLINE_SOURCE = {
    "uri": "https://example.test/offline",
    "title": "offline: no web search was made (orchable's offline provider)",
}


def _digest(*parts: Any) -> str:
    text = json.dumps(parts, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def _derive(seed: str, path: str) -> str:
    """A digest of the seed and a path: cheaper than _digest, which encodes JSON first."""
    return hashlib.blake2b(f"{seed}|{path}".encode(), digest_size=8).hexdigest()


def _first_text(value: Any) -> str | None:
    """The first string in the input (depth first), to make strings read like the input."""
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, dict):
        for key in sorted(value):
            found = _first_text(value[key])
            if found:
                return found
    if isinstance(value, list):
        for item in value:
            found = _first_text(item)
            if found:
                return found
    return None


# Input keys that name what a task is about, looked at first; then the first text found.
_TOPIC_KEYS = ("topic", "title", "subject", "name", "question", "query", "text")
# An integer named after a list of the input counts it: question_count, number_of_items...
_COUNT_PATTERN = re.compile(
    r"^(?:(?P<a>\w+?)_count|(?:count|number|num|total)_(?:of_)?(?P<b>\w+))$"
)


# Names of a field that states what a task is about: one the input gives is copied.
_SUBJECT_FIELDS = ("question", "text", "title", "name")


def _topic(task_input: Any) -> str:
    """What a task is about: a split's item first, then a topic key, then any text."""
    if isinstance(task_input, dict):
        item = _first_text(task_input.get("item"))
        if item:
            return item.rstrip(".")
        for key in _TOPIC_KEYS:
            value = task_input.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip().rstrip(".")
    return (_first_text(task_input) or "the input").rstrip(".")


def _given(task_input: Any, name: str) -> str | None:
    """The text the input gives for an output field of that name (a title passed down, a
    split's item), so that a stage's output agrees with its input."""
    if not isinstance(task_input, dict):
        return None
    for source in (task_input, task_input.get("item")):
        if isinstance(source, dict) and isinstance(source.get(name), str) and source[name]:
            return str(source[name])
    if name in _SUBJECT_FIELDS:
        return _first_text(task_input.get("item"))
    return None


def _counted(task_input: Any, name: str) -> int | None:
    """How many items the input's list that `name` counts holds (question_count: the
    length of "questions"), or None."""
    match = _COUNT_PATTERN.match(name)
    if match is None or not isinstance(task_input, dict):
        return None
    noun = match.group("a") or match.group("b")
    for key in (noun, f"{noun}s", noun.removesuffix("s")):
        if isinstance(task_input.get(key), list):
            return len(task_input[key])
    return None


class _Synthesiser:
    """Synthesises within a budget of values and characters; `cut` says whether the budget
    (not a per-array or per-string clamp) left anything out. Its text reads as content a
    person can follow: "Heading 2 on Roman roads.", a count of the input's list its length."""

    def __init__(self, task_input: Any, values: int, text_length: int) -> None:
        self.task_input = task_input
        self.seed = _digest(task_input)
        self.topic = _topic(task_input)[:40]
        self.values_left = values
        self.text_left = text_length
        self.cut = False

    def number(self, path: str) -> int:
        return int(_derive(self.seed, path)[:8], 16)

    def value(self, schema: Any, path: str, name: str, depth: int = 0) -> Any:
        if self.values_left <= 0:
            self.cut = True
            return None
        self.values_left -= 1
        if not isinstance(schema, dict) or depth > _MAX_DEPTH:
            return self.string({}, path, name)
        if "const" in schema:
            return schema["const"]
        if schema.get("enum"):
            return schema["enum"][0]
        for combinator in ("allOf", "anyOf", "oneOf"):
            if schema.get(combinator):
                merged = {k: v for k, v in schema.items() if k != combinator}
                return self.value({**schema[combinator][0], **merged}, path, name, depth + 1)
        kind = schema.get("type")
        if isinstance(kind, list):
            kinds = [k for k in kind if k != "null"]
            kind = kinds[0] if kinds else "null"
        if kind is None:
            kind = (
                "object" if "properties" in schema else "array" if "items" in schema else "string"
            )
        if kind == "object":
            return self.object(schema, path, depth)
        if kind == "array":
            return self.array(schema, path, name, depth)
        if kind in ("integer", "number"):
            return self.integer(schema, path, name)
        if kind == "boolean":
            return self.number(path) % 2 == 0
        if kind == "null":
            return None
        return self.string(schema, path, name)

    def object(self, schema: dict[str, Any], path: str, depth: int) -> dict[str, Any]:
        properties: dict[str, Any] = schema.get("properties") or {}
        names = list(properties)
        names += [n for n in schema.get("required") or [] if n not in properties]
        return {n: self.value(properties.get(n, {}), f"{path}.{n}", n, depth + 1) for n in names}

    def array(self, schema: dict[str, Any], path: str, name: str, depth: int) -> list[Any]:
        count = max(ARRAY_ITEMS, int(schema.get("minItems", 0)))
        if "maxItems" in schema:
            count = min(count, int(schema["maxItems"]))
        count = min(count, MAX_ARRAY_ITEMS)
        if count > self.values_left:
            count, self.cut = self.values_left, True
        item = schema.get("items", {})
        singular = name[:-1] if name.endswith("s") and len(name) > 1 else name
        return [self.value(item, f"{path}[{i}]", singular, depth + 1) for i in range(count)]

    def integer(self, schema: dict[str, Any], path: str, name: str = "") -> int:
        low = schema.get("minimum")
        if low is None and "exclusiveMinimum" in schema:
            low = math.floor(schema["exclusiveMinimum"]) + 1
        low = 1 if low is None else math.ceil(low)
        high = schema.get("maximum")
        if high is None and "exclusiveMaximum" in schema:
            high = math.ceil(schema["exclusiveMaximum"]) - 1
        high = low + 99 if high is None else math.floor(high)
        counted = _counted(self.task_input, name)
        if counted is not None and low <= counted <= high:
            return counted
        return low + self.number(path) % max(1, high - low + 1)

    def string(self, schema: dict[str, Any], path: str, name: str) -> str:
        fmt = schema.get("format")
        if fmt == "date":
            return "2024-01-01"
        if fmt == "date-time":
            return "2024-01-01T00:00:00Z"
        if fmt == "email":
            return f"{self.number(path) % 10000}@example.com"
        if fmt in ("uri", "url"):
            return f"https://example.com/{_derive(self.seed, path)[:8]}"
        given = _given(self.task_input, name) if path.count(".") == 1 else None
        if given is not None:
            text = given
        else:
            # Its place in each list it is in tells siblings apart ("Distractor 1.3"); a
            # list's item named text is called after the list ("questions": "Question 2").
            places = ".".join(str(int(i) + 1) for i in re.findall(r"\[(\d+)\]", path))
            listed = re.findall(r"(\w+)\[\d+\]\.\w+$", path)
            if listed and name in _SUBJECT_FIELDS:
                name = listed[-1][:-1] if listed[-1].endswith("s") else listed[-1]
            label = (name or "text").replace("_", " ").capitalize()
            about = f"{label} {places}" if places else label
            text = f"{about} on {self.topic}."
        min_length = min(int(schema.get("minLength", 0)), MAX_STRING_LENGTH)
        if len(text) < min_length:
            text = text.ljust(min_length, ".")
        if "maxLength" in schema:
            text = text[: int(schema["maxLength"])]
        if len(text) > self.text_left:
            text, self.cut = text[: max(0, self.text_left)], True
        self.text_left -= len(text)
        return text


def _synthesise(
    output_schema: dict[str, Any] | None, task_input: Any, values: int, text_length: int
) -> tuple[Any, bool]:
    """The output within a budget, and whether the budget cut it."""
    synthesiser = _Synthesiser(task_input, values, text_length)
    if not output_schema:
        output = {"text": synthesiser.string({}, "$.text", "text")}
    else:
        output = synthesiser.value(output_schema, "$", "output")
    return output, synthesiser.cut


def synthesise(output_schema: dict[str, Any] | None, task_input: Any) -> Any:
    """A deterministic output matching output_schema within the clamps (an object with a
    `text` field when the stage has no schema)."""
    return _synthesise(output_schema, task_input, MAX_VALUES, MAX_TEXT_LENGTH)[0]


class OfflineProvider:
    name = "offline"
    needs_key = False
    can_search = True  # a synthetic grounding, for demos and tests

    def __init__(self, latency_seconds: float = 0.0) -> None:
        self.latency_seconds = latency_seconds

    async def generate(self, request: LLMRequest, api_key: str | None) -> LLMResponse:
        if self.latency_seconds > 0:
            await asyncio.sleep(self.latency_seconds)
        if request.grounded_search and request.output_schema is None:
            prose = _prose(request)
            return _response(request, prose, text=prose)
        output, cut = _synthesise(
            request.output_schema, request.task_input, ON_LOOP_VALUES, ON_LOOP_TEXT_LENGTH
        )
        if cut:  # too large for the loop: all of it again, in a thread
            return await cpu.run(_answer, request)
        return _response(request, output)

    async def aclose(self) -> None:
        return None


def _answer(request: LLMRequest) -> LLMResponse:
    """The answer synthesised with the whole budget (in a thread of orchable.cpu)."""
    return _response(request, synthesise(request.output_schema, request.task_input))


def _prose(request: LLMRequest) -> str:
    """The prose answer to a grounded request without a schema."""
    topic = (_first_text(request.task_input) or "the question")[:80]
    return (
        f"Offline answer about {topic}: nothing was searched. "
        f"Source: {OFFLINE_SOURCE['title']} ({OFFLINE_SOURCE['uri']})."
    )


def _grounding(request: LLMRequest, text: str) -> Grounding:
    """The same synthetic grounding for every grounded request: one query, one source."""
    return Grounding(
        search_queries=[" ".join(request.prompt.split())[:100] or "offline"],
        sources=[dict(OFFLINE_SOURCE)],
        supports=[
            {
                "text": text[:200],
                "start_index": 0,
                "end_index": min(len(text), 200),
                "source_indices": [0],
                "confidence_scores": [1.0],
            }
        ],
        search_entry_point=None,
    )


def _response(request: LLMRequest, output: Any, text: str | None = None) -> LLMResponse:
    """The response; `text` is the answer as a model would send it (the output's JSON)."""
    text = json.dumps(output, sort_keys=True) if text is None else text
    input_tokens = max(1, len(request.prompt) // 4)
    output_tokens = max(1, len(text) // 4)
    return LLMResponse(
        output=output,
        usage=Usage(
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            total_tokens=input_tokens + output_tokens,
        ),
        model=request.model or "offline",
        response_id=f"offline-{_derive(request.prompt, text)}",
        grounding=_grounding(request, text) if request.grounded_search else None,
    )
