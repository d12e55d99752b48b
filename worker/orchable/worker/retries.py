"""The worker's one way of trying database work again after a cut connection or a
deadlock: stamina's exponential backoff with jitter. Each caller says how many attempts
and how long the first wait is, logs the failure in its own words and drops broken
connections before the next attempt; stamina's own retry log is off (the callers' is
the worker's `event key=value` log)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import psycopg
import stamina

# A cut connection, a server restart, a deadlock (TransactionRollback): another attempt
# on a fresh connection can succeed. Errors in the data itself never are retried.
DATABASE_FAULTS: tuple[type[Exception], ...] = (psycopg.OperationalError, OSError)

stamina.instrumentation.set_on_retry_hooks([])


def database_retries(
    *,
    attempts: int | None,
    first_wait: float,
    max_wait: float,
    on: tuple[type[Exception], ...] = DATABASE_FAULTS,
) -> AsyncIterator[stamina.Attempt]:
    """Attempts (None: until it works) with waits of `first_wait` doubling up to
    `max_wait`, each plus a jitter of up to `first_wait`; never a deadline."""
    return stamina.retry_context(
        on=on,
        attempts=attempts,
        timeout=None,
        wait_initial=first_wait,
        wait_max=max_wait,
        wait_jitter=first_wait,
    )
