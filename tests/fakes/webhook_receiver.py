"""A webhook receiver on 127.0.0.1 that answers as a test scripts it.

Each request takes the next scripted answer (`script("fail", "fail", "ok")`), or the
default (`answer`, "ok") once the script is used up:
- ok: 200; gone: 410 (the endpoint asks never to be called again);
- fail: 500; rate_limited: 429 with a Retry-After; overloaded: 503 with a Retry-After;
- redirect: 307 to another path (a sender must not follow it);
- hang: no answer for `hang_seconds`, then 200.
Every request is kept (`requests`) with its raw body and headers; with `secret`, each is
also checked as a Standard Webhooks consumer would (`verified`, `verify_error`).
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from standardwebhooks import Webhook, WebhookVerificationError

from .common import ServedInAThread

ANSWERS = ("ok", "gone", "fail", "rate_limited", "overloaded", "redirect", "hang")


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]  # names lowercased
    body: bytes  # exactly as received
    answer: str
    verified: bool | None  # None: the receiver has no secret
    verify_error: str | None
    payload: Any  # the verified body's JSON (None if it did not verify)

    @property
    def webhook_id(self) -> str | None:
        return self.headers.get("webhook-id")


class WebhookReceiver(ServedInAThread):
    """`with WebhookReceiver(secret=...) as receiver:` serves in a thread of its own (for
    tests with a worker in another event loop); `await start_async()` in the caller's loop."""

    def __init__(
        self,
        secret: str | None = None,
        answer: str = "ok",
        retry_after: str = "7",
        hang_seconds: float = 30.0,
    ) -> None:
        self.secret = secret
        self.answer = _check(answer)
        self.retry_after = retry_after
        self.hang_seconds = hang_seconds
        self.requests: list[Received] = []
        self.port = 0
        self._script: deque[str] = deque()
        self._lock = threading.Lock()
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def script(self, *answers: str) -> None:
        """The answers of the next requests, in order."""
        with self._lock:
            self._script.extend(_check(a) for a in answers)

    def _next_answer(self) -> str:
        with self._lock:
            return self._script.popleft() if self._script else self.answer

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        headers = {k.lower(): v for k, v in request.headers.items()}
        answer = self._next_answer()
        verified, error, payload = None, None, None
        if self.secret is not None:
            try:
                payload = Webhook(self.secret).verify(body, headers)
                verified = True
            except WebhookVerificationError as exc:
                verified, error = False, str(exc)
        self.requests.append(
            Received(request.path, headers, body, answer, verified, error, payload)
        )
        match answer:
            case "ok":
                return web.json_response({"received": True})
            case "gone":
                return web.Response(status=410, text="this endpoint is gone")
            case "fail":
                return web.Response(status=500, text="the receiver broke")
            case "rate_limited":
                return web.Response(
                    status=429, text="slow down", headers={"Retry-After": self.retry_after}
                )
            case "overloaded":
                return web.Response(
                    status=503, text="overloaded", headers={"Retry-After": self.retry_after}
                )
            case "redirect":
                return web.Response(status=307, headers={"Location": "/elsewhere"})
            case _:  # hang
                await asyncio.sleep(self.hang_seconds)
                return web.json_response({"received": "late"})

    async def start_async(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, shutdown_timeout=0.2, handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop_async(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


def _check(answer: str) -> str:
    if answer not in ANSWERS:
        raise ValueError(f"unknown answer {answer!r}; known: {', '.join(ANSWERS)}")
    return answer
