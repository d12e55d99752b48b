"""What the worker tests share: an offline split-and-merge pipeline, the real providers
pointed at the fake servers on 127.0.0.1, running a worker in this process or as a
subprocess, and reading back tasks, llm_calls and api_key_health."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import psycopg
from fakes.common import FakeServer
from fakes.gemini_server import FakeGemini
from orchable.config import ExecutorSettings, WorkerSettings
from orchable.db import worker_rpc as rpc
from orchable.db.worker_rpc import ClaimedTask
from orchable.providers.base import LLMRequest, LLMResponse, Provider
from orchable.providers.gemini import GeminiProvider
from orchable.providers.offline import OfflineProvider
from orchable.providers.openai import OpenAIProvider
from orchable.worker import Worker
from pipelines import ANSWER, apply_pipeline, course_pipeline
from psycopg_pool import AsyncConnectionPool

ROOT = Path(__file__).resolve().parents[2]

TASKS_PER_ROOT = 5  # outline, three questions (offline arrays have 3 items), quiz


def seed_pipeline(
    conn: psycopg.Connection,
    owner: uuid.UUID,
    name: str,
    ai_settings: dict[str, Any] | None = None,
    max_retries: int = 3,
) -> uuid.UUID:
    """The course pipeline, every stage with an output_schema and the given ai_settings
    (offline by default)."""
    settings = ai_settings if ai_settings is not None else {"provider": "offline"}
    definition = course_pipeline(
        name, owner, ai_settings=settings, max_retries=max_retries, schemas=True
    )
    return apply_pipeline(conn, definition)


def seed_single_stage(
    conn: psycopg.Connection,
    owner: uuid.UUID,
    name: str,
    ai_settings: dict[str, Any],
    output_schema: dict[str, Any] | None = ANSWER,
    max_retries: int = 3,
) -> uuid.UUID:
    stage = {
        "key": "answer",
        "template": "Answer {{question}}",
        "ai_settings": ai_settings,
        "output_schema": output_schema,
        "max_retries": max_retries,
    }
    definition = {"name": name, "owner_id": str(owner), "entry": "answer", "stages": [stage]}
    row = conn.execute(
        "select (public.upsert_orchestrator(%s::jsonb)).id", (json.dumps(definition),)
    ).fetchone()
    assert row is not None
    return row["id"]


async def held_tasks(
    admin: psycopg.Connection, worker_url: str, owner: uuid.UUID, count: int
) -> list[ClaimedTask]:
    """`count` tasks of the owner, claimed as the worker (the owner's work is the only work
    due: the `owner` fixture pauses every other batch). Keys are handed out for these."""
    pipeline = seed_single_stage(admin, owner, f"held-{uuid.uuid4()}", {"provider": "gemini"})
    inputs = json.dumps([{"question": f"q{i}"} for i in range(count)])
    admin.execute("select public.launch_batch(%s, %s::jsonb)", (pipeline, inputs))
    async with await psycopg.AsyncConnection.connect(worker_url, autocommit=True) as conn:
        held = await rpc.claim_tasks(conn, "tests", count, 600)
    assert len(held) == count and {task.owner_id for task in held} == {owner}
    return held


def add_key(
    conn: psycopg.Connection, owner: uuid.UUID, provider: str, secret: str, priority: int = 0
) -> uuid.UUID:
    row = conn.execute(
        "select (public.add_api_key(p_provider => %s::text, p_api_key => %s::text,"
        " p_key_name => %s::text, p_priority => %s::integer, p_owner_id => %s::uuid)).id",
        (provider, secret, secret, priority, owner),
    ).fetchone()
    assert row is not None
    return row["id"]


def tasks(conn: psycopg.Connection, batch_id: uuid.UUID) -> list[dict[str, Any]]:
    return conn.execute(
        "select t.id, t.stage_key, t.status, t.retry_count, t.claim_count, t.locked_by,"
        " t.run_after, t.error_code, t.error_message, t.output_data, t.usage, t.provenance,"
        " (select count(*)::integer from public.task_events as e where e.task_id = t.id"
        "   and e.to_status = 'completed') as completions,"
        " (select count(*)::integer from public.llm_calls as c where c.task_id = t.id"
        "   and c.outcome = 'success') as successful_calls"
        " from public.ai_tasks as t where t.batch_id = %s::uuid order by t.created_at, t.id",
        (batch_id,),
    ).fetchall()


def calls(conn: psycopg.Connection, batch_id: uuid.UUID) -> list[dict[str, Any]]:
    return conn.execute(
        "select c.task_id, c.provider, c.model, c.outcome, c.api_key_id, c.error, c.http_status,"
        " c.attempt, c.input_tokens, c.output_tokens, c.response_id"
        " from public.llm_calls as c where c.batch_id = %s::uuid order by c.id",
        (batch_id,),
    ).fetchall()


def batch(conn: psycopg.Connection, batch_id: uuid.UUID) -> dict[str, Any]:
    row = conn.execute(
        "select b.status, b.total_tasks, b.completed_tasks, b.failed_tasks,"
        " r.completed_tasks as recount_completed, r.failed_tasks as recount_failed"
        " from public.task_batches as b cross join tests.recount(b.id) as r"
        " where b.id = %s::uuid",
        (batch_id,),
    ).fetchone()
    assert row is not None
    return row


def settings(url: str, **overrides: Any) -> WorkerSettings:
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


async def run_worker(
    worker: Worker, timeout: float = 30.0, until: Callable[[], bool] | None = None
) -> Worker:
    """Runs the worker until it drains (or `until()` holds, checked every 0.1 s), bounded."""
    runner = asyncio.create_task(worker.run())
    deadline = time.monotonic() + timeout
    try:
        while not runner.done():
            if time.monotonic() > deadline:
                raise AssertionError(f"the worker did not finish within {timeout} s")
            if until is not None and until():
                worker.stop()
                break
            await asyncio.sleep(0.1)
        await asyncio.wait_for(runner, timeout=15.0)
    finally:
        if not runner.done():
            runner.cancel()
    return worker


def spawn_worker(url: str, *args: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "ORCHABLE_WORKER_DATABASE_URL": url, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "orchable.cli", "worker", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def wait_for(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


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


def run_single(
    admin: psycopg.Connection,
    owner: uuid.UUID,
    worker_url: str,
    providers: dict[str, Any],
    ai_settings: dict[str, Any],
    output_schema: dict[str, Any] | None = ANSWER,
    executor: ExecutorSettings | None = None,
) -> tuple[Worker, uuid.UUID, dict[str, Any]]:
    """Launches one task of a one-stage pipeline, drains it with one worker (then closes
    the providers' clients), and returns the worker, the batch id and the task's row."""
    from concurrency.drive import launch

    orchestrator_id = seed_single_stage(
        admin, owner, f"single-{uuid.uuid4().hex[:6]}", ai_settings, output_schema
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
            await run_worker(worker, timeout=30)
        finally:
            for provider in providers.values():
                await provider.aclose()

    asyncio.run(drain())
    [row] = tasks(admin, batch_id)
    return worker, batch_id, row


def seconds_until(conn: psycopg.Connection, moment: Any) -> float:
    row = conn.execute(
        "select extract(epoch from %s::timestamptz - now())::float as s", (moment,)
    ).fetchone()
    assert row is not None
    return row["s"]


def key_health(conn: psycopg.Connection, key_id: uuid.UUID) -> dict[str, Any]:
    row = conn.execute(
        "select k.is_active, h.blocked_until, h.block_reason, h.consecutive_failures,"
        " h.total_calls, h.total_failures,"
        " extract(epoch from h.blocked_until - now())::float as blocked_for"
        " from public.user_api_keys as k join public.api_key_health as h"
        " on h.user_api_key_id = k.id where k.id = %s::uuid",
        (key_id,),
    ).fetchone()
    assert row is not None
    return row


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


async def until(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    """Waits (in the event loop) until predicate() holds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(0.02)
