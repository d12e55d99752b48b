"""Running workers: a worker in this process (its settings, a run until it drains), a worker
or any `orchable` command as a subprocess on a test's database, the real providers pointed
at the fake servers on 127.0.0.1, and providers and pools that misbehave on purpose.

No wait here has a deadline of its own: the test's timeout (pytest-timeout) bounds them."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
from fakes.common import FakeServer
from fakes.gemini_server import FakeGemini
from orchable.settings import ExecutorSettings, WorkerSettings
from orchable.worker.loop import Worker
from orchable.worker.providers.base import LLMRequest, LLMResponse, Provider
from orchable.worker.providers.gemini import GeminiProvider
from orchable.worker.providers.offline import OfflineProvider
from orchable.worker.providers.openai import OpenAIProvider
from psycopg_pool import AsyncConnectionPool

from .databases import Database
from .pipelines import Schema, single_stage
from .tasks import launch, tasks

ROOT = Path(__file__).resolve().parents[2]

TASKS_PER_ROOT = 5  # of the course builder: outline, three questions (offline arrays), quiz


def settings(url: str, **overrides: Any) -> WorkerSettings:
    """A worker's settings for the tests: offline by default, quick to poll and to stop."""
    executor = overrides.pop("executor", ExecutorSettings(default_provider="offline"))
    base: dict[str, Any] = {
        "database_url": url,
        "listen_url": None,
        "concurrency": 8,
        "lease_seconds": 30,
        "poll_interval_seconds": 0.2,
        "worker_id": f"test-{uuid.uuid4().hex[:8]}",
        "shutdown_grace_seconds": 5.0,
        "drain": True,
        "executor": executor,
    }
    base.update(overrides)
    return WorkerSettings(**base)


async def run_worker(worker: Worker, until: Callable[[], bool] | None = None) -> Worker:
    """Runs the worker until it drains, or until `until()` holds (checked every 0.1 s) and
    it has stopped."""
    runner = asyncio.create_task(worker.run())
    try:
        while until is not None and not runner.done():
            if until():
                worker.stop()
                break
            await asyncio.sleep(0.1)
        await runner
    finally:
        if not runner.done():
            runner.cancel()
    return worker


async def until(predicate: Callable[[], bool]) -> None:
    """Waits, in the event loop, until predicate() holds."""
    while not predicate():
        await asyncio.sleep(0.02)


def wait_for(predicate: Callable[[], bool]) -> None:
    """Waits, outside any event loop, until predicate() holds."""
    while not predicate():
        time.sleep(0.05)


def orchable(
    database: Database, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Runs `orchable ARGS` on the database to its end; its output as text."""
    return subprocess.run(
        [sys.executable, "-m", "orchable.cli", *args],
        cwd=ROOT,
        env=database.environ(**{"COLUMNS": "160", **(env or {})}),
        capture_output=True,
        text=True,
    )


@contextlib.contextmanager
def spawn_worker(database: Database, *args: str) -> Iterator[subprocess.Popen[bytes]]:
    """`orchable worker ARGS` on the database while the block runs, its output (stdout and
    stderr) piped; killed at the end of the block if it still runs."""
    with subprocess.Popen(
        [sys.executable, "-m", "orchable.cli", "worker", *args],
        cwd=ROOT,
        env=database.environ(PYTHONUNBUFFERED="1"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    ) as process:
        try:
            yield process
        finally:
            if process.poll() is None:
                process.kill()


def run_single(
    admin: psycopg.Connection,
    owner: uuid.UUID,
    worker_url: str,
    providers: dict[str, Any],
    ai_settings: dict[str, Any],
    output_schema: str | Schema | None = "answer",
    executor: ExecutorSettings | None = None,
) -> tuple[Worker, uuid.UUID, dict[str, Any]]:
    """Launches one task of a one-stage pipeline, drains it with one worker (then closes
    the providers' clients), and returns the worker, the batch id and the task's row."""
    orchestrator_id = single_stage(
        admin,
        owner,
        f"single-{uuid.uuid4().hex[:6]}",
        ai_settings=ai_settings,
        output_schema=output_schema,
    )
    batch_id = launch(admin, owner, orchestrator_id, [{"question": "why?"}])["id"]
    worker = Worker(
        settings(
            worker_url,
            concurrency=2,
            executor=executor or ExecutorSettings(default_provider="offline"),
        ),
        providers,
    )

    async def drain() -> None:
        try:
            await run_worker(worker)
        finally:
            for provider in providers.values():
                await provider.aclose()

    asyncio.run(drain())
    [row] = tasks(admin, batch_id)
    return worker, batch_id, row


REAL_MODELS = {"gemini": "gemini-2.5-flash", "openai": "gpt-4.1-mini"}


class Real:
    """A real provider (google-genai for gemini, httpx for openai) pointed at its fake
    server; `model` is the stage's model and `provider()` builds a new client."""

    def __init__(self, fake: FakeServer) -> None:
        self.fake = fake
        self.name = "gemini" if isinstance(fake, FakeGemini) else "openai"
        self.model = REAL_MODELS[self.name]

    def provider(self) -> Provider:
        if self.name == "gemini":
            return GeminiProvider(base_url=self.fake.url)
        return OpenAIProvider(base_url=f"{self.fake.url}/v1")

    def providers(self) -> dict[str, Provider]:
        return {self.name: self.provider()}

    def ai_settings(self, **more: Any) -> dict[str, Any]:
        return {"provider": self.name, "model": self.model, **more}

    def keys_sent(self) -> list[str | None]:
        """The API key of every request the fake received, in order."""
        if self.name == "gemini":
            return [r.headers.get("x-goog-api-key") for r in self.fake.requests]
        return [
            r.headers.get("authorization", "").removeprefix("Bearer ") for r in self.fake.requests
        ]

    def models_sent(self) -> list[str]:
        if self.name == "gemini":
            return [r.path.rpartition("/models/")[2].partition(":")[0] for r in self.fake.requests]
        return [r.body["model"] for r in self.fake.requests]


class CutPool:
    """The worker's pool, except that its first `cuts` connections are cut mid-use."""

    def __init__(self, pool: AsyncConnectionPool, cuts: int) -> None:
        self.pool, self.cuts = pool, cuts

    @contextlib.asynccontextmanager
    async def connection(self) -> AsyncIterator[Any]:
        async with self.pool.connection() as conn:
            if self.cuts > 0:
                self.cuts -= 1
                raise psycopg.errors.AdminShutdown("terminating connection (a cut)")
            yield conn

    async def check(self) -> None:
        await self.pool.check()


class GatedProvider:
    """The offline provider, except that every call waits for `gate`; counts the calls in
    progress and the most there ever were at once."""

    name = "offline"
    needs_key = False

    def __init__(self) -> None:
        self.offline = OfflineProvider()
        self.gate = asyncio.Event()
        self.calling = 0
        self.most_at_once = 0
        self.started = 0

    async def generate(self, request: LLMRequest, api_key: str | None) -> LLMResponse:
        self.started += 1
        self.calling += 1
        self.most_at_once = max(self.most_at_once, self.calling)
        try:
            await self.gate.wait()
            return await self.offline.generate(request, api_key)
        finally:
            self.calling -= 1

    async def aclose(self) -> None:
        await self.offline.aclose()
