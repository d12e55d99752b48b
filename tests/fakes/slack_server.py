"""A fake of Slack's Web API on 127.0.0.1, enough for orchable's Slack deliveries: it
records every `chat.postMessage` (its bot token, channel, text and blocks) and answers as
Slack does, or as a test scripts it.

Each call takes the next scripted answer (`script("channel_not_found", "ok")`), or "ok":
- ok: 200 `{"ok": true, "channel", "ts", "message"}`;
- an error name (channel_not_found, invalid_auth, not_in_channel...): 200 `{"ok": false,
  "error": name}`, as Slack reports its errors;
- rate_limited: 429 with a Retry-After (`retry_after`);
- server_error: 500.
Point slack_sdk at it with `base_url=server.api_url` (ORCHABLE_SLACK_API_URL)."""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from .common import ServedInAThread


@dataclass(frozen=True)
class PostedMessage:
    method: str  # the Web API method called (chat.postMessage)
    token: str | None  # the bot token of its Authorization header
    body: dict[str, Any]  # its arguments (JSON or form)
    answer: str
    ts: str  # the message's id in its channel, as answered when it was posted

    @property
    def channel(self) -> str | None:
        return self.body.get("channel")

    @property
    def text(self) -> str | None:
        return self.body.get("text")

    @property
    def blocks(self) -> list[dict[str, Any]]:
        blocks = self.body.get("blocks")
        if isinstance(blocks, str):  # sent as a form field
            blocks = json.loads(blocks)
        return blocks if isinstance(blocks, list) else []

    def buttons(self) -> list[dict[str, Any]]:
        """The buttons of its actions blocks, in order."""
        return [
            element
            for block in self.blocks
            if block.get("type") == "actions"
            for element in block.get("elements", [])
            if element.get("type") == "button"
        ]


class FakeSlack(ServedInAThread):
    """`with FakeSlack() as slack:` serves in a thread of its own (for a worker in another
    event loop); `async with` in the caller's loop."""

    def __init__(self, retry_after: str = "3") -> None:
        self.retry_after = retry_after
        self.calls: list[PostedMessage] = []
        self.port = 0
        self._script: deque[str] = deque()
        self._lock = threading.Lock()
        self._ts = itertools.count(1)
        self._runner: web.AppRunner | None = None

    @property
    def api_url(self) -> str:
        """The Web API's base URL (slack_sdk's base_url), with its trailing slash."""
        return f"http://127.0.0.1:{self.port}/api/"

    def script(self, *answers: str) -> None:
        with self._lock:
            self._script.extend(answers)

    def messages(self) -> list[PostedMessage]:
        """The chat.postMessage calls answered ok, in order."""
        return [c for c in self.calls if c.method == "chat.postMessage" and c.answer == "ok"]

    def _next_answer(self) -> str:
        with self._lock:
            return self._script.popleft() if self._script else "ok"

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        raw = await request.read()
        if request.content_type == "application/json":
            body = json.loads(raw or b"{}")
        else:
            body = dict(parse_qsl(raw.decode()))
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else body.get("token")
        answer = self._next_answer() if method == "chat.postMessage" else "ok"
        ts = f"{int(time.time())}.{next(self._ts):06d}"
        self.calls.append(PostedMessage(method, token, body, answer, ts))
        if answer == "rate_limited":
            return web.json_response(
                {"ok": False, "error": "ratelimited"},
                status=429,
                headers={"Retry-After": self.retry_after},
            )
        if answer == "server_error":
            return web.Response(status=500, text="Slack is having trouble")
        if answer != "ok":
            return web.json_response({"ok": False, "error": answer})
        if not token or not token.startswith("xoxb-"):
            return web.json_response({"ok": False, "error": "not_authed"})
        return web.json_response(
            {
                "ok": True,
                "channel": body.get("channel"),
                "ts": ts,
                "message": {"type": "message", "text": body.get("text"), "ts": ts},
            }
        )

    async def start_async(self) -> None:
        app = web.Application()
        app.router.add_post("/api/{method}", self._handle)
        self._runner = web.AppRunner(app, shutdown_timeout=0.2, handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop_async(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
