"""The OpenAI-compatible provider: `POST {base_url}/chat/completions` over httpx.

Works with OpenAI, Ollama, vLLM and llama.cpp's server. JSON output through
`response_format` (a JSON schema when the stage has one, JSON mode otherwise). Without an
API key no Authorization header is sent (local servers).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx

from orchable.worker.providers.base import ErrorKind, LLMRequest, LLMResponse, ProviderError, Usage
from orchable.worker.providers.errors import (
    kind_for_status,
    provider_error,
    retry_after_from_headers,
)


class OpenAIProvider:
    name = "openai"
    needs_key = True
    can_search = False  # chat completions have no web search tool: no grounded_search

    def __init__(
        self,
        base_url: str = "https://api.openai.com/v1",
        max_connections: int = 512,
        max_tokens_field: str = "max_tokens",
    ) -> None:
        """`max_tokens_field`: "max_completion_tokens" for OpenAI's reasoning models."""
        self.base_url = base_url.rstrip("/")
        self.max_tokens_field = max_tokens_field
        limits = httpx.Limits(
            max_connections=max_connections, max_keepalive_connections=max_connections
        )
        self._http = httpx.AsyncClient(limits=limits)

    async def generate(self, request: LLMRequest, api_key: str | None) -> LLMResponse:
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        body = self._body(request)
        try:
            async with asyncio.timeout(request.timeout_seconds):
                response = await self._http.post(
                    f"{self.base_url}/chat/completions",
                    json=body,
                    headers=headers,
                    timeout=request.timeout_seconds,
                )
        except (TimeoutError, httpx.TimeoutException):
            message = f"no answer within {request.timeout_seconds:g} s"
            raise ProviderError(ErrorKind.TIMEOUT, message) from None
        except httpx.TransportError as exc:
            message = f"transport error: {type(exc).__name__}: {exc}"
            raise provider_error(ErrorKind.SERVER_ERROR, message, api_key) from None
        if response.status_code >= 300:
            raise _from_error_response(response, api_key)
        return _to_response(response, request, api_key)

    async def aclose(self) -> None:
        await self._http.aclose()

    def _body(self, request: LLMRequest) -> dict[str, Any]:
        messages = [{"role": "user", "content": request.prompt}]
        if request.system_instruction:
            messages.insert(0, {"role": "system", "content": request.system_instruction})
        body: dict[str, Any] = {
            "model": request.model,
            "messages": messages,
            "response_format": _response_format(request.output_schema),
        }
        sampling = {
            "temperature": request.temperature,
            "top_p": request.top_p,
            "top_k": request.top_k,  # not OpenAI's; vLLM, Ollama and llama.cpp accept it
            self.max_tokens_field: request.max_output_tokens,
        }
        body.update({key: value for key, value in sampling.items() if value is not None})
        return body


def _response_format(schema: dict[str, Any] | None) -> dict[str, Any]:
    if schema is None:
        return {"type": "json_object"}
    return {
        "type": "json_schema",
        "json_schema": {"name": "output", "schema": schema, "strict": False},
    }


def _to_response(response: httpx.Response, request: LLMRequest, api_key: str | None) -> LLMResponse:
    try:
        body = response.json()
        choice = body["choices"][0]
    except (ValueError, KeyError, IndexError, TypeError):
        message = f"unexpected answer body: {response.text[:200]}"
        raise provider_error(
            ErrorKind.SERVER_ERROR, message, api_key, response.status_code
        ) from None
    content = (choice.get("message") or {}).get("content")
    if not isinstance(content, str):
        message = f"no content in the answer (finish reason {choice.get('finish_reason')})"
        raise ProviderError(ErrorKind.INVALID_OUTPUT, message)
    try:
        output = json.loads(content)
    except json.JSONDecodeError as exc:
        raise ProviderError(ErrorKind.INVALID_OUTPUT, f"the answer is not JSON: {exc}") from None
    return LLMResponse(
        output=output,
        usage=_usage(body.get("usage") or {}),
        model=str(body.get("model") or request.model),
        response_id=body.get("id"),
    )


def _usage(usage: dict[str, Any]) -> Usage:
    prompt_details = usage.get("prompt_tokens_details") or {}
    completion_details = usage.get("completion_tokens_details") or {}
    return Usage(
        input_tokens=usage.get("prompt_tokens") or 0,
        output_tokens=usage.get("completion_tokens") or 0,
        cached_tokens=prompt_details.get("cached_tokens") or 0,
        thoughts_tokens=completion_details.get("reasoning_tokens") or 0,
        total_tokens=usage.get("total_tokens") or 0,
    )


def _from_error_response(response: httpx.Response, api_key: str | None) -> ProviderError:
    message = _error_message(response)
    return provider_error(
        kind_for_status(response.status_code, message),
        message,
        api_key,
        http_status=response.status_code,
        retry_after_seconds=retry_after_from_headers(response.headers),
    )


def _error_message(response: httpx.Response) -> str:
    """`error.message` of `{"error": {"message", "type", "code"}}`, else the body's start."""
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        return response.text[:200] or response.reason_phrase
    if isinstance(error, dict):
        return f"{error.get('type') or error.get('code') or 'error'}: {error.get('message')}"
    return str(error)[:200]
