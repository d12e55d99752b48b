"""What every LLM provider gives the worker: one call, one answer or one classified error.

A provider turns an `LLMRequest` (the rendered prompt, the stage's AI settings and its
output schema) into an `LLMResponse` (the parsed JSON output, token usage and the
provider's response id), or raises `ProviderError` with a `kind` the worker acts on:
rotate the key, try the next model, or report the failure to the database. Providers
never retry on their own and never touch the database.
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


@dataclass(frozen=True)
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int = 0
    thoughts_tokens: int = 0
    total_tokens: int = 0


@dataclass(frozen=True)
class LLMResponse:
    output: Any  # the parsed JSON output (validated against output_schema by the worker)
    usage: Usage = field(default_factory=Usage)
    model: str = ""  # the model version that answered
    response_id: str | None = None


class Provider(Protocol):
    """One provider (gemini, openai, offline). `needs_key` is False only for offline."""

    name: str
    needs_key: bool

    async def generate(self, request: LLMRequest, api_key: str | None) -> LLMResponse: ...

    async def aclose(self) -> None: ...
