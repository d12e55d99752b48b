"""A fake OpenAI-compatible server: `POST [prefix]/chat/completions`.

Answers and errors have OpenAI's shapes; the API key is read from `Authorization: Bearer`.
Run it alone with `python -m tests.fakes.openai_server --port 0 --mix ...`.
"""

from __future__ import annotations

import json
import time
from typing import Any

from aiohttp import web

from .common import NOT_JSON, Answer, FakeServer, breaking, main, new_id, synthesise

_ERRORS: dict[str, tuple[int, str, str, str | None]] = {
    "rate_limited": (
        429,
        "requests",
        "Rate limit reached for requests. Please try again later.",
        "rate_limit_exceeded",
    ),
    "server_error": (
        500,
        "server_error",
        "The server had an error while processing your request. Sorry about that!",
        None,
    ),
    "overloaded": (
        503,
        "server_error",
        "The engine is currently overloaded, please try again later.",
        None,
    ),
    "invalid_request": (
        400,
        "invalid_request_error",
        "Invalid value for 'messages': expected an array.",
        None,
    ),
    "invalid_key": (401, "invalid_request_error", "Incorrect API key provided.", "invalid_api_key"),
}


class FakeOpenAI(FakeServer):
    def api_key(self, request: web.Request) -> str | None:
        auth = request.headers.get("Authorization", "")
        return auth.removeprefix("Bearer ").strip() or None

    async def answer(self, request: web.Request, body: Any, answer: Answer) -> web.Response:
        if not request.path.endswith("/chat/completions"):
            return _error(404, "invalid_request_error", f"no route for {request.path}", None)
        if answer.behaviour in _ERRORS:
            response = _error(*_ERRORS[answer.behaviour])
            if answer.behaviour == "rate_limited":
                response.headers["Retry-After"] = f"{answer.retry_after:g}"
            return response
        return web.json_response(_success(body if isinstance(body, dict) else {}, answer))


def _success(body: dict[str, Any], answer: Answer) -> dict[str, Any]:
    response_format = body.get("response_format") or {}
    schema = (response_format.get("json_schema") or {}).get("schema")
    if answer.behaviour == "not_json":
        content = NOT_JSON
    elif answer.behaviour == "schema_breaking":
        content = json.dumps(breaking(schema))
    else:
        content = json.dumps(synthesise(schema))
    prompt_tokens = len(json.dumps(body.get("messages") or [])) // 4 + 1
    completion_tokens = len(content) // 4 + 1
    return {
        "id": new_id("chatcmpl-"),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", "fake-model"),
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
            "prompt_tokens_details": {"cached_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": 0},
        },
    }


def _error(status: int, kind: str, message: str, code: str | None) -> web.Response:
    error = {"message": message, "type": kind, "param": None, "code": code}
    return web.json_response({"error": error}, status=status)


if __name__ == "__main__":
    main(FakeOpenAI, "A fake OpenAI-compatible chat completions server")
