"""PgQueuer peer of bench/queue_overhead.py: no-op jobs through PgQueuer, used as its docs say.

- `python pgqueuer_bench.py enqueue N`: enqueues N jobs of entrypoint `noop` in ONE
  batched `Queries.enqueue` call (lists of entrypoints, payloads and priorities);
- `python pgqueuer_bench.py work [BATCH_SIZE]`: one worker process, `pgqueuer.run(
  create_pgqueuer, mode=drain, batch_size=...)`, which is what `pgq run
  pgqueuer_bench:create_pgqueuer --mode drain --batch-size ...` runs (batch size 10, its
  default, unless given), exiting once the queue is empty. Not the `pgq run`
  command itself: in pgqueuer 1.6.0 with typer 0.29 it fails before starting
  (`'str' object has no attribute 'name'` when it sets up its logger).

The DSN comes from PGDSN (the bench sets it to the cluster superuser's URL).
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import pgqueuer
from pgqueuer import AsyncpgDriver, Job, PgQueuer, Queries
from pgqueuer.types import QueueExecutionMode

ENTRYPOINT = "noop"


@asynccontextmanager
async def create_pgqueuer() -> AsyncIterator[PgQueuer]:
    connection = await asyncpg.connect(os.environ["PGDSN"])
    pgq = PgQueuer(AsyncpgDriver(connection))

    @pgq.entrypoint(ENTRYPOINT)
    async def noop(job: Job) -> None:
        return None

    try:
        yield pgq
    finally:
        await connection.close()


async def enqueue(count: int) -> None:
    connection = await asyncpg.connect(os.environ["PGDSN"])
    try:
        queries = Queries(AsyncpgDriver(connection))
        await queries.enqueue([ENTRYPOINT] * count, [None] * count, [0] * count)
    finally:
        await connection.close()


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "enqueue":
        asyncio.run(enqueue(int(sys.argv[2])))
    elif sys.argv[1:2] == ["work"] and len(sys.argv) <= 3:
        batch_size = int(sys.argv[2]) if len(sys.argv) == 3 else 10  # pgq run's default
        drain = QueueExecutionMode.drain
        asyncio.run(pgqueuer.run(create_pgqueuer, mode=drain, batch_size=batch_size))
    else:
        sys.exit("usage: pgqueuer_bench.py enqueue N | work [BATCH_SIZE]")
