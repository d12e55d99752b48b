"""Writes what the tasks in flight produce, in batches: call records and completions.

Every task awaits its own write, but the writes of all tasks share transactions, as a
group commit does: whatever arrives while a batch is being written goes into the next
one. One transaction completes every task (complete_tasks) and records every call
(record_llm_calls) of a batch, so the database's statement triggers (fan-out bookkeeping,
counters, events) run once per batch and a batch's counter row is locked once, not once
per task; completions go first, so that row (counters, then spend) stays locked from the
completions to the commit, not through the whole transaction. Under light load a batch
holds one item and nothing waits; under heavy load batches grow by themselves.

When a batch fails as a whole (a cut connection, a task deleted meanwhile, a bug), it is
written again one transaction per task, each task's call records with its completion, so
one bad item cannot sink the others; a cut is retried. A task whose call record could
not be written is not completed in that claim: its lease expires and it runs again, so a
completed task never misses a call in llm_calls.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg_pool import AsyncConnectionPool

from orchable.db import worker_rpc as rpc
from orchable.db.worker_rpc import CallRecord, Completion, StaleClaimError
from orchable.logs import log_event
from orchable.worker.retries import DATABASE_FAULTS, database_retries

log = logging.getLogger("orchable.worker.writer")
_UNIT_ATTEMPTS = 3  # tries of one task's write after a failed batch


class UnrecordedCallError(RuntimeError):
    """A call record of the task could not be written, so its completion was not either."""


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
        self._unrecorded: set[uuid.UUID] = set()  # claims with a call record that was lost
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

    def record_soon(self, call: CallRecord) -> asyncio.Future[None]:
        """Queues the call without waiting for its write; returns the write's future. A
        completion queued after it is written in the same transaction or a later one, and
        never without it. A failed write is logged."""
        future = self._queue_call(call)
        future.add_done_callback(_log_failed_record)
        return future

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
        # A claim whose call record was lost does not complete its task: the lease expires
        # and the task runs again (a new claim), so llm_calls never misses a call of a
        # completed task.
        for completion, done in batch.completions:
            if completion.claim_token in self._unrecorded:
                _fail(
                    done, UnrecordedCallError(f"task {completion.task_id}: a call record was lost")
                )
        batch.completions = [(c, done) for c, done in batch.completions if not done.done()]
        try:
            async with self._pool.connection() as conn, conn.transaction():
                statuses = (
                    await rpc.complete_tasks(conn, [c for c, _ in batch.completions])
                    if batch.completions
                    else []
                )
                if batch.calls:
                    await rpc.record_llm_calls(conn, [call for call, _ in batch.calls])
        except (psycopg.Error, OSError) as exc:
            log_event(log, logging.WARNING, "batch_write_failed", size=len(batch), error=exc)
            await self._pool.check()  # drop connections a cut left broken, at once
            await self._write_per_task(batch)
            return
        self.batches_written += 1
        self.items_written += len(batch)
        for _, recorded in batch.calls:
            _resolve(recorded, None)
        for (_, completed), status in zip(batch.completions, statuses, strict=True):
            _resolve(completed, status)

    async def _write_per_task(self, batch: _Batch) -> None:
        """After a failed batch write: one transaction per task, its call records with its
        completion, so that one bad element or a cut connection costs only its own task,
        and a completion is never written without its calls."""
        completing = {completion.task_id for completion, _ in batch.completions}
        for call, future in batch.calls:
            if call.task_id not in completing:
                await self._write_unit([(call, future)], None)
        for completion, done in batch.completions:
            calls = [(c, f) for c, f in batch.calls if c.task_id == completion.task_id]
            await self._write_unit(calls, (completion, done))

    async def _write_unit(
        self,
        calls: list[tuple[CallRecord, asyncio.Future[None]]],
        completion: tuple[Completion, asyncio.Future[str]] | None,
    ) -> None:
        try:
            async for attempt in database_retries(
                attempts=_UNIT_ATTEMPTS, first_wait=0.2, max_wait=1.0
            ):
                with attempt:
                    try:
                        async with self._pool.connection() as conn, conn.transaction():
                            statuses = (
                                await rpc.complete_tasks(conn, [completion[0]])
                                if completion
                                else []
                            )
                            if calls:
                                await rpc.record_llm_calls(conn, [c for c, _ in calls])
                    except DATABASE_FAULTS:  # a cut: try again on a fresh connection
                        await self._pool.check()
                        raise
        except Exception as exc:  # cut every time, or the data itself: no retry can help
            for call, future in calls:
                self._unrecorded.add(call.claim_token)
                _fail(future, exc)
            if completion:
                _fail(completion[1], exc)
            return
        for _, future in calls:
            _resolve(future, None)
        if completion:
            _resolve(completion[1], statuses[0])


def _log_failed_record(future: asyncio.Future[None]) -> None:
    if not future.cancelled() and future.exception() is not None:
        log_event(log, logging.ERROR, "call_record_failed", error=future.exception())


def _resolve(future: asyncio.Future[Any], value: Any) -> None:
    if not future.done():
        future.set_result(value)


def _fail(future: asyncio.Future[Any], exc: BaseException) -> None:
    if not future.done():
        future.set_exception(exc)
