"""Writes what the tasks in flight produce, in batches: call records and completions.

Every task awaits its own write, but the writes of all tasks share transactions, as a
group commit does: whatever arrives while a batch is being written goes into the next
one. One transaction records every call (record_llm_calls) and completes every task
(complete_tasks) of a batch, so the database's statement triggers (fan-out bookkeeping,
counters, events) run once per batch and a batch's counter row is locked once, not once
per task. Under light load a batch holds one item and nothing waits; under heavy load
batches grow by themselves.

When a batch fails as a whole (a task deleted meanwhile, a bug), its items are written
one by one with the single-task RPCs, so one bad item cannot sink the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg_pool import AsyncConnectionPool

from orchable.config import log_event
from orchable.db import worker_rpc as rpc
from orchable.db.worker_rpc import CallRecord, Completion, StaleClaimError

log = logging.getLogger("orchable.writer")


@dataclass
class _Batch:
    calls: list[tuple[CallRecord, asyncio.Future[None]]] = field(default_factory=list)
    completions: list[tuple[Completion, asyncio.Future[str]]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.calls) + len(self.completions)


class ResultWriter:
    def __init__(self, pool: AsyncConnectionPool, max_batch: int = 500) -> None:
        self._pool = pool
        self._max_batch = max_batch
        self._next = _Batch()
        self._pending = asyncio.Event()
        self._runner: asyncio.Task[None] | None = None
        self.batches_written = 0  # transactions that wrote a batch
        self.items_written = 0  # call records and completions in them

    def start(self) -> None:
        self._runner = asyncio.create_task(self._run(), name="result-writer")

    async def close(self) -> None:
        """Writes what is queued, then stops."""
        while len(self._next):
            await self._write(self._take())
        if self._runner is not None:
            self._runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._runner

    async def record(self, call: CallRecord) -> None:
        """Returns once the call is recorded."""
        await asyncio.shield(self._queue_call(call))

    def record_soon(self, call: CallRecord) -> None:
        """Queues the call without waiting for its write: a completion queued after it is
        written in the same transaction or a later one. A failed write is logged."""
        self._queue_call(call).add_done_callback(_log_failed_record)

    def _queue_call(self, call: CallRecord) -> asyncio.Future[None]:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._next.calls.append((call, future))
        self._pending.set()
        return future

    async def complete(self, completion: Completion) -> str:
        """The task's new status once written; raises StaleClaimError when the claim was
        no longer ours (nothing changed)."""
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._next.completions.append((completion, future))
        self._pending.set()
        status = await asyncio.shield(future)
        if status in ("stale", "not_found"):
            raise StaleClaimError(f"task {completion.task_id}: {status}")
        return status

    def _take(self) -> _Batch:
        batch, rest = _Batch(), self._next
        batch.calls, rest.calls = rest.calls[: self._max_batch], rest.calls[self._max_batch :]
        room = self._max_batch - len(batch.calls)
        batch.completions = rest.completions[:room]
        rest.completions = rest.completions[room:]
        if len(rest):
            self._pending.set()
        return batch

    async def _run(self) -> None:
        while True:
            await self._pending.wait()
            self._pending.clear()
            batch = self._take()
            if len(batch):
                await self._write(batch)

    async def _write(self, batch: _Batch) -> None:
        try:
            async with self._pool.connection() as conn, conn.transaction():
                if batch.calls:
                    await rpc.record_llm_calls(conn, [call for call, _ in batch.calls])
                statuses = (
                    await rpc.complete_tasks(conn, [c for c, _ in batch.completions])
                    if batch.completions
                    else []
                )
        except (psycopg.Error, OSError) as exc:
            log_event(log, logging.WARNING, "batch_write_failed", size=len(batch), error=exc)
            await self._write_one_by_one(batch)
            return
        self.batches_written += 1
        self.items_written += len(batch)
        for _, future in batch.calls:
            _resolve(future, None)
        for (_, future), status in zip(batch.completions, statuses, strict=True):
            _resolve(future, status)

    async def _write_one_by_one(self, batch: _Batch) -> None:
        for call, future in batch.calls:
            try:
                async with self._pool.connection() as conn:
                    await rpc.record_llm_call(conn, **_call_arguments(call))
                _resolve(future, None)
            except Exception as exc:
                _fail(future, exc)
        for completion, done in batch.completions:
            try:
                async with self._pool.connection() as conn:
                    status = await rpc.complete_task(
                        conn,
                        completion.task_id,
                        completion.claim_token,
                        completion.output,
                        completion.usage,
                        completion.provenance,
                    )
                _resolve(done, status)
            except StaleClaimError:
                _resolve(done, "stale")
            except Exception as exc:
                _fail(done, exc)


def _call_arguments(call: CallRecord) -> dict[str, Any]:
    return {name: getattr(call, name) for name in call.__dataclass_fields__}


def _log_failed_record(future: asyncio.Future[None]) -> None:
    if not future.cancelled() and future.exception() is not None:
        log_event(log, logging.ERROR, "call_record_failed", error=future.exception())


def _resolve(future: asyncio.Future[Any], value: Any) -> None:
    if not future.done():
        future.set_result(value)


def _fail(future: asyncio.Future[Any], exc: BaseException) -> None:
    if not future.done():
        future.set_exception(exc)
