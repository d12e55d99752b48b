"""The Gemini provider: google-genai's async client, JSON output, one HTTP call per request.

The API version is pinned (`v1beta` serves `responseJsonSchema` and Google Search
grounding; google-genai 3.x defaults to `v1`). The SDK's retries stay off: the database
owns retries. The SDK sends through aiohttp (its `aiohttp` extra), on one session shared by
every client: at 256 calls in flight, its default transport (an httpx fork) cost ~1.5 ms
more CPU per call (the pool scans, and probes the sockets of, every connection it holds on
each request and each response). `retry_options` with one attempt also turns off the silent
retry of connection errors the SDK does on aiohttp otherwise.

The SDK spends milliseconds of CPU per call, which bounds a worker's calls per second.
Public options keep the per-call path lean: one config per distinct request settings (the
SDK copies it on each call), the timeout in the client's options rather than per request,
automatic function calling off. Two shortcuts go past the public API: the request's config,
contents and parts are SDK types that answer `in` at once (see `_AnswersInAtOnce`), and the
answer is read from the raw body (`should_return_http_response`) instead of through the
SDK's pydantic models. Without them (public API only, the answer read from the SDK's parsed
response) a call costs twice the client CPU (1.9 ms against 1.0 ms at 256 in flight), and
bench/llm_bound.py at concurrency 256 (one worker, 4,096 calls answered in 0.5 s, 2 cores,
5 interleaved rounds) ran at a median 371 tasks/s (315-404) against 441 (432-444) with
them: 84%. Both shortcuts lean on google-genai's internals, so pyproject.toml pins the
SDK's tested minor version and
tests/providers/test_gemini_shortcuts_past_the_sdk_still_hold_on_the_installed_sdk.py fails
the day either stops working.

A `grounded_search` request sends the Google Search tool. With an output schema it asks for
JSON too, which Gemini 3 models take and Gemini 2.x models refuse with a 400 ("controlled
generation is not supported with google_search tool"; an invalid_request, its message
kept: orchable.worker.providers.errors.refuses_schema_with_search recognises it). Without
one it asks for prose, and the answer's text is the output. The grounding is read from the
same raw body (`candidates[0].groundingMetadata`); its search-result tokens
(`toolUsePromptTokenCount`) count as input tokens, as Google bills them.
"""

from __future__ import annotations

import asyncio
import json
import ssl
from collections.abc import Iterator, Mapping
from typing import Any

import aiohttp
from google import genai
from google.genai import errors, types

from orchable.worker.providers.base import (
    ErrorKind,
    Grounding,
    LLMRequest,
    LLMResponse,
    ProviderError,
    Usage,
)
from orchable.worker.providers.errors import (
    kind_for_status,
    provider_error,
    retry_after_from_headers,
    retry_delay_seconds,
)

_RETRY_INFO = "type.googleapis.com/google.rpc.RetryInfo"
_ERROR_INFO = "type.googleapis.com/google.rpc.ErrorInfo"
_MAX_CONFIGS = 256  # distinct request settings kept; the cache starts over when full


class GeminiProvider:
    name = "gemini"
    needs_key = True
    can_search = True

    def __init__(
        self,
        base_url: str | None = None,
        api_version: str = "v1beta",
        max_connections: int = 512,
    ) -> None:
        self.base_url = base_url
        self.api_version = api_version
        self._max_connections = max_connections
        # The system's trust store (SSL_CERT_FILE / SSL_CERT_DIR honoured), built once.
        self._tls = ssl.create_default_context()
        self._http: aiohttp.ClientSession | None = None  # made in the running loop
        # One SDK client per (key, timeout in ms), all on the same session: the timeout
        # lives in the client's HttpOptions, as per-request http_options cost a merge of
        # the options on every call.
        self._clients: dict[tuple[str, int], genai.Client] = {}
        self._configs: dict[str, types.GenerateContentConfig] = {}
        _build_model_schemas()

    async def generate(self, request: LLMRequest, api_key: str | None) -> LLMResponse:
        if not api_key:
            raise ProviderError(ErrorKind.INVALID_KEY, "the gemini provider needs an API key")
        client = self._client(api_key, int(request.timeout_seconds * 1000))
        try:
            async with asyncio.timeout(request.timeout_seconds):
                response = await client.aio.models.generate_content(
                    model=request.model,
                    contents=_Content(role="user", parts=[_Part(text=request.prompt)]),
                    config=self._config(request),
                )
        except errors.APIError as exc:
            raise _from_api_error(exc, api_key) from None
        except TimeoutError:
            message = f"no answer within {request.timeout_seconds:g} s"
            raise ProviderError(ErrorKind.TIMEOUT, message) from None
        except aiohttp.ClientError as exc:
            message = f"transport error: {type(exc).__name__}: {exc}"
            raise provider_error(ErrorKind.SERVER_ERROR, message, api_key) from None
        except json.JSONDecodeError as exc:  # an error reply that says JSON but is not
            message = f"the error reply is not JSON: {exc}"
            raise provider_error(ErrorKind.SERVER_ERROR, message, api_key) from None
        return _to_response(response, request)

    async def aclose(self) -> None:
        clients, self._clients = self._clients, {}
        for client in clients.values():
            await client.aio.aclose()
            client.close()
        http, self._http = self._http, None
        if http is not None:
            await http.close()

    def _client(self, api_key: str, timeout_ms: int) -> genai.Client:
        client = self._clients.get((api_key, timeout_ms))
        if client is None:
            if self._http is None:
                connector = aiohttp.TCPConnector(
                    limit=self._max_connections, limit_per_host=0, ssl=self._tls
                )
                self._http = aiohttp.ClientSession(connector=connector)
            # Given the SSL context, the SDK builds none of its own (~100 ms of CPU per
            # client, on the event loop); `verify` goes to the httpx clients it still makes
            # but never uses here, `ssl` to aiohttp.
            options = types.HttpOptions(
                base_url=self.base_url,
                api_version=self.api_version,
                timeout=timeout_ms,
                aiohttp_client=self._http,
                retry_options=types.HttpRetryOptions(attempts=1),
                client_args={"verify": self._tls},
                async_client_args={"ssl": self._tls},
            )
            client = genai.Client(api_key=api_key, http_options=options)
            self._clients[api_key, timeout_ms] = client
        return client

    def _config(self, request: LLMRequest) -> types.GenerateContentConfig:
        """The request's config, built once per distinct settings (the SDK copies it per call)."""
        key = json.dumps(
            [
                request.system_instruction,
                request.temperature,
                request.top_p,
                request.top_k,
                request.max_output_tokens,
                request.output_schema,
                request.grounded_search,
            ]
        )
        config = self._configs.get(key)
        if config is None:
            if len(self._configs) >= _MAX_CONFIGS:
                self._configs.clear()
            # Built from the key, so the cached config owns its copy of the schema.
            config = self._configs[key] = _config(*json.loads(key))
        return config


# The SDK reads every field of the request's config, contents and parts with
# `_common.get_value_by_path`, which asks `name in model` first: on a pydantic model that
# walks every (name, value) pair and, comparing a name with pairs, always answers False,
# after which the SDK reads the field with getattr. These types answer False at once: the
# same request, built in 0.2 ms of CPU instead of 1.0 ms. (The prompt goes as one Content,
# not as a string or a list, which the SDK would convert or validate item by item.)


class _AnswersInAtOnce:
    def __contains__(self, key: object) -> bool:
        return False


class _Config(_AnswersInAtOnce, types.GenerateContentConfig):
    pass


class _Content(_AnswersInAtOnce, types.Content):
    pass


class _Part(_AnswersInAtOnce, types.Part):
    pass


class _Tool(_AnswersInAtOnce, types.Tool):
    pass


class _GoogleSearch(_AnswersInAtOnce, types.GoogleSearch):
    pass


def _build_model_schemas() -> None:
    """Builds the pydantic schemas of a request and an answer now (google-genai defers
    them to first use): about 70 ms of CPU that would otherwise hold up the first calls."""
    _config(None, None, None, None, None, None, False)
    _Content(role="user", parts=[_Part(text="")])
    types.GenerateContentResponse()


def _config(
    system_instruction: str | None,
    temperature: float | None,
    top_p: float | None,
    top_k: int | None,
    max_output_tokens: int | None,
    output_schema: dict[str, Any] | None,
    grounded_search: bool,
) -> types.GenerateContentConfig:
    """The generation config: JSON output, with the stage's schema when it has one. A
    grounded search adds the Google Search tool, and asks for prose when there is no
    schema. No function tools, so automatic function calling is off (with a tool, the SDK
    copies the config once more per call)."""
    prose = grounded_search and output_schema is None
    return _Config(
        system_instruction=system_instruction,
        temperature=temperature,
        top_p=top_p,
        top_k=top_k,
        max_output_tokens=max_output_tokens,
        response_mime_type=None if prose else "application/json",
        response_json_schema=output_schema,
        tools=[_Tool(google_search=_GoogleSearch())] if grounded_search else None,
        automatic_continuation=False,
        automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True),
        should_return_http_response=True,
    )


def _to_response(response: types.GenerateContentResponse, request: LLMRequest) -> LLMResponse:
    """The answer from the raw body the SDK hands back (`should_return_http_response`): the
    REST shape of GenerateContentResponse, read the way the SDK's `response.text` does."""
    body = response.sdk_http_response.body if response.sdk_http_response else None
    try:
        answer = json.loads(body) if body else {}
    except json.JSONDecodeError as exc:
        raise ProviderError(ErrorKind.SERVER_ERROR, f"the reply is not JSON: {exc}") from None
    if not isinstance(answer, dict):
        raise ProviderError(ErrorKind.SERVER_ERROR, "the reply is not a JSON object")
    text = _text(answer)
    if text is None:
        raise ProviderError(ErrorKind.INVALID_OUTPUT, f"no text in the answer ({_why(answer)})")
    if request.grounded_search and request.output_schema is None:
        output: Any = text  # prose, asked for so
    else:
        try:
            output = json.loads(text)
        except json.JSONDecodeError as exc:
            message = f"the answer is not JSON: {exc}"
            raise ProviderError(ErrorKind.INVALID_OUTPUT, message) from None
    return LLMResponse(
        output=output,
        usage=_usage(answer.get("usageMetadata")),
        model=answer.get("modelVersion") or request.model,
        response_id=answer.get("responseId"),
        grounding=_grounding(answer) if request.grounded_search else None,
    )


def _text(answer: Mapping[str, Any]) -> str | None:
    """The first candidate's text parts joined, thoughts left out; None without any."""
    candidates = answer.get("candidates") or [{}]
    parts = (candidates[0].get("content") or {}).get("parts") or []
    texts = [
        p["text"] for p in parts if isinstance(p.get("text"), str) and p.get("thought") is not True
    ]
    return "".join(texts) if texts else None


def _grounding(answer: Mapping[str, Any]) -> Grounding | None:
    """The first candidate's groundingMetadata; None without one, or with one that names
    neither a search query nor a source (the model did not search)."""
    candidates = answer.get("candidates") or [{}]
    metadata = _mapping(_mapping(candidates[0]).get("groundingMetadata"))
    queries = [q for q in _list(metadata.get("webSearchQueries")) if isinstance(q, str)]
    sources = []
    for chunk in _list(metadata.get("groundingChunks")):
        chunk = _mapping(chunk)
        # A web result; a retrieved context (Vertex AI Search) has the same two fields.
        found = _mapping(chunk.get("web")) or _mapping(chunk.get("retrievedContext"))
        sources.append({"uri": _str(found.get("uri")), "title": _str(found.get("title"))})
    if not queries and not sources:
        return None
    supports = []
    for support in _list(metadata.get("groundingSupports")):
        support = _mapping(support)
        segment = _mapping(support.get("segment"))
        supports.append(
            {
                "text": _str(segment.get("text")),
                "start_index": segment.get("startIndex") or 0,
                "end_index": segment.get("endIndex") or 0,
                "source_indices": [
                    i for i in _list(support.get("groundingChunkIndices")) if _is_int(i)
                ],
                "confidence_scores": [
                    float(c) for c in _list(support.get("confidenceScores")) if _is_number(c)
                ],
            }
        )
    entry_point = _mapping(metadata.get("searchEntryPoint")).get("renderedContent")
    return Grounding(
        search_queries=queries,
        sources=sources,
        supports=supports,
        search_entry_point=entry_point if isinstance(entry_point, str) else None,
    )


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _why(answer: Mapping[str, Any]) -> str:
    block_reason = (answer.get("promptFeedback") or {}).get("blockReason")
    if block_reason:
        return f"prompt blocked: {block_reason}"
    if answer.get("candidates"):
        return f"finish reason {answer['candidates'][0].get('finishReason')}"
    return "no candidates"


def _usage(metadata: Mapping[str, Any] | None) -> Usage:
    if not metadata:
        return Usage()
    return Usage(
        # The search results a grounded call read are billed as input.
        input_tokens=(metadata.get("promptTokenCount") or 0)
        + (metadata.get("toolUsePromptTokenCount") or 0),
        output_tokens=metadata.get("candidatesTokenCount") or 0,
        cached_tokens=metadata.get("cachedContentTokenCount") or 0,
        thoughts_tokens=metadata.get("thoughtsTokenCount") or 0,
        total_tokens=metadata.get("totalTokenCount") or 0,
    )


def _from_api_error(exc: errors.APIError, api_key: str) -> ProviderError:
    message = exc.message or exc.status or "no message"
    reasons = {str(detail.get("reason")) for detail in _details(exc, _ERROR_INFO)}
    headers = getattr(exc.response, "headers", None)
    retry_after = retry_after_from_headers(headers) or _retry_info(exc)
    return provider_error(
        kind_for_status(exc.code, message, reasons),
        f"{exc.status}: {message}" if exc.status else message,
        api_key,
        http_status=exc.code,
        retry_after_seconds=retry_after,
    )


def _retry_info(exc: errors.APIError) -> float | None:
    for detail in _details(exc, _RETRY_INFO):
        delay = retry_delay_seconds(detail.get("retryDelay"))
        if delay is not None:
            return delay
    return None


def _details(exc: errors.APIError, type_url: str) -> Iterator[Mapping[str, Any]]:
    """The error's `details` entries of one `@type` (the body is `{"error": {...}}`)."""
    body = exc.details if isinstance(exc.details, Mapping) else {}
    error = body.get("error", body)
    details = error.get("details") if isinstance(error, Mapping) else None
    for detail in details if isinstance(details, list) else []:
        if isinstance(detail, Mapping) and detail.get("@type") == type_url:
            yield detail
