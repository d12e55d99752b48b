"""Idle: what two workers with nothing to do cost the database, and how fast they wake.

Two worker processes (`python -m orchable.cli worker --offline`, default settings: poll
every 5 s, LISTEN orchable_tasks) run on the worker login against their own database
(orchable_bench_idle, recreated every run, no task in it). Once both are listening, their
queries are counted over WINDOW (30) seconds from the server's side, two ways:

- statements (the figure): for the worker login in this database only,
  `ALTER ROLE ... IN DATABASE ... SET log_min_duration_statement = 0` (set before the
  workers connect, reset afterwards) makes the server log every query those sessions run
  with its duration, tagged with the backend's pid. The server log
  (<data_directory>/server.log, read with pg_read_file as the superuser) is read from its
  size at the window's start to its size at the end, and the lines of the workers' backend
  pids that start a query are counted: `duration: ... parse ...` (the extended protocol:
  one Parse per query, empty ones included, such as the connection pool's health check)
  and `duration: ... statement: ...` (the simple protocol). pg_stat_statements is not
  loaded on this cluster, and this count is exact and per backend;
- transactions (a rough cross-check): xact_commit + xact_rollback of the database in
  pg_stat_database (read from another database, so the reads do not count), over the same
  window. Every autocommit claim is one transaction, but so are autovacuum's: it visits
  each database of the cluster about once a minute and commits ~14 transactions there
  (measured with no worker running), so this figure is often higher than the workers'
  own. Backends flush these counters within about a second, so the edges blur too.

If the server log cannot be read (another log destination), the transaction count is the
figure. Then wake-up: with both workers idle, one task is launched WAKES times (5, one
second apart) on a stage with the offline provider; the latency is the task's started_at
(the claim's transaction start, server clock) minus the moment launch_batch returned
(after its commit, client clock, same machine); a claim that starts before the launching
client has read its reply counts as 0. Without NOTIFY it would be up to the poll interval
(5 s).

Keys: idle.queries_per_s (both workers), idle.queries_per_s_per_worker,
idle.transactions_per_s, idle.wake_latency_ms (median), idle.wake_latency_max_ms.

Usage: python bench/idle.py [--window 30] [--wakes 5] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import common
import psycopg

DATABASE = "orchable_bench_idle"
WORKERS = 2
WORKER_LOGIN = "orchable_worker_login"
LOGS = Path(tempfile.gettempdir()) / "orchable-bench-idle"
QUERY_LINE = re.compile(r"\[(\d+)\] LOG:  duration: [0-9.]+ ms  (?:statement: |parse )")


@dataclass
class Counters:
    """Where the server log ends and the database's transaction count, at one moment."""

    log_size: int | None
    transactions: int
    at: float


class Server:
    """The superuser's view of the cluster, from a database other than the measured one."""

    def __init__(self) -> None:
        self.conn = psycopg.connect(common.admin_url("postgres"), autocommit=True)
        data = self.conn.execute("select current_setting('data_directory')").fetchone()[0]
        self.log = f"{data}/server.log"

    def close(self) -> None:
        self.conn.close()

    def log_size(self) -> int | None:
        row = self.conn.execute("select size from pg_stat_file(%s, true)", (self.log,)).fetchone()
        return None if row is None or row[0] is None else int(row[0])

    def read_log(self, start: int, end: int) -> str:
        """The log's bytes from `start` to `end` (a line cut at either end is harmless)."""
        data = self.conn.execute(
            "select pg_read_binary_file(%s, %s, %s)", (self.log, start, end - start)
        ).fetchone()[0]
        return bytes(data).decode("utf-8", errors="replace")

    def counters(self) -> Counters:
        transactions = self.conn.execute(
            "select xact_commit + xact_rollback from pg_stat_database where datname = %s",
            (DATABASE,),
        ).fetchone()[0]
        return Counters(self.log_size(), int(transactions), time.monotonic())

    def worker_pids(self) -> set[int]:
        rows = self.conn.execute(
            "select pid from pg_stat_activity where datname = %s and usename = %s",
            (DATABASE, WORKER_LOGIN),
        ).fetchall()
        return {pid for (pid,) in rows}

    def listening(self) -> int:
        """Worker sessions whose last query was the LISTEN (one per worker once up)."""
        return self.conn.execute(
            "select count(*) from pg_stat_activity where datname = %s and usename = %s"
            " and query ilike 'listen %%'",
            (DATABASE, WORKER_LOGIN),
        ).fetchone()[0]

    def log_statements(self, on: bool) -> None:
        action = "set log_min_duration_statement = 0" if on else "reset log_min_duration_statement"
        self.conn.execute(f"alter role {WORKER_LOGIN} in database {DATABASE} {action}")


def offline_pipeline(owner_url: str) -> uuid.UUID:
    """A one-stage pipeline on the offline provider, owned by a new user."""
    owner = uuid.uuid4()
    definition = {
        "name": f"idle-bench-{owner}",
        "owner_id": str(owner),
        "entry": "answer",
        "stages": [
            {"key": "answer", "template": "Answer {{n}}", "ai_settings": {"provider": "offline"}}
        ],
    }
    with psycopg.connect(owner_url, autocommit=True) as conn:
        conn.execute(
            "insert into auth.users (id, email) values (%s, %s)",
            (owner, f"idle-bench-{owner}@example.test"),
        )
        return conn.execute(
            "select (upsert_orchestrator(%s::jsonb)).id", (json.dumps(definition),)
        ).fetchone()[0]


def start_workers(procs: list[subprocess.Popen[bytes]]) -> None:
    """Starts WORKERS worker processes with default settings; logs in LOGS."""
    LOGS.mkdir(exist_ok=True)
    env = {**os.environ, "ORCHABLE_WORKER_DATABASE_URL": common.worker_url(DATABASE)}
    env.pop("DATABASE_URL", None)
    for i in range(WORKERS):
        with (LOGS / f"worker-{i}.log").open("wb") as log:
            procs.append(
                subprocess.Popen(
                    [
                        common.PYTHON,
                        "-m",
                        "orchable.cli",
                        "worker",
                        "--offline",
                        "--worker-id",
                        f"idle-{i}",
                    ],
                    cwd=common.ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )


def wait_listening(server: Server, procs: list[subprocess.Popen[bytes]]) -> None:
    deadline = time.monotonic() + 60
    while server.listening() < WORKERS:
        if any(proc.poll() is not None for proc in procs):
            raise RuntimeError(f"a worker exited before listening (logs in {LOGS})")
        if time.monotonic() > deadline:
            raise RuntimeError(f"the workers were not listening after 60 s (logs in {LOGS})")
        time.sleep(0.2)
    time.sleep(1.0)  # the claim each worker makes once listening


def count_queries(server: Server, window: float) -> common.Results:
    """Queries of the workers' sessions over `window` seconds, by both methods."""
    pids = server.worker_pids()
    first = server.counters()
    time.sleep(window)
    last = server.counters()
    pids |= server.worker_pids()
    seconds = last.at - first.at
    transactions_per_s = (last.transactions - first.transactions) / seconds
    results: common.Results = {"idle.transactions_per_s": round(transactions_per_s, 3)}
    if first.log_size is not None and last.log_size is not None:
        text = server.read_log(first.log_size, last.log_size)
        queries = sum(1 for match in QUERY_LINE.finditer(text) if int(match.group(1)) in pids)
        queries_per_s = queries / seconds
        method = f"server log, {queries} queries of {len(pids)} backends"
    else:
        queries_per_s = transactions_per_s
        method = "pg_stat_database transactions (server log unreadable)"
    results["idle.queries_per_s"] = round(queries_per_s, 3)
    results["idle.queries_per_s_per_worker"] = round(queries_per_s / WORKERS, 3)
    print(
        f"idle: {queries_per_s:.2f} queries/s from {WORKERS} workers over {seconds:.1f} s"
        f" ({method}); {transactions_per_s:.2f} transactions/s in the database",
        flush=True,
    )
    return results


def wake_latency(owner_url: str, orchestrator: uuid.UUID, wakes: int) -> list[float]:
    """Milliseconds from launch_batch returning to the task's claim, `wakes` times."""
    latencies: list[float] = []
    with psycopg.connect(owner_url, autocommit=True) as conn:
        for _ in range(wakes):
            batch = conn.execute(
                "select (launch_batch(%s, '[{\"n\": 1}]'::jsonb)).id", (orchestrator,)
            ).fetchone()[0]
            returned = time.time()
            deadline = time.monotonic() + 15
            while True:
                started, status = conn.execute(
                    "select started_at, status from ai_tasks where batch_id = %s", (batch,)
                ).fetchone()
                if started is not None and status == "completed":
                    break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"task of batch {batch} still {status} after 15 s")
                time.sleep(0.01)
            latencies.append(max(0.0, (started.timestamp() - returned) * 1000))
            time.sleep(1.0)
    return latencies


def run(window: float = 30.0, wakes: int = 5) -> common.Results:
    """Deploys the idle database, runs the workers, counts, wakes them; the idle.* keys."""
    common.deploy(DATABASE)
    owner_url = common.url(DATABASE)
    orchestrator = offline_pipeline(owner_url)
    server = Server()
    try:
        server.log_statements(True)
        with common.processes() as procs:
            start_workers(procs)
            wait_listening(server, procs)
            results = count_queries(server, window)
            latencies = wake_latency(owner_url, orchestrator, wakes)
        results["idle.wake_latency_ms"] = round(statistics.median(latencies), 1)
        results["idle.wake_latency_max_ms"] = round(max(latencies), 1)
        print(
            "idle: wake-up latencies " + ", ".join(f"{ms:.1f}" for ms in latencies) + " ms",
            flush=True,
        )
    finally:
        server.log_statements(False)
        server.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--window", type=float, default=30.0)
    parser.add_argument("--wakes", type=int, default=5)
    parser.add_argument("--out", default=str(common.LATEST))
    args = parser.parse_args()
    results = run(args.window, args.wakes)
    common.merge_results(Path(args.out), results)
    common.print_results(results)


if __name__ == "__main__":
    main()
