"""Completions per second of one batch with 1, 2 and 8 concurrent connections.

Every completion of a single-stage pipeline finishes an input, so every one of them
moves the batch's counters: the worst case for a counter row that serialises
completions. Two figures per connection count:

- complete only: the tasks are claimed beforehand; each connection calls complete_task,
  one task per transaction, so the figure is the cost of completing (fan-out check,
  task tree, batch counters, events) under contention;
- claim + complete: each connection loops claim_tasks(limit 1) then complete_task, the
  way a worker handles one task at a time.

The control: 8 connections completing tasks of 8 different batches (one each), so no two
share a counter row. If one batch's counter row serialised completions, one batch with 8
connections would be much slower than this control; the ratio between them says.

Usage: python bench/completions.py [--tasks N]   (DATABASE_URL: the postgres role)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import threading
import time
import uuid
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent


def database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    return subprocess.check_output([str(ROOT / "scripts/db.sh"), "url"], text=True).strip()


def setup_batch(url: str, tasks: int) -> uuid.UUID:
    owner = uuid.uuid4()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("select set_config('role', 'service_role', true)")
        conn.execute(
            "insert into auth.users (id, email) values (%s, %s)",
            (owner, f"bench-{owner}@example.test"),
        )
        definition = {
            "name": f"bench-{owner}",
            "owner_id": str(owner),
            "entry": "answer",
            "stages": [{"key": "answer", "template": "Answer {{n}}"}],
        }
        orchestrator = conn.execute(
            "select (upsert_orchestrator(%s::jsonb)).id", (json.dumps(definition),)
        ).fetchone()[0]
        inputs = json.dumps([{"n": i} for i in range(tasks)])
        batch = conn.execute(
            "select (launch_batch(%s, %s::jsonb)).id", (orchestrator, inputs)
        ).fetchone()[0]
    return batch


def claim_all(url: str, tasks: int) -> list[tuple[uuid.UUID, uuid.UUID, uuid.UUID]]:
    rows: list[tuple[uuid.UUID, uuid.UUID, uuid.UUID]] = []
    with psycopg.connect(url, autocommit=True) as conn:
        while len(rows) < tasks:
            rows += conn.execute(
                "select task_id, claim_token, batch_id from claim_tasks('bench', 1000, 3600)"
            ).fetchall()
    return rows


def run(
    url: str, connections: int, tasks: int, claim_first: bool, batch_per_connection: bool = False
) -> float:
    """Drains `tasks` inputs with `connections` threads; returns tasks/s."""
    claimed: list[list[tuple[uuid.UUID, uuid.UUID]]] = [[] for _ in range(connections)]
    if batch_per_connection:
        batches = [setup_batch(url, tasks // connections) for _ in range(connections)]
        rows = claim_all(url, tasks // connections * connections)
        for task_id, token, batch_id in rows:
            claimed[batches.index(batch_id)].append((task_id, token))
        tasks = len(rows)
    else:
        setup_batch(url, tasks)
        if claim_first:
            for i, (task_id, token, _) in enumerate(claim_all(url, tasks)):
                claimed[i % connections].append((task_id, token))

    barrier = threading.Barrier(connections + 1)
    done = [0] * connections

    def work(index: int) -> None:
        with psycopg.connect(url, autocommit=True) as conn:
            barrier.wait()
            if claim_first or batch_per_connection:
                for task_id, token in claimed[index]:
                    conn.execute("select complete_task(%s, %s, '{\"ok\": true}')", (task_id, token))
                    done[index] += 1
                return
            while True:
                row = conn.execute(
                    "select task_id, claim_token from claim_tasks(%s, 1, 300)", (f"bench-{index}",)
                ).fetchone()
                if row is None:
                    return
                conn.execute("select complete_task(%s, %s, '{\"ok\": true}')", row)
                done[index] += 1

    threads = [threading.Thread(target=work, args=(i,)) for i in range(connections)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    assert sum(done) == tasks, f"completed {sum(done)} of {tasks}"
    return tasks / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=4000, help="inputs per run (default 4000)")
    args = parser.parse_args()
    url = database_url()
    results: dict[str, float] = {}
    print(f"{'connections':>11}  {'complete only/s':>15}  {'claim+complete/s':>16}")
    for connections in (1, 2, 8):
        complete_only = run(url, connections, args.tasks, claim_first=True)
        full_cycle = run(url, connections, args.tasks, claim_first=False)
        results[f"complete_only_{connections}"] = round(complete_only, 1)
        results[f"claim_and_complete_{connections}"] = round(full_cycle, 1)
        print(f"{connections:>11}  {complete_only:>15.0f}  {full_cycle:>16.0f}", flush=True)
    control = run(url, 8, args.tasks, claim_first=True, batch_per_connection=True)
    results["complete_only_8_one_batch_each"] = round(control, 1)
    ratio = results["complete_only_8"] / control
    results["one_batch_over_separate_batches_8"] = round(ratio, 2)
    print(f"control: 8 connections, one batch each, complete only: {control:.0f}/s")
    print(f"one shared batch / separate batches at 8 connections: {ratio:.2f}")
    out = ROOT / "bench/results/completions.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
