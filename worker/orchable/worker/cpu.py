"""Work whose cost a task's own data decides (checking an output against its stage's
schema, the offline provider's synthesis), run off the event loop in a few threads of its
own, so that the loop keeps serving every other task meanwhile: claims, lease extensions,
other owners' calls and their writes.

A thread cannot be stopped. A caller whose time limit passes gets TimeoutError at once and
its task moves on, but the work runs on to its end in its thread, holding that thread and
taking its share of the GIL. So what is sent here must be bounded by itself (RE2's
linear-time matching, the offline synthesiser's clamps, a cap on the size of what is
checked): the time limit is a backstop, not a way to cut work short. It counts from when a
thread starts the work, never while the work waits for a thread, so work held up behind
overrunning work waits; it is not failed for them.

The threads are daemon threads, not a ThreadPoolExecutor's: the interpreter joins those at
exit, so one still running overrunning work would keep a stopped worker from exiting.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

T = TypeVar("T")

THREADS = 8


class _DaemonThreads:
    """Up to `size` daemon threads, started on demand, taking jobs in turn."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._jobs: queue.SimpleQueue[tuple[Future[Any], Callable[[], Any]]] = queue.SimpleQueue()
        self._started = 0
        self._lock = threading.Lock()

    def submit(self, job: Callable[[], T]) -> Future[T]:
        future: Future[T] = Future()
        self._jobs.put((future, job))
        with self._lock:
            if self._started < self._size:
                self._started += 1
                name = f"orchable-cpu-{self._started}"
                threading.Thread(target=self._work, name=name, daemon=True).start()
        return future

    def _work(self) -> None:
        while True:
            future, job = self._jobs.get()
            if future.set_running_or_notify_cancel():  # False: cancelled while it waited
                try:
                    result = job()
                except BaseException as error:
                    future.set_exception(error)
                else:
                    future.set_result(result)
            del future, job  # hold no task's data while idle


_THREADS = _DaemonThreads(THREADS)


async def run(func: Callable[..., T], *args: Any, timeout: float | None = None) -> T:
    """func(*args) in one of the threads; raises TimeoutError when it has not returned
    `timeout` seconds after a thread started it (None: no limit)."""
    loop = asyncio.get_running_loop()
    started = asyncio.Event()

    def job() -> T:
        loop.call_soon_threadsafe(started.set)
        return func(*args)

    result = asyncio.wrap_future(_THREADS.submit(job), loop=loop)
    try:
        await started.wait()
        async with asyncio.timeout(timeout):
            return await result
    finally:
        result.cancel()  # a job not started yet never starts; a finished one is unchanged
