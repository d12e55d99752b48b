"""Fan-out: one input split into 10,000 branches and merged back.

The pipeline (owner: a new user, as the postgres role): `split` (1:1 entry, offline) whose
output is {"items": [10,000 objects]} -> `branch` (1:N over "items") -> `merge` (N:1 under
"results"). One input is launched, then driven with direct RPC calls on the worker login
(autocommit, no prepared statements, as the worker):

- create: `complete_task` of the split task, which creates the 10,000 branches (and their
  events, task tree count, merge group) in its own transaction; timed from send to reply,
  then the branches are counted;
- drain: `claim_tasks(limit 1000)` then `complete_tasks` of the tasks claimed (1000
  results), until every branch but the last is completed; the rate is branches over the
  time from the first claim to the last branch's completion;
- merge: `complete_task` of that last branch alone: its transaction counts the last
  arrival and creates the merge task, with the 10,000 outputs in split order as its input.
  Timed from send to reply; right after, the merge task is checked to exist (one, planned).
  It is then claimed and completed, and the batch checked completed.

Keys: fan_out.create_<N>_branches_s, fan_out.merge_after_last_branch_ms,
fan_out.drain_per_s, fan_out.branches.

Usage: python bench/fan_out.py [--branches 10000] [--out FILE]
  (database: orchable_bench, deployed by bench/run_all.py or `make bench`)
"""

from __future__ import annotations

import argparse
import json
import time
import uuid
from pathlib import Path

import common
import psycopg

WORKER_ID = "fan-out-bench"


def setup(owner_url: str) -> uuid.UUID:
    """A new user with the split-and-merge pipeline, launched on one input; returns the batch."""
    owner = uuid.uuid4()
    definition = {
        "name": f"fan-out-bench-{owner}",
        "owner_id": str(owner),
        "entry": "split",
        "stages": [
            {
                "key": "split",
                "template": "List items for {{topic}}",
                "ai_settings": {"provider": "offline"},
                "next": ["branch"],
            },
            {
                "key": "branch",
                "template": "Handle {{item.text}}",
                "cardinality": "1:N",
                "split_path": "items",
                "ai_settings": {"provider": "offline"},
                "next": ["merge"],
            },
            {
                "key": "merge",
                "template": "Merge {{results}}",
                "cardinality": "N:1",
                "merge_path": "results",
                "ai_settings": {"provider": "offline"},
            },
        ],
    }
    with psycopg.connect(owner_url, autocommit=True) as conn:
        conn.execute(
            "insert into auth.users (id, email) values (%s, %s)",
            (owner, f"fan-out-bench-{owner}@example.test"),
        )
        orchestrator = conn.execute(
            "select (upsert_orchestrator(%s::jsonb)).id", (json.dumps(definition),)
        ).fetchone()[0]
        return conn.execute(
            'select (launch_batch(%s, \'[{"topic": "owls"}]\'::jsonb)).id', (orchestrator,)
        ).fetchone()[0]


def claim(conn: psycopg.Connection, limit: int) -> list[tuple[uuid.UUID, uuid.UUID]]:
    return conn.execute(
        "select task_id, claim_token from claim_tasks(%s, %s, 600)", (WORKER_ID, limit)
    ).fetchall()


def complete_one(conn: psycopg.Connection, task: tuple[uuid.UUID, uuid.UUID], output: str) -> str:
    return conn.execute("select complete_task(%s, %s, %s::jsonb)", (*task, output)).fetchone()[0]


def complete_many(conn: psycopg.Connection, tasks: list[tuple[uuid.UUID, uuid.UUID]]) -> None:
    results = json.dumps(
        [
            {"task_id": str(t), "claim_token": str(c), "output": {"answer": f"done {t}"}}
            for t, c in tasks
        ]
    )
    statuses = conn.execute(
        "select status, count(*) from complete_tasks(%s::jsonb) group by status", (results,)
    ).fetchall()
    if statuses != [("completed", len(tasks))]:
        raise RuntimeError(f"complete_tasks of {len(tasks)} branches: {statuses}")


def count_stage(conn: psycopg.Connection, batch: uuid.UUID, stage: str) -> tuple[int, str]:
    """Tasks of the stage in the batch, and their statuses."""
    return conn.execute(
        "select count(*), coalesce(string_agg(distinct status, ','), '') from ai_tasks"
        " where batch_id = %s and stage_key = %s",
        (batch, stage),
    ).fetchone()


def create_branches(
    conn: psycopg.Connection, admin: psycopg.Connection, batch: uuid.UUID, branches: int
) -> float:
    """Claims the split task and completes it with `branches` items; seconds of that call."""
    split = claim(conn, 1)
    if len(split) != 1:
        raise RuntimeError(f"claimed {len(split)} tasks, expected the split task")
    output = json.dumps({"items": [{"text": f"item {i}"} for i in range(branches)]})
    with common.Stopwatch() as clock:
        status = complete_one(conn, split[0], output)
    created, statuses = count_stage(admin, batch, "branch")
    if status != "completed" or created != branches or statuses != "plan":
        raise RuntimeError(f"split {status}: {created} branches ({statuses}), expected {branches}")
    return clock.seconds


def drain_and_merge(
    conn: psycopg.Connection, admin: psycopg.Connection, batch: uuid.UUID, branches: int
) -> tuple[float, float]:
    """Completes every branch in claims of 1000, the last one alone; returns the drain
    rate (branches/s) and the milliseconds of the last branch's completion."""
    done = 0
    last: tuple[uuid.UUID, uuid.UUID] | None = None
    started = time.perf_counter()
    while done + 1 < branches:
        claimed = claim(conn, 1000)
        if not claimed:
            raise RuntimeError(f"nothing to claim after {done} branches of {branches}")
        if done + len(claimed) == branches:
            last, claimed = claimed[-1], claimed[:-1]
        complete_many(conn, claimed)
        done += len(claimed)
    if last is None:
        (last,) = claim(conn, 1)
    merges, _ = count_stage(admin, batch, "merge")
    if merges:
        raise RuntimeError("the merge task exists before the last branch completed")
    with common.Stopwatch() as clock:
        complete_one(conn, last, json.dumps({"answer": "last"}))
    finished = time.perf_counter()
    merges, statuses = count_stage(admin, batch, "merge")
    if merges != 1 or statuses != "plan":
        raise RuntimeError(f"after the last branch: {merges} merge tasks ({statuses})")
    return branches / (finished - started), clock.seconds * 1000


def finish(conn: psycopg.Connection, admin: psycopg.Connection, batch: uuid.UUID) -> None:
    """Claims and completes the merge task; checks the batch completed."""
    merge = claim(conn, 1)
    if len(merge) != 1:
        raise RuntimeError(f"claimed {len(merge)} tasks, expected the merge task")
    complete_one(conn, merge[0], json.dumps({"summary": "merged"}))
    status, completed = admin.execute(
        "select status, completed_tasks from task_batches where id = %s", (batch,)
    ).fetchone()
    if (status, completed) != ("completed", 1):
        raise RuntimeError(f"batch {batch} is {status} with {completed} inputs completed")


def run(branches: int = 10_000, database: str = common.BENCH_DB) -> common.Results:
    """One split of `branches` branches, drained and merged; returns the fan_out.* keys."""
    owner_url = common.url(database)
    batch = setup(owner_url)
    with (
        psycopg.connect(
            common.worker_url(database), autocommit=True, prepare_threshold=None
        ) as conn,
        psycopg.connect(owner_url, autocommit=True) as admin,
    ):
        create_s = create_branches(conn, admin, batch, branches)
        print(f"fan-out: {branches} branches created in {create_s:.2f} s", flush=True)
        drain_per_s, merge_ms = drain_and_merge(conn, admin, batch, branches)
        print(
            f"fan-out: branches drained at {drain_per_s:.0f}/s;"
            f" last branch + merge task created in {merge_ms:.1f} ms",
            flush=True,
        )
        finish(conn, admin, batch)
    return {
        f"fan_out.create_{branches}_branches_s": round(create_s, 3),
        "fan_out.merge_after_last_branch_ms": round(merge_ms, 1),
        "fan_out.drain_per_s": round(drain_per_s, 1),
        "fan_out.branches": branches,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--branches", type=int, default=10_000)
    parser.add_argument("--database", default=common.BENCH_DB)
    parser.add_argument("--out", default=str(common.LATEST))
    args = parser.parse_args()
    results = run(args.branches, args.database)
    common.merge_results(Path(args.out), results)
    common.print_results(results)


if __name__ == "__main__":
    main()
