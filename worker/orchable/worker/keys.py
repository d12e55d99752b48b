"""A worker's traffic with the key pool, in batches.

Acquire: the calls that ask for a key in the same turn of the event loop (the tasks of one
claim, starting together) share one acquire_task_api_keys round trip, each named by its
task and claim token (the database hands a key only for a task the worker holds), and get
the keys in turn as one acquire_api_key per call would hand them out.

Report: a failure (rate limit, server error, timeout, invalid key) is reported at once and
awaited, so the key is blocked before the task takes its next key. A success only resets
the key's failure streak: successes wait up to REPORT_DELAY and go together, in one
statement. Batches are sent one at a time, and a key's reports land in the order they were
made, so a success never lands after a failure that came later (a batch takes its keys in
id order, as acquire_api_keys locks them, so the two never deadlock).

A batch serves many tasks: one broken by a cut connection or a deadlock is tried again.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from orchable.db import worker_rpc as rpc
from orchable.db.worker_rpc import ApiKey, ClaimedTask, KeyReport
from orchable.logs import log_event
from orchable.worker.retries import DATABASE_FAULTS, database_retries

log = logging.getLogger("orchable.worker.keys")

REPORT_DELAY = 0.05  # seconds a success report may wait for others
_ATTEMPTS = 3  # tries of a batch that a cut connection or a deadlock broke
_Group = tuple[uuid.UUID, str, str | None]  # owner, provider, model
_Claim = tuple[uuid.UUID, uuid.UUID]  # task id, claim token
_Waiting = tuple[_Claim, asyncio.Future[ApiKey | None]]
_T = TypeVar("_T")
_MAX_BATCH = 1000  # what acquire_task_api_keys and report_api_key_results take at once


class KeyBroker:
    def __init__(self, pool: AsyncConnectionPool) -> None:
        self._pool = pool
        self._waiting: dict[_Group, list[_Waiting]] = {}
        self._running: set[asyncio.Task[None]] = set()
        self._reports: list[tuple[KeyReport, asyncio.Future[None]]] = []
        self._report_timer: asyncio.TimerHandle | None = None
        self._sending = asyncio.Lock()  # one report batch at a time, in order

    async def acquire(self, task: ClaimedTask, provider: str, model: str | None) -> ApiKey | None:
        """A key for one call of a task the worker holds, or None when the task's owner has
        no usable key for the provider (or the claim is no longer the worker's)."""
        loop = asyncio.get_running_loop()
        group = (task.owner_id, provider, model)
        future: asyncio.Future[ApiKey | None] = loop.create_future()
        waiting = self._waiting.setdefault(group, [])
        waiting.append(((task.task_id, task.claim_token), future))
        if len(waiting) == 1:
            # After the callbacks already due: the other tasks starting now ask first.
            loop.call_soon(self._send_acquire, group)
        return await future

    async def report(self, report: KeyReport) -> None:
        """Reports how a call went. Returns once a failure is written; a success is queued."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._reports.append((report, future))
        if report.outcome != "success":
            await self._send_reports()
            await future
        elif self._report_timer is None:
            self._report_timer = asyncio.get_running_loop().call_later(
                REPORT_DELAY, lambda: self._spawn(self._send_reports())
            )

    async def close(self) -> None:
        """Sends the reports still queued."""
        await self._send_reports()
        if self._running:
            await asyncio.wait(set(self._running))

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    def _send_acquire(self, group: _Group) -> None:
        waiting = self._waiting.pop(group, [])
        for start in range(0, len(waiting), _MAX_BATCH):
            self._spawn(self._acquire(group, waiting[start : start + _MAX_BATCH]))

    async def _acquire(self, group: _Group, waiting: list[_Waiting]) -> None:
        _, provider, model = group
        claims = [claim for claim, _ in waiting]
        try:
            keys = await self._retrying(
                lambda conn: rpc.acquire_task_api_keys(conn, claims, provider, model)
            )
        except Exception as exc:
            for _, future in waiting:
                if not future.done():
                    future.set_exception(exc)
            return
        for (_, future), key in zip(waiting, keys, strict=True):
            if not future.done():
                future.set_result(key)

    async def _send_reports(self) -> None:
        async with self._sending:
            if self._report_timer is not None:
                self._report_timer.cancel()
                self._report_timer = None
            batch, self._reports = self._reports, []
            if not batch:
                return
            reports = [report for report, _ in batch]
            try:
                for start in range(0, len(reports), _MAX_BATCH):
                    chunk = reports[start : start + _MAX_BATCH]
                    await self._retrying(functools.partial(_report_results, chunk=chunk))
            except Exception as exc:
                failures = [future for report, future in batch if report.outcome != "success"]
                if len(failures) < len(batch):  # nobody awaits a success: say it here
                    log_event(log, logging.WARNING, "key_reports_lost", count=len(batch), error=exc)
                for future in failures:
                    if not future.done():
                        future.set_exception(exc)
                return
            for _, future in batch:
                if not future.done():
                    future.set_result(None)

    async def _retrying(self, call: Callable[[AsyncConnection], Awaitable[_T]]) -> _T:
        """The call's result; a batch serves many tasks, so a cut connection or a deadlock
        is tried again on a fresh connection rather than failing all of them."""
        async for attempt in database_retries(attempts=_ATTEMPTS, first_wait=0.05, max_wait=0.5):
            with attempt:
                try:
                    async with self._pool.connection() as conn:
                        return await call(conn)
                except DATABASE_FAULTS as exc:
                    log_event(
                        log, logging.WARNING, "key_batch_failed", attempt=attempt.num, error=exc
                    )
                    await self._pool.check()
                    raise
        raise AssertionError("unreachable: the last attempt raises")


async def _report_results(conn: AsyncConnection, chunk: list[KeyReport]) -> None:
    await rpc.report_api_key_results(conn, chunk)
