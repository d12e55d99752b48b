"""A fake Gemini API: `POST [prefix]/{version}/models/{model}:generateContent`.

Answers and errors have the real shapes; the API key is read from `x-goog-api-key` (or
`?key=`). Run it alone with `python -m tests.fakes.gemini_server --port 0 --mix ...`.

A request with the Google Search tool (`"tools": [{"googleSearch": {}}]`) is answered as a
grounded one: `candidates[0].groundingMetadata` (webSearchQueries, searchEntryPoint,
groundingChunks with SOURCES, groundingSupports) and `usageMetadata.toolUsePromptTokenCount`
(SEARCH_TOKENS); in prose when it asks for no JSON. Three switches:
- normal: as above (`grounded=True`, the default);
- silently ungrounded: the answer without groundingMetadata, as some models give it; every
  grounded answer with `grounded=False`, one with the `ungrounded` behaviour (queue, key or
  mix, as any fault);
- refused: a request with both the search tool and JSON output to a model whose name starts
  with one of `refuse_schema_with_search` (`gemini-2` by default, as Gemini 2.x does) gets
  the 400 REFUSED_SCHEMA_WITH_SEARCH; any request does with the
  `schema_with_search_refused` behaviour. `refuse_schema_with_search=()` turns it off.
"""

from __future__ import annotations

import hashlib
import html
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_plus

from aiohttp import web

from .common import NOT_JSON, Answer, FakeServer, breaking, main, new_id, synthesise

REFUSED_SCHEMA_WITH_SEARCH = (
    "Unable to submit request because controlled generation is not supported with"
    " google_search tool."
)
REDIRECT = "https://vertexaisearch.cloud.google.com/grounding-api-redirect/"
# The sources of every grounded answer, as groundingChunks[].web.
SOURCES = (
    {"uri": f"{REDIRECT}AbC123fake", "title": "apple.com"},
    {"uri": f"{REDIRECT}DeF456fake", "title": "news.example.org"},
)
SEARCH_TOKENS = 120  # usageMetadata.toolUsePromptTokenCount of a grounded answer

_ERRORS: dict[str, tuple[int, str, str]] = {
    "rate_limited": (
        429,
        "RESOURCE_EXHAUSTED",
        "You exceeded your current quota, please check your plan and billing details.",
    ),
    "server_error": (500, "INTERNAL", "An internal error has occurred. Please retry."),
    "overloaded": (503, "UNAVAILABLE", "The model is overloaded. Please try again later."),
    "invalid_request": (400, "INVALID_ARGUMENT", 'Invalid JSON payload. Unknown name "x".'),
    "invalid_key": (400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key."),
    "schema_with_search_refused": (400, "INVALID_ARGUMENT", REFUSED_SCHEMA_WITH_SEARCH),
}


@dataclass
class FakeGemini(FakeServer):
    grounded: bool = True  # False: grounded requests are answered without groundingMetadata
    # Models (name prefixes) that refuse the search tool together with JSON output.
    refuse_schema_with_search: tuple[str, ...] = ("gemini-2",)

    def api_key(self, request: web.Request) -> str | None:
        return request.headers.get("x-goog-api-key") or request.query.get("key")

    async def answer(self, request: web.Request, body: Any, answer: Answer) -> web.Response:
        model, _, method = request.path.rpartition("/models/")[2].partition(":")
        if method != "generateContent":
            return _error(404, "NOT_FOUND", f"no route for {request.path}", [])
        if answer.behaviour in _ERRORS:
            return _error(*_ERRORS[answer.behaviour], _details(answer))
        body = body if isinstance(body, dict) else {}
        searches = _searches(body)
        refuses = model.startswith(self.refuse_schema_with_search)
        if searches and refuses and _asks_for_json(body):
            return _error(*_ERRORS["schema_with_search_refused"], [])
        grounded = searches and self.grounded and answer.behaviour != "ungrounded"
        return web.json_response(_success(model, body, answer, searches, grounded))


def _searches(body: dict[str, Any]) -> bool:
    """Whether the request carries the Google Search tool."""
    tools = body.get("tools")
    return isinstance(tools, list) and any(
        isinstance(tool, dict) and "googleSearch" in tool for tool in tools
    )


def _asks_for_json(body: dict[str, Any]) -> bool:
    config = body.get("generationConfig") or {}
    return (
        config.get("responseMimeType") == "application/json"
        or "responseJsonSchema" in config
        or "responseSchema" in config
    )


def _success(
    model: str, body: dict[str, Any], answer: Answer, searches: bool, grounded: bool
) -> dict[str, Any]:
    config = body.get("generationConfig") or {}
    schema = config.get("responseJsonSchema") or config.get("responseSchema")
    query = _query(body)
    if answer.behaviour == "not_json":
        text = NOT_JSON
    elif answer.behaviour == "schema_breaking":
        text = json.dumps(breaking(schema))
    elif searches and not _asks_for_json(body):
        text = _prose(query, grounded)
    else:
        text = json.dumps(synthesise(schema))
    prompt_tokens = len(json.dumps(body.get("contents") or [])) // 4 + 1
    output_tokens = len(text) // 4 + 1
    thoughts_tokens = 3
    search_tokens = SEARCH_TOKENS if grounded else 0
    candidate: dict[str, Any] = {
        "content": {"role": "model", "parts": [{"text": text}]},
        "finishReason": "STOP",
        "index": 0,
    }
    usage = {
        "promptTokenCount": prompt_tokens,
        "candidatesTokenCount": output_tokens,
        "thoughtsTokenCount": thoughts_tokens,
        "totalTokenCount": prompt_tokens + output_tokens + thoughts_tokens + search_tokens,
    }
    if grounded:
        candidate["groundingMetadata"] = _grounding_metadata(query, text)
        usage["toolUsePromptTokenCount"] = search_tokens
    return {
        "candidates": [candidate],
        "usageMetadata": usage,
        "modelVersion": model,
        "responseId": new_id(),
    }


def _query(body: dict[str, Any]) -> str:
    """The search query of a grounded answer: the start of the prompt's first line."""
    for content in body.get("contents") or []:
        for part in (content or {}).get("parts") or []:
            if isinstance(part.get("text"), str) and part["text"].strip():
                return part["text"].strip().splitlines()[0][:80]
    return "query"


def _prose(query: str, grounded: bool) -> str:
    if not grounded:
        return f"From what I know, without searching: nothing new about {query}."
    sources = "; ".join(f"{s['title']} ({s['uri']})" for s in SOURCES)
    return f"The sources found answer it: {query}. Sources: {sources}."


def _grounding_metadata(query: str, text: str) -> dict[str, Any]:
    digest = hashlib.blake2b(query.encode(), digest_size=4).hexdigest()
    href = html.escape(f"https://www.google.com/search?q={quote_plus(query)}&client=fake-{digest}")
    end = min(len(text.encode()), 40)
    return {
        "webSearchQueries": [query],
        "searchEntryPoint": {
            "renderedContent": (
                "<style>.container{display:flex}.chip{border-radius:16px}</style>"
                f'<div class="container"><a class="chip" href="{href}">{html.escape(query)}</a>'
                "</div>"
            )
        },
        "groundingChunks": [{"web": dict(source)} for source in SOURCES],
        "groundingSupports": [
            {
                "segment": {
                    "startIndex": 0,
                    "endIndex": end,
                    "text": text.encode()[:end].decode(errors="ignore"),
                },
                "groundingChunkIndices": [0, 1],
                "confidenceScores": [0.95, 0.7],
            }
        ],
    }


def _details(answer: Answer) -> list[dict[str, Any]]:
    if answer.behaviour == "rate_limited":
        return [
            {
                "@type": "type.googleapis.com/google.rpc.QuotaFailure",
                "violations": [{"quotaMetric": "generate_content_free_tier_requests"}],
            },
            {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": _delay(answer)},
        ]
    if answer.behaviour == "invalid_key":
        return [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "API_KEY_INVALID",
                "domain": "googleapis.com",
                "metadata": {"service": "generativelanguage.googleapis.com"},
            }
        ]
    return []


def _delay(answer: Answer) -> str:
    return f"{answer.retry_after:g}s"


def _error(code: int, status: str, message: str, details: list[dict[str, Any]]) -> web.Response:
    error: dict[str, Any] = {"code": code, "message": message, "status": status}
    if details:
        error["details"] = details
    return web.json_response({"error": error}, status=code)


if __name__ == "__main__":
    main(FakeGemini, "A fake Gemini API server")
