"""The worker's LLM calls at once: `concurrency` slots.

A claimed task takes a slot for its calls (keys rotated, fallback models tried) and gives
it back before its result is written, so the writer's batches never keep a call waiting.
The worker holds up to twice as many tasks as it has slots (orchable.worker.loop): the ones
claimed ahead wait here, holding their claim, so that when calls end the next ones start
at once, not one claim's round trip later. Once the worker stops they get no slot:
`WorkerStopping`, and they are handed back (release_task, no retry spent) while the tasks
calling finish.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator


class WorkerStopping(Exception):
    """The worker stopped before the task got a slot: hand the task back."""


class CallSlots:
    def __init__(self, size: int) -> None:
        self._free = asyncio.Semaphore(size)
        self._waiting = 0
        self._closed = False

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
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

    def close(self) -> None:
        """No task gets a slot any more: the ones waiting are let through at once, to find
        the slots closed."""
        self._closed = True
        for _ in range(self._waiting):
            self._free.release()
