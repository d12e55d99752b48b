"""What every LLM provider gives the worker: one call, one answer or one classified error.

A provider turns an `LLMRequest` (the rendered prompt, the stage's AI settings and its
output schema) into an `LLMResponse` (the parsed JSON output, token usage and the
provider's response id), or raises `ProviderError` with a `kind` the worker acts on:
rotate the key, try the next model, or report the failure to the database. Providers
never retry on their own and never touch the database.

A request with `grounded_search` asks the model to search the web (Google Search
grounding) before it answers; only a provider whose `can_search` is True takes one
(`can_search(provider)`), and the worker asks no other. Its answer's `grounding` says what
was searched and which sources the answer rests on, or is None when the model answered
without grounding metadata (it did not search): an ungrounded answer is never passed off
as a grounded one.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Protocol


class ErrorKind(enum.StrEnum):
    """How the worker handles a failed call."""

    RATE_LIMITED = "rate_limited"  # 429 / RESOURCE_EXHAUSTED: rotate to the next key now
    OVERLOADED = "overloaded"  # 503 / model overloaded: try the next fallback model
    SERVER_ERROR = "server_error"  # 5xx: retryable
    TIMEOUT = "timeout"  # no answer in time: retryable
    INVALID_OUTPUT = "invalid_output"  # not JSON, or JSON that breaks output_schema: retryable
    INVALID_KEY = "invalid_key"  # 401 / 403 / API_KEY_INVALID: deactivate the key, use another
    INVALID_REQUEST = "invalid_request"  # 400 the provider refuses as malformed: not retryable


@dataclass(frozen=True)
class ProviderError(Exception):
    kind: ErrorKind
    message: str
    http_status: int | None = None
    retry_after_seconds: float | None = None  # from a Retry-After header or the error details

    def __str__(self) -> str:
        status = f" (HTTP {self.http_status})" if self.http_status else ""
        return f"{self.kind.value}{status}: {self.message}"


@dataclass(frozen=True)
class LLMRequest:
    prompt: str
    model: str
    output_schema: dict[str, Any] | None = None
    temperature: float | None = None
    top_p: float | None = None
    top_k: int | None = None
    max_output_tokens: int | None = None
    system_instruction: str | None = None
    task_input: Any = None  # the task's input, for the offline provider
    timeout_seconds: float = 120.0
    # Search the web before answering. Without output_schema the answer is prose (JSON
    # output and search do not mix on every model), and `output` is its text.
    grounded_search: bool = False


@dataclass(frozen=True)
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int = 0
    thoughts_tokens: int = 0
    total_tokens: int = 0


@dataclass(frozen=True)
class Grounding:
    """What a grounded answer rests on, as the provider reported it (nothing dropped).

    sources: [{"uri", "title"}], in the provider's order (supports index into it).
    supports: [{"text", "start_index", "end_index", "source_indices", "confidence_scores"}],
    a span of the answer and the sources that back it.
    search_entry_point: the search suggestions (HTML) Google's terms require showing with
    a grounded answer, when the provider gave them.
    """

    search_queries: list[str] = field(default_factory=list)
    sources: list[dict[str, Any]] = field(default_factory=list)
    supports: list[dict[str, Any]] = field(default_factory=list)
    search_entry_point: str | None = None


@dataclass(frozen=True)
class LLMResponse:
    output: Any  # the parsed JSON output (validated against output_schema by the worker)
    usage: Usage = field(default_factory=Usage)
    model: str = ""  # the model version that answered
    response_id: str | None = None
    # For a grounded_search request: None when the answer came without grounding metadata.
    grounding: Grounding | None = None


class Provider(Protocol):
    """One provider (gemini, openai, offline). `needs_key` is False only for offline. A
    provider that can take `grounded_search` requests says so with a `can_search = True`
    class attribute (see can_search); one that says nothing cannot."""

    name: str
    needs_key: bool

    async def generate(self, request: LLMRequest, api_key: str | None) -> LLMResponse: ...

    async def aclose(self) -> None: ...


def can_search(provider: Provider) -> bool:
    """Whether the provider takes grounded_search requests (its `can_search` attribute)."""
    return getattr(provider, "can_search", False) is True
