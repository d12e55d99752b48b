"""The worker's LLM calls at once: `concurrency` slots.

A claimed task takes a slot for its calls (keys rotated, fallback models tried) and gives
it back before its result is written, so the writer's batches never keep a call waiting.
The worker claims a few more tasks than it has slots (`ahead`): when a call ends, the
next task calls at once, not one claim's round trip later. Those tasks wait here, holding
their claim; once the worker stops they get no slot: `WorkerStopping`, and they are handed
back (release_task, no retry spent) while the tasks calling finish.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Callable


class WorkerStopping(Exception):
    """The worker stopped before the task got a slot: hand the task back."""


class CallSlots:
    def __init__(self, size: int, on_free: Callable[[], None]) -> None:
        self._on_free = on_free  # a slot was given back
        self.ahead = max(1, size // 8)  # claimed tasks waiting for a slot, at most
        self._free = asyncio.Semaphore(size)
        self._waiting = 0
        self._closed = False
        # Tasks whose calls are over (their results being written): they no longer count
        # against the claims. The worker forgets each one once its task is done.
        self.past: set[uuid.UUID] = set()

    @contextlib.asynccontextmanager
    async def slot(self, task_id: uuid.UUID) -> AsyncIterator[None]:
        """Holds one of the slots while the block runs; raises WorkerStopping instead once
        the worker stops."""
        if self._closed:
            raise WorkerStopping
        self._waiting += 1
        try:
            await self._free.acquire()
        finally:
            self._waiting -= 1
        try:
            if self._closed:
                raise WorkerStopping
            yield
        finally:
            self._free.release()
            self.past.add(task_id)
            self._on_free()

    def close(self) -> None:
        """No task gets a slot any more: the ones waiting are let through at once, to find
        the slots closed."""
        self._closed = True
        for _ in range(self._waiting):
            self._free.release()
