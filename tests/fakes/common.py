"""What the fake servers share: the answer policy, the request log and the thread runner.

A policy picks each request's behaviour, first match wins:
1. the API key: `key-<behaviour>` (e.g. `key-rate-limited`, `key-invalid`) always gets it;
2. the queue of forced answers (`enqueue("rate_limited", retry_after=3)`);
3. a seeded random mix (`{"rate_limited": 0.1, "server_error": 0.05}`);
4. otherwise "ok": valid JSON synthesised from the request's schema.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import threading
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import IO, Any, Self

from aiohttp import web

BEHAVIOURS = (
    "ok",
    "rate_limited",
    "server_error",
    "overloaded",
    "not_json",
    "schema_breaking",
    "slow",
    "invalid_request",
    "invalid_key",
    # Gemini's grounded answers (FakeGemini; the OpenAI fake answers them as "ok"):
    "ungrounded",  # a grounded request answered without groundingMetadata (it did not search)
    "schema_with_search_refused",  # the 400 of a model that cannot mix a schema and search
)
DEFAULT_RETRY_AFTER = 7.0
NOT_JSON = "Sure! Here is the answer you asked for: 42."


@dataclass(frozen=True)
class Answer:
    behaviour: str = "ok"
    retry_after: float = DEFAULT_RETRY_AFTER


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # names lowercased
    body: Any
    answer: Answer


class Policy:
    def __init__(
        self,
        mix: Mapping[str, float] | None = None,
        seed: int = 0,
        retry_after: float = DEFAULT_RETRY_AFTER,
    ) -> None:
        self._mix = dict(mix or {})
        self._retry_after = retry_after  # of the mix's rate_limited answers
        for name in self._mix:
            _check(name)
        self._rng = random.Random(seed)
        self._queue: deque[Answer] = deque()
        self._lock = threading.Lock()

    def enqueue(self, behaviour: str, retry_after: float = DEFAULT_RETRY_AFTER) -> None:
        with self._lock:
            self._queue.append(Answer(_check(behaviour), retry_after))

    def choose(self, api_key: str | None) -> Answer:
        by_key = _behaviour_of_key(api_key)
        if by_key:
            return Answer(by_key)
        with self._lock:
            if self._queue:
                return self._queue.popleft()
            draw = self._rng.random()
        for name, share in self._mix.items():
            if draw < share:
                return Answer(name, self._retry_after)
            draw -= share
        return Answer()


def _check(behaviour: str) -> str:
    if behaviour not in BEHAVIOURS:
        raise ValueError(f"unknown behaviour {behaviour!r}; known: {', '.join(BEHAVIOURS)}")
    return behaviour


def _behaviour_of_key(api_key: str | None) -> str | None:
    if not api_key or not api_key.startswith("key-"):
        return None
    name = api_key.removeprefix("key-").replace("-", "_")
    if name == "invalid":
        return "invalid_key"
    return name if name in BEHAVIOURS and name != "ok" else None


def synthesise(schema: Mapping[str, Any] | None) -> Any:
    """A value that satisfies a simple JSON schema (objects, arrays, scalars, enums)."""
    if not schema:
        return {"answer": "ok"}
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("anyOf", "oneOf", "allOf"):
        if schema.get(key):
            return synthesise(schema[key][0])
    kind = schema.get("type", "object")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object":
        properties = schema.get("properties") or {}
        return {name: synthesise(sub) for name, sub in properties.items()}
    if kind == "array":
        return [synthesise(schema.get("items") or {"type": "string"})] * max(
            schema.get("minItems", 1), 1
        )
    scalars = {"string": "text", "integer": 1, "number": 1.5, "boolean": True, "null": None}
    return scalars.get(str(kind).lower(), "text")


def breaking(schema: Mapping[str, Any] | None) -> Any:
    """Valid JSON of the wrong shape for the schema: the synthesised answer without its
    deepest required property (so the error has a path, e.g. `$.items[0]: 'text' is a
    required property`), else a value of the wrong type."""
    value = synthesise(schema)
    if _drop_deepest_required(value, schema):
        return value
    if schema and str(schema.get("type", "object")).lower() != "object":
        return {"breaks": "the schema"}
    return ["this", "breaks", "the", "schema"]


def _drop_deepest_required(value: Any, schema: Any) -> bool:
    if not isinstance(schema, Mapping):
        return False
    if isinstance(value, dict):
        for name, sub in (schema.get("properties") or {}).items():
            if name in value and _drop_deepest_required(value[name], sub):
                return True
        for name in schema.get("required") or []:
            if name in value:
                del value[name]
                return True
    elif isinstance(value, list) and value:
        return _drop_deepest_required(value[0], schema.get("items"))
    return False


def new_id(prefix: str = "") -> str:
    return prefix + os.urandom(12).hex()  # 24 random hex digits


class ServedInAThread:
    """A local server that `with` runs in a thread and event loop of its own (for tests
    whose code under test runs in another loop); a subclass gives start_async and
    stop_async, which `async with` calls in the caller's loop."""

    _loop: asyncio.AbstractEventLoop | None = None
    _thread: threading.Thread | None = None

    async def start_async(self) -> None:
        raise NotImplementedError

    async def stop_async(self) -> None:
        raise NotImplementedError

    async def __aenter__(self) -> Self:
        await self.start_async()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop_async()

    def __enter__(self) -> Self:
        started = threading.Event()
        loop = asyncio.new_event_loop()
        self._loop = loop

        def run() -> None:
            asyncio.set_event_loop(loop)
            loop.run_until_complete(self.start_async())
            started.set()
            loop.run_forever()
            loop.close()

        self._thread = threading.Thread(target=run, name=type(self).__name__, daemon=True)
        self._thread.start()
        if not started.wait(10):
            raise RuntimeError(f"{type(self).__name__} did not start")
        return self

    def __exit__(self, *exc_info: object) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        asyncio.run_coroutine_threadsafe(self.stop_async(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        self._loop = self._thread = None


@dataclass
class FakeServer(ServedInAThread):
    """An aiohttp server on 127.0.0.1 in a background thread; subclasses answer requests."""

    latency: float = 0.0
    slow_seconds: float = 30.0
    mix: Mapping[str, float] | None = None
    seed: int = 0
    port: int = 0
    record: bool = True  # keep every request in `requests` (off for long benches)
    requests: list[RecordedRequest] = field(default_factory=list)
    retry_after: float = DEFAULT_RETRY_AFTER  # Retry-After of the mix's rate_limited answers
    # A JSON-lines request log (chaos tests): a `received` line per request as it arrives,
    # an `answered` line (status, responseId) once answered; a client that hangs up on a
    # slow answer gets none.
    log_file: str | None = None

    def __post_init__(self) -> None:
        self.policy = Policy(self.mix, self.seed, self.retry_after)
        self._runner: web.AppRunner | None = None
        self._log: IO[str] | None = None
        self._seq = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def enqueue(self, behaviour: str, retry_after: float = DEFAULT_RETRY_AFTER) -> None:
        self.policy.enqueue(behaviour, retry_after)

    async def answer(self, request: web.Request, body: Any, answer: Answer) -> web.Response:
        raise NotImplementedError

    def api_key(self, request: web.Request) -> str | None:
        raise NotImplementedError

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode(errors="replace")
        answer = self.policy.choose(self.api_key(request))
        if self.record:
            self._record(request, body, answer)
        seq = self._log_received(request, body, answer)
        delay = self.slow_seconds if answer.behaviour == "slow" else self.latency
        if delay:
            await asyncio.sleep(delay)
        response = await self.answer(request, body, answer)
        self._log_answered(seq, response)
        return response

    def _log_line(self, line: dict[str, Any]) -> None:
        if self._log is not None:
            self._log.write(json.dumps(line) + "\n")
            self._log.flush()

    def _log_received(self, request: web.Request, body: Any, answer: Answer) -> int:
        self._seq += 1
        if self._log is not None:
            self._log_line(
                {
                    "event": "received",
                    "seq": self._seq,
                    "t": time.time(),
                    "method": request.method,
                    "path": request.path,
                    "api_key": self.api_key(request),
                    "behaviour": answer.behaviour,
                    "body": body,
                }
            )
        return self._seq

    def _log_answered(self, seq: int, response: web.Response) -> None:
        if self._log is None:
            return
        response_id = None
        with contextlib.suppress(ValueError, TypeError, AttributeError):
            response_id = json.loads(response.text or "").get("responseId")
        self._log_line(
            {
                "event": "answered",
                "seq": seq,
                "t": time.time(),
                "status": response.status,
                "response_id": response_id,
            }
        )

    def _record(self, request: web.Request, body: Any, answer: Answer) -> None:
        self.requests.append(
            RecordedRequest(
                method=request.method,
                path=request.path,
                query=dict(request.query),
                headers={k.lower(): v for k, v in request.headers.items()},
                body=body,
                answer=answer,
            )
        )

    async def start_async(self) -> None:
        if self.log_file is not None and self._log is None:
            self._log = open(self.log_file, "a", encoding="utf-8")  # noqa: SIM115
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, shutdown_timeout=0.2, handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port, backlog=1024)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop_async(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._log is not None:
            self._log.close()
            self._log = None


def parse_mix(text: str) -> dict[str, float]:
    """`rate_limited=0.1,server_error=0.05` → {"rate_limited": 0.1, "server_error": 0.05}."""
    pairs = (item.split("=", 1) for item in text.split(",") if item.strip())
    return {name.strip(): float(share) for name, share in pairs}


def main(server_class: type[FakeServer], description: str) -> None:
    """Runs a fake server in the foreground and prints its URL (for benches and chaos tests)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds before each answer")
    parser.add_argument("--slow", type=float, default=30.0, help="seconds a 'slow' answer takes")
    parser.add_argument("--mix", type=parse_mix, default={}, help="behaviour=share,...")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--retry-after",
        type=float,
        default=DEFAULT_RETRY_AFTER,
        help=f"Retry-After of the mix's rate_limited answers ({DEFAULT_RETRY_AFTER:g} s)",
    )
    parser.add_argument("--log-file", default=None, help="append a JSON-lines request log here")
    args = parser.parse_args()
    server = server_class(
        latency=args.latency,
        slow_seconds=args.slow,
        mix=args.mix,
        seed=args.seed,
        port=args.port,
        record=False,
        retry_after=args.retry_after,
        log_file=args.log_file,
    )

    async def serve() -> None:
        await server.start_async()
        print(server.url, flush=True)
        try:
            await asyncio.Event().wait()
        finally:
            await server.stop_async()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve())
