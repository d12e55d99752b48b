"""Procrastinate peer of bench/queue_overhead.py: no-op jobs through Procrastinate,
used as its docs say.

- `python procrastinate_bench.py enqueue N`: defers N jobs of task `noop` with ONE
  `batch_defer` call;
- `procrastinate --app=procrastinate_bench.app worker --one-shot`: a worker process with the
  default settings (concurrency 1), exiting once no job is left.

The connection string comes from BENCH_PEER_DSN (the cluster superuser's URL).
"""

from __future__ import annotations

import os
import sys

from procrastinate import App, PsycopgConnector

app = App(connector=PsycopgConnector(conninfo=os.environ.get("BENCH_PEER_DSN", "")))


@app.task(name="noop")
def noop(n: int) -> None:
    return None


def enqueue(count: int) -> None:
    with app.open():
        noop.batch_defer(*({"n": i} for i in range(count)))


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "enqueue":
        sys.exit("usage: procrastinate_bench.py enqueue N")
    # Through the module, not __main__: the app must be the one workers import.
    import procrastinate_bench

    procrastinate_bench.enqueue(int(sys.argv[2]))
