"""Callables run at the same instant, each in a thread (and on a connection) of its own."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

# A thread cannot be interrupted, so every wait in one ends by then: a hang fails the test
# instead of leaving a thread behind that the end of the test would wait for.
BARRIER_TIMEOUT = 20.0


def at_once(
    pool: ThreadPoolExecutor, calls: Sequence[Callable[[], Any]]
) -> list[tuple[Any, BaseException | None]]:
    """Runs the calls in threads released together by a barrier; returns (result, error) each."""
    barrier = threading.Barrier(len(calls), timeout=BARRIER_TIMEOUT)

    def run(call: Callable[[], Any]) -> tuple[Any, BaseException | None]:
        barrier.wait()
        try:
            return call(), None
        except Exception as error:
            return None, error

    futures = [pool.submit(run, call) for call in calls]
    return [f.result(timeout=BARRIER_TIMEOUT * 2) for f in futures]
