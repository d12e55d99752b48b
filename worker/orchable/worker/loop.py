"""The worker process: claims tasks in batches and makes up to `concurrency` LLM calls at
once (orchable.worker.slots).

Run loop: while the worker holds fewer than twice `concurrency` tasks, claim (claim_tasks)
and start one asyncio task per claimed task; then sleep until a NOTIFY on
`orchable_tasks`, a task ending, or the poll interval, whichever comes first. Up to
`concurrency` tasks call at once (orchable.worker.slots); the others wait for a slot, claimed
ahead, or have their results written. Claiming a whole round ahead means that when a
round of calls ends together (a batch launched at once), the next round starts at once,
not one claim and one key round trip later. One lease keeper calls
extend_lease for each task in flight every lease/3 seconds. Keys come from a KeyBroker
(orchable.worker.keys), which takes the keys of tasks starting together in one round trip.
`stop()` (SIGTERM, Ctrl-C) stops claiming, hands back the tasks waiting for a slot, lets
the calls in flight finish for the grace period, then cancels the rest, which hand their
task back with release_task (no retry spent). A worker that dies without a word loses
nothing: its leases expire and another worker claims the tasks again.

Unless `tick_seconds` is 0 (pg_cron ticks instead) or the worker drains, one more task
calls tick() every `tick_seconds`, which starts the monitor runs and cron trigger launches
that are due; ticks from many workers at once start each due run once.

Unless `deliver_notifications` is off or the worker drains, one more task delivers
notifications to webhooks and email addresses (orchable.worker.deliveries); it stops
claiming when the worker stops, and its tries in flight finish within the grace period.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
import socket
import uuid
from collections.abc import Mapping

import psycopg
from psycopg_pool import AsyncConnectionPool

from orchable.db import worker_rpc as rpc
from orchable.db.worker_rpc import ClaimedTask, StaleClaimError
from orchable.logs import log_event
from orchable.settings import WorkerSettings
from orchable.worker.deliveries import Deliveries
from orchable.worker.executor import Outcome, execute_task, release
from orchable.worker.keys import KeyBroker
from orchable.worker.providers.base import Provider
from orchable.worker.retries import database_retries
from orchable.worker.slots import CallSlots
from orchable.worker.writer import ResultWriter

log = logging.getLogger("orchable.worker.loop")

_RELEASE_TIMEOUT = 10.0


class Worker:
    def __init__(
        self,
        settings: WorkerSettings,
        providers: Mapping[str, Provider],
        pool: AsyncConnectionPool | None = None,
    ) -> None:
        self.settings = settings
        self.providers = providers
        self._pool = pool
        self._own_pool = pool is None
        self._writer: ResultWriter | None = None
        self._keys: KeyBroker | None = None
        self._deliveries: Deliveries | None = None
        self._inflight: dict[uuid.UUID, asyncio.Task[None]] = {}
        # Each task in flight, and when (loop time) its lease is next extended.
        self._leases: dict[uuid.UUID, tuple[ClaimedTask, float]] = {}
        self._wake = asyncio.Event()
        self._slots = CallSlots(settings.concurrency)
        self._hard_stop = asyncio.Event()
        self._stopping = False
        # Counters (read by the CLI and tests).
        self.claimed = 0
        self.completed = 0  # complete_task accepted the output (completed or generated)
        self.failed = 0  # failed for good
        self.retried = 0  # back to plan after a failure (a retry spent)
        self.released = 0  # release_task handed the task back (no retry spent)
        self.stale = 0  # the claim had gone to another worker: nothing changed

    @property
    def in_flight(self) -> int:
        return len(self._inflight)

    @property
    def deliveries(self) -> Deliveries | None:
        """The delivery loop (its counters), once a worker that delivers has started."""
        return self._deliveries

    @property
    def writer(self) -> ResultWriter:
        assert self._writer is not None, "the worker is not running"
        return self._writer

    @property
    def pool(self) -> AsyncConnectionPool:
        assert self._pool is not None, "the worker is not running"
        return self._pool

    def counters(self) -> dict[str, int]:
        return {
            "claimed": self.claimed,
            "completed": self.completed,
            "failed": self.failed,
            "retried": self.retried,
            "released": self.released,
            "stale": self.stale,
            "in_flight": self.in_flight,
            "result_batches": self._writer.batches_written if self._writer else 0,
            "results_written": self._writer.items_written if self._writer else 0,
        }

    def stop(self) -> None:
        """Stop claiming and finish or hand back in-flight tasks. A second call cancels
        in-flight tasks at once (they are released)."""
        if self._stopping:
            self._hard_stop.set()
            log_event(log, logging.WARNING, "stop_now", in_flight=self.in_flight)
        else:
            log_event(log, logging.INFO, "stopping", in_flight=self.in_flight)
        self._stopping = True
        self._slots.close()
        if self._deliveries is not None:
            self._deliveries.stop()
        self._wake.set()

    async def run(self) -> int:
        """Runs until stop(); a stop() before the run makes it return at once."""
        s = self.settings
        if self._pool is None:
            self._pool = rpc.create_pool(
                s.database_url, min_size=1, max_size=min(s.concurrency, 16) + 2
            )
        if self._own_pool:
            await self._pool.open(wait=True, timeout=30.0)
        self._writer = ResultWriter(self._pool)
        self._writer.start()
        self._keys = KeyBroker(self._pool)
        listener = None
        if s.effective_listen_url:
            listener = asyncio.create_task(self._listen(s.effective_listen_url))
        log_event(
            log,
            logging.INFO,
            "worker_started",
            worker_id=s.worker_id,
            host=socket.gethostname(),
            pid=os.getpid(),
            concurrency=s.concurrency,
            claim_batch=s.effective_claim_batch_size,
            lease_seconds=s.lease_seconds,
            listen=listener is not None,
            drain=s.drain,
            tick_seconds=self._tick_every,
            deliver=self._delivers,
        )
        keeper = asyncio.create_task(self._keep_leases())
        ticker = asyncio.create_task(self._tick()) if self._tick_every > 0 else None
        deliverer = None
        if self._delivers:
            self._deliveries = Deliveries(self._pool, s.worker_id, s.delivery)
            if self._stopping:
                self._deliveries.stop()
            deliverer = asyncio.create_task(self._deliveries.run())
        try:
            await self._loop()
        finally:
            if ticker is not None:  # no run starts while the worker stops
                ticker.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await ticker
            if self._deliveries is not None:
                self._deliveries.stop()
            await self._shutdown()
            if deliverer is not None:
                await self._finish_deliveries(deliverer)
            keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeper
            if self._keys is not None:
                await self._keys.close()
            await self.writer.close()
            if listener is not None:
                listener.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await listener
            if self._own_pool:
                await self._pool.close()
            log_event(log, logging.INFO, "worker_stopped", worker_id=s.worker_id, **self.counters())
        return 0

    async def _loop(self) -> None:
        s = self.settings
        failures = 0
        while not self._stopping:
            self._wake.clear()  # a NOTIFY arriving during the claim wakes the next wait
            # Tasks whose results are being written count too: a slow database must not
            # make the worker claim without end.
            free = 2 * s.concurrency - len(self._inflight)
            if free > 0:
                idle = not self._inflight
                try:
                    async with self.pool.connection() as conn:
                        tasks = await rpc.claim_tasks(
                            conn,
                            s.worker_id,
                            min(free, s.effective_claim_batch_size),
                            s.lease_seconds,
                        )
                    failures = 0
                except (psycopg.Error, OSError, TimeoutError) as exc:
                    failures += 1
                    log_event(log, logging.ERROR, "claim_failed", error=exc, failures=failures)
                    await self.pool.check()  # drop connections a cut left broken, at once
                    await self._sleep(min(s.poll_interval_seconds * failures, 30.0))
                    continue
                for task in tasks:
                    self._start(task)
                if tasks:
                    log_event(log, logging.DEBUG, "claimed", count=len(tasks))
                    continue  # more may be runnable: claim again while slots are free
                if s.drain and idle:
                    log_event(log, logging.INFO, "drained")
                    return
            await self._sleep(s.poll_interval_seconds)

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)

    def _start(self, task: ClaimedTask) -> None:
        self.claimed += 1
        runner = asyncio.create_task(self._run_one(task), name=f"task-{task.task_id}")
        self._inflight[task.task_id] = runner
        self._leases[task.task_id] = (task, runner.get_loop().time() + self._extend_every)

        def done(_: asyncio.Task[None]) -> None:
            self._inflight.pop(task.task_id, None)
            self._leases.pop(task.task_id, None)
            self._wake.set()

        runner.add_done_callback(done)

    async def _run_one(self, task: ClaimedTask) -> None:
        try:
            assert self._keys is not None
            outcome = await execute_task(
                self.pool,
                self.providers,
                task,
                self.settings.executor,
                self.writer,
                self._keys,
                self._slots,
            )
            self._count(outcome)
        except asyncio.CancelledError:
            # Stopping: hand the task back, no retry spent.
            with contextlib.suppress(Exception):
                outcome = await asyncio.wait_for(
                    release(self.pool, task, 0, "worker stopping"), _RELEASE_TIMEOUT
                )
                self._count(outcome)
            raise
        except Exception as exc:
            # A bug or the database going away: leave the task to its lease, which
            # expires and lets a worker claim it again.
            log_event(log, logging.ERROR, "task_crashed", task_id=task.task_id, error=repr(exc))
            log.debug("task_crashed", exc_info=True)

    @property
    def _extend_every(self) -> float:
        return max(0.2, self.settings.lease_seconds / 3)

    async def _keep_leases(self) -> None:
        """One loop for every task in flight (not a task each): a lease is extended once
        a third of it has passed since the claim or the last extension."""
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(self._extend_every / 4)
            now = loop.time()
            due = [task for task, at in self._leases.values() if at <= now]
            for task in due:
                self._leases[task.task_id] = (task, now + self._extend_every)
            await asyncio.gather(*(self._extend_lease(task) for task in due))

    async def _extend_lease(self, task: ClaimedTask) -> None:
        try:
            async with self.pool.connection() as conn:
                until = await rpc.extend_lease(
                    conn, task.task_id, task.claim_token, self.settings.lease_seconds
                )
            log_event(log, logging.DEBUG, "lease_extended", task_id=task.task_id, until=until)
        except StaleClaimError:
            # Another worker holds it now (our result will be refused as stale), unless the
            # task ended while its lease was being extended.
            if self._leases.pop(task.task_id, None) is not None:
                log_event(log, logging.WARNING, "lease_lost", task_id=task.task_id)
        except (psycopg.Error, OSError, TimeoutError) as exc:
            log_event(
                log, logging.WARNING, "lease_extension_failed", task_id=task.task_id, error=exc
            )

    @property
    def _tick_every(self) -> float:
        """0 (never) for a draining worker: drain is for tests and demos."""
        return 0.0 if self.settings.drain else max(0.0, self.settings.tick_seconds)

    async def _tick(self) -> None:
        """Calls tick() at once and then every tick_seconds until cancelled. A failure is
        logged and the next tick tries again."""
        while True:
            try:
                async with self.pool.connection() as conn:
                    done = await rpc.tick(conn)
                level = logging.INFO if done else logging.DEBUG
                log_event(log, level, "tick", **dataclasses.asdict(done))
            except Exception as exc:  # the database's, or a bug: never the worker's end
                log_event(log, logging.WARNING, "tick_failed", error=exc)
            await asyncio.sleep(self._tick_every)

    @property
    def _delivers(self) -> bool:
        """False for a draining worker: drain is for tests and demos."""
        return self.settings.deliver_notifications and not self.settings.drain

    async def _finish_deliveries(self, deliverer: asyncio.Task[None]) -> None:
        """Lets the tries in flight finish and be reported within the grace period (none
        after a second stop()), then cancels them: each is tried again once its lease
        lapses."""
        grace = 0.0 if self._hard_stop.is_set() else self.settings.shutdown_grace_seconds
        hard_stop = asyncio.create_task(self._hard_stop.wait())
        try:
            await asyncio.wait(
                {deliverer, hard_stop}, timeout=grace, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            hard_stop.cancel()
        if not deliverer.done():
            deliverer.cancel()
            log_event(log, logging.WARNING, "deliveries_cancelled")
        with contextlib.suppress(asyncio.CancelledError):
            try:
                await deliverer
            except Exception as exc:  # a bug in the loop: never the worker's end
                log_event(log, logging.ERROR, "deliveries_crashed", error=repr(exc))

    def _count(self, outcome: Outcome) -> None:
        match outcome:
            case Outcome.COMPLETED:
                self.completed += 1
            case Outcome.FAILED:
                self.failed += 1
            case Outcome.RETRYING:
                self.retried += 1
            case Outcome.RELEASED:
                self.released += 1
            case Outcome.STALE:
                self.stale += 1

    async def _shutdown(self) -> None:
        if not self._inflight:
            return
        grace = 0.0 if self._hard_stop.is_set() else self.settings.shutdown_grace_seconds
        log_event(log, logging.INFO, "finishing", in_flight=self.in_flight, grace_seconds=grace)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace
        hard_stop = asyncio.create_task(self._hard_stop.wait())
        try:
            while self._inflight and not self._hard_stop.is_set():
                remaining = deadline - loop.time()
                if remaining <= 0:
                    break
                await asyncio.wait(
                    {*self._inflight.values(), hard_stop},
                    timeout=remaining,
                    return_when=asyncio.FIRST_COMPLETED,
                )
        finally:
            hard_stop.cancel()
        pending = list(self._inflight.values())
        if pending:
            log_event(log, logging.WARNING, "cancelling", in_flight=len(pending))
            for runner in pending:
                runner.cancel()
            await asyncio.wait(pending, timeout=_RELEASE_TIMEOUT + 5.0)

    async def _listen(self, url: str) -> None:
        """LISTEN until the worker stops, connecting again after any failure."""
        async for attempt in database_retries(
            attempts=None, first_wait=1.0, max_wait=30.0, on=(psycopg.Error, OSError)
        ):
            with attempt:
                try:
                    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
                        await rpc.listen_for_tasks(conn)
                        log_event(log, logging.DEBUG, "listening", channel=rpc.TASKS_CHANNEL)
                        self._wake.set()  # poll once: NOTIFY may have been missed while away
                        while True:
                            async for _ in conn.notifies(
                                timeout=self.settings.poll_interval_seconds
                            ):
                                self._wake.set()
                except (psycopg.Error, OSError) as exc:
                    log_event(log, logging.WARNING, "listen_failed", error=exc)
                    raise


__all__ = ["StaleClaimError", "Worker", "WorkerSettings"]
