"""A fake Gemini API: `POST [prefix]/{version}/models/{model}:generateContent`.

Answers and errors have the real shapes; the API key is read from `x-goog-api-key` (or
`?key=`). Run it alone with `python -m tests.fakes.gemini_server --port 0 --mix ...`.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from .common import NOT_JSON, Answer, FakeServer, breaking, main, new_id, synthesise

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
}


class FakeGemini(FakeServer):
    def api_key(self, request: web.Request) -> str | None:
        return request.headers.get("x-goog-api-key") or request.query.get("key")

    async def answer(self, request: web.Request, body: Any, answer: Answer) -> web.Response:
        model, _, method = request.path.rpartition("/models/")[2].partition(":")
        if method != "generateContent":
            return _error(404, "NOT_FOUND", f"no route for {request.path}", [])
        if answer.behaviour in _ERRORS:
            return _error(*_ERRORS[answer.behaviour], _details(answer))
        return web.json_response(_success(model, body if isinstance(body, dict) else {}, answer))


def _success(model: str, body: dict[str, Any], answer: Answer) -> dict[str, Any]:
    config = body.get("generationConfig") or {}
    schema = config.get("responseJsonSchema") or config.get("responseSchema")
    if answer.behaviour == "not_json":
        text = NOT_JSON
    elif answer.behaviour == "schema_breaking":
        text = json.dumps(breaking(schema))
    else:
        text = json.dumps(synthesise(schema))
    prompt_tokens = len(json.dumps(body.get("contents") or [])) // 4 + 1
    output_tokens = len(text) // 4 + 1
    thoughts_tokens = 3
    return {
        "candidates": [
            {
                "content": {"role": "model", "parts": [{"text": text}]},
                "finishReason": "STOP",
                "index": 0,
            }
        ],
        "usageMetadata": {
            "promptTokenCount": prompt_tokens,
            "candidatesTokenCount": output_tokens,
            "thoughtsTokenCount": thoughts_tokens,
            "totalTokenCount": prompt_tokens + output_tokens + thoughts_tokens,
        },
        "modelVersion": model,
        "responseId": new_id(),
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
