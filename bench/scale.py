"""Scale: do claims, completions and a user's reads and actions stay as fast with a million
finished tasks in the table as with ten thousand?

Two databases side by side on the same cluster, both recreated every run and dropped at
the end (unless --keep): orchable_bench_scale_small grown to 10,000 finished tasks and
orchable_bench_scale_large grown to 1,000,000, with synthetic finished history
(bench/history.py: 100 owners, course-pipeline trees, ~3 task_events and 1 llm_calls row
per task, inserted with triggers off and the derived rows written consistently, then
vacuum analyze, and a checkpoint before measuring). Both get the same first 10,000 tasks.
Every figure is then measured on both in alternation (sample i on one then the other, the
order swapped each round), so that the load other jobs put on this shared machine weighs
on both sizes alike and their ratio stays meaningful. Through the real RPCs, on each database:

- claim: a batch of RUNNABLE (2,000) fresh inputs of a one-stage pipeline is launched,
  then SAMPLES (1,000) calls of `claim_tasks(worker, 1, 300)`, one at a time from one
  worker-login connection (no prepared statements, as the worker), each timed from send to
  its row received;
- complete: `complete_task` of each task claimed, one at a time, timed the same way (each
  finishes an input: fan-out check, task tree, batch counters, events in its transaction);
  the rest of the batch is then drained in bulk, unmeasured;
- as the user (owner 0, ~1% of the history, like every owner), the way PostgREST runs a
  request: one transaction with `set_config('role', 'authenticated', true)` and the JWT
  claims (`sub`, `role`) set local, then the query, then commit, timed as a whole:
  - task list: `select id, status, stage_key, created_at from ai_tasks order by created_at
    desc limit 50` (RLS keeps the user's rows);
  - batch progress: `select * from v_batch_progress order by started_at desc nulls first
    limit 20` (the user's 20 latest batches);
  - status update: `approve_task(id)` on a task awaiting approval (a stage with
    requires_approval; APPROVALS tasks prepared beforehand by claim + complete).

Keys, with <size> the label of a size (10k, 1m): scale.claim_p50_ms_<size>,
scale.claim_p99_ms_<size>, the same for complete, task_list, batch_progress and
status_update; scale.claim_p99_ratio and scale.complete_p99_ratio (p99 at the large size
over p99 at the small one; target at most 1.5); scale.task_list_p99_ms_1m (target under
200 ms), scale.status_update_p99_ms_1m (target under 50 ms); scale.grow_s (time to grow
the large database from the small size to the large one, vacuum included),
scale.small_tasks and scale.large_tasks (the sizes).

Usage: python bench/scale.py [--quick] [--keep] [--explain] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import common
import history
import psycopg

DATABASES = ("orchable_bench_scale_small", "orchable_bench_scale_large")
WORKER_ID = "scale-bench"
OUTPUT = {"answer": "forty-two", "score": 3}
USAGE = {"input_tokens": 120, "output_tokens": 40}
PROVENANCE = {"provider": "offline", "model": "offline", "response_id": "bench"}

TASK_LIST = (
    "select id, status, stage_key, created_at from ai_tasks order by created_at desc limit 50"
)
BATCH_PROGRESS = "select * from v_batch_progress order by started_at desc nulls first limit 20"
# The claim's own query (claim_tasks' first CTE), for EXPLAIN.
CLAIM_QUERY = """
select r.id, r.status from public.v_runnable_tasks as r
order by r.available_at limit 1 for update skip locked
"""


@dataclass(frozen=True)
class Plan:
    """Sizes and sample counts of one run."""

    sizes: tuple[int, int] = (10_000, 1_000_000)
    runnable: int = 2_000
    samples: int = 1_000
    user_samples: int = 200
    approvals: int = 300


FULL = Plan()
QUICK = Plan(sizes=(2_000, 20_000), runnable=200, samples=100, user_samples=20, approvals=20)


@dataclass
class Side:
    """One database of the pair: its URLs, the user and their pipelines, its history."""

    database: str
    admin: str
    owner_url: str
    worker: str
    user: uuid.UUID
    live: uuid.UUID
    review: uuid.UUID
    grown: history.History
    label: str = ""


# --- setup ----------------------------------------------------------------------------------


def pipeline(conn: psycopg.Connection, owner: uuid.UUID, name: str, approval: bool) -> uuid.UUID:
    """A one-stage pipeline of the owner on the offline provider; with `approval`, its
    stage requires a person's approval."""
    definition = {
        "name": name,
        "owner_id": str(owner),
        "entry": "answer",
        "stages": [
            {
                "key": "answer",
                "template": "Answer question {{n}}",
                "ai_settings": {"provider": "offline"},
                "requires_approval": approval,
            }
        ],
    }
    return conn.execute(
        "select (upsert_orchestrator(%s::jsonb)).id", (json.dumps(definition),)
    ).fetchone()[0]


def setup(database: str, planned_tasks: int) -> Side:
    """Deploys the database, creates the owners and the user's live pipelines."""
    common.deploy(database)
    admin = common.admin_url(database)
    with psycopg.connect(admin, autocommit=True) as conn:
        owners = history.create_owners(conn)
        grown = history.start(conn, planned_tasks)
        live = pipeline(conn, owners[0], "live answers", approval=False)
        review = pipeline(conn, owners[0], "reviewed answers", approval=True)
    return Side(
        database=database,
        admin=admin,
        owner_url=common.url(database),
        worker=common.worker_url(database),
        user=owners[0],
        live=live,
        review=review,
        grown=grown,
    )


def launch(side: Side, orchestrator: uuid.UUID, inputs: int) -> uuid.UUID:
    with psycopg.connect(side.owner_url, autocommit=True) as conn:
        payload = json.dumps([{"n": i} for i in range(inputs)])
        return conn.execute(
            "select (launch_batch(%s, %s::jsonb)).id", (orchestrator, payload)
        ).fetchone()[0]


def worker_connection(side: Side) -> psycopg.Connection:
    """The worker login, autocommit, no server-side prepared statements (as the worker)."""
    return psycopg.connect(side.worker, autocommit=True, prepare_threshold=None)


def claim_all(conn: psycopg.Connection, count: int) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """Claims `count` tasks, 1000 at a time (everything runnable must be ours)."""
    claimed: list[tuple[uuid.UUID, uuid.UUID]] = []
    while len(claimed) < count:
        rows = conn.execute(
            "select task_id, claim_token from claim_tasks(%s, %s, 600)",
            (WORKER_ID, min(1000, count - len(claimed))),
        ).fetchall()
        if not rows:
            raise RuntimeError(f"claimed {len(claimed)} of {count} tasks: nothing left")
        claimed += rows
    return claimed


def complete_all(conn: psycopg.Connection, claimed: list[tuple[uuid.UUID, uuid.UUID]]) -> None:
    """complete_tasks in calls of 1000."""
    for i in range(0, len(claimed), 1000):
        results = [
            {"task_id": str(t), "claim_token": str(c), "output": OUTPUT}
            for t, c in claimed[i : i + 1000]
        ]
        conn.execute("select count(*) from complete_tasks(%s::jsonb)", (json.dumps(results),))


def runnable(side: Side) -> int:
    with psycopg.connect(side.admin, autocommit=True) as conn:
        return conn.execute("select count(*) from v_runnable_tasks").fetchone()[0]


def prepare_approvals(side: Side, count: int) -> list[uuid.UUID]:
    """`count` tasks of the user awaiting approval (generated), through launch, claim and
    complete; returns their ids. Nothing else may be runnable meanwhile."""
    launch(side, side.review, count)
    with worker_connection(side) as conn:
        claimed = claim_all(conn, count)
        complete_all(conn, claimed)
    return [task_id for task_id, _ in claimed]


def grow(sides: list[Side], plan: Plan) -> float:
    """Both databases to the small size (checked), then the large one to the large size;
    returns the seconds of that last growth."""
    small, large = plan.sizes
    for side in sides:
        history.grow(side.admin, side.grown, small, batches=history.OWNERS)
        with psycopg.connect(side.admin, autocommit=True) as conn:
            history.check_consistent(conn)
    with common.Stopwatch() as clock:
        batches = max(history.OWNERS, (large - small) // (200 * history.TASKS_PER_INPUT))
        history.grow(sides[1].admin, sides[1].grown, large, batches=batches)
    print(f"scale: grew {large:,} finished tasks in {clock.seconds:.0f} s", flush=True)
    return clock.seconds


# --- measuring ------------------------------------------------------------------------------


def timed(call: Callable[[], object]) -> float:
    """Milliseconds of one call."""
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def alternate(
    sides: list[Side], rounds: int, sample: Callable[[Side], float]
) -> dict[str, list[float]]:
    """`rounds` samples on every side, one side after the other, the order swapped each
    round; by side label."""
    samples: dict[str, list[float]] = {side.label: [] for side in sides}
    for i in range(rounds):
        for side in sides if i % 2 == 0 else sides[::-1]:
            samples[side.label].append(sample(side))
    return samples


def summary(results: common.Results, name: str, label: str, samples: list[float]) -> None:
    p50, p99 = common.percentile(samples, 50), common.percentile(samples, 99)
    results[f"scale.{name}_p50_ms_{label}"] = round(p50, 2)
    results[f"scale.{name}_p99_ms_{label}"] = round(p99, 2)
    print(
        f"  {name:<15} {label:>4}: p50 {p50:8.2f} ms  p99 {p99:8.2f} ms"
        f"  max {max(samples):8.2f} ms  ({len(samples)} samples)",
        flush=True,
    )


@contextmanager
def as_user(conn: psycopg.Connection, user: uuid.UUID) -> Iterator[None]:
    """One PostgREST request of `user`: a transaction with role and JWT claims set local."""
    claims = json.dumps({"sub": str(user), "role": "authenticated"})
    with conn.transaction():
        conn.execute(
            "select set_config('role', 'authenticated', true),"
            " set_config('request.jwt.claims', %s, true)",
            (claims,),
        )
        yield


def request(conn: psycopg.Connection, user: uuid.UUID, sql: str, *params: object) -> None:
    """Runs one query as the user, in its own transaction; it must return a row."""
    with as_user(conn, user):
        rows = conn.execute(sql, params).fetchall()
    if not rows:
        raise RuntimeError(f"no row from {sql!r}")


def measure(sides: list[Side], plan: Plan) -> dict[str, dict[str, list[float]]]:
    """Every latency on both databases, alternating; by figure, then by side label."""
    approvals = {side.label: prepare_approvals(side, plan.approvals) for side in sides}
    for side in sides:
        launch(side, side.live, plan.runnable)
        if (waiting := runnable(side)) != plan.runnable:
            raise RuntimeError(f"{side.database}: {waiting} runnable, expected {plan.runnable}")
        # The growth wrote gigabytes of WAL in seconds, which no production table does: a
        # checkpoint now keeps the one it would trigger out of the measurements.
        with psycopg.connect(side.admin, autocommit=True) as conn:
            conn.execute("checkpoint")
    with ExitStack() as stack:
        workers = {s.label: stack.enter_context(worker_connection(s)) for s in sides}
        owners = {s.label: stack.enter_context(psycopg.connect(s.owner_url)) for s in sides}
        claimed: dict[str, list[tuple[uuid.UUID, uuid.UUID]]] = {s.label: [] for s in sides}

        def claim(side: Side) -> float:
            conn, rows = workers[side.label], claimed[side.label]
            before = len(rows)
            sql = "select task_id, claim_token from claim_tasks(%s, 1, 300)"
            ms = timed(lambda: rows.extend(conn.execute(sql, (WORKER_ID,)).fetchall()))
            if len(rows) != before + 1:
                raise RuntimeError(f"claim_tasks returned {len(rows) - before} rows, not 1")
            return ms

        def complete(side: Side) -> float:
            task, token = claimed[side.label].pop(0)
            sql = "select complete_task(%s, %s, %s::jsonb, %s::jsonb, %s::jsonb)"
            params = (task, token, json.dumps(OUTPUT), json.dumps(USAGE), json.dumps(PROVENANCE))
            return timed(lambda: workers[side.label].execute(sql, params).fetchone())

        def user(sql: str) -> Callable[[Side], float]:
            return lambda side: timed(lambda: request(owners[side.label], side.user, sql))

        def approve(side: Side) -> float:
            task = approvals[side.label].pop()
            conn = owners[side.label]
            return timed(lambda: request(conn, side.user, "select approve_task(%s)", task))

        figures = {"claim": alternate(sides, plan.samples, claim)}
        figures["complete"] = alternate(sides, plan.samples, complete)
        for side in sides:
            conn = workers[side.label]
            complete_all(conn, claim_all(conn, plan.runnable - plan.samples))
        figures["task_list"] = alternate(sides, plan.user_samples, user(TASK_LIST))
        figures["batch_progress"] = alternate(sides, plan.user_samples, user(BATCH_PROGRESS))
        figures["status_update"] = alternate(sides, plan.approvals, approve)
    return figures


def explain(side: Side) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of the claim's query (rolled back) and of the user's two
    reads, as the user."""
    parts: list[str] = []
    with psycopg.connect(side.owner_url) as conn:
        for sql in (TASK_LIST, BATCH_PROGRESS):
            with as_user(conn, side.user):
                plan = conn.execute(f"explain (analyze, buffers) {sql}").fetchall()
            parts.append(sql + "\n" + "\n".join(row[0] for row in plan))
    with psycopg.connect(side.admin) as conn:
        plan = conn.execute(f"explain (analyze, buffers) {CLAIM_QUERY}").fetchall()
        conn.rollback()
        parts.append(CLAIM_QUERY.strip() + "\n" + "\n".join(row[0] for row in plan))
    return "\n\n".join(parts)


# --- run ------------------------------------------------------------------------------------


def run(quick: bool = False, keep: bool = False, show_plans: bool = False) -> common.Results:
    """Grows the two databases and measures both; returns the scale.* keys."""
    plan = QUICK if quick else FULL
    small, large = plan.sizes
    results: common.Results = {"scale.small_tasks": small, "scale.large_tasks": large}
    sides: list[Side] = []
    try:
        for database, size in zip(DATABASES, plan.sizes, strict=True):
            sides.append(setup(database, size))
            sides[-1].label = common.size_label(size)
        results["scale.grow_s"] = round(grow(sides, plan), 1)
        figures = measure(sides, plan)
        for name, by_side in figures.items():
            for side in sides:
                summary(results, name, side.label, by_side[side.label])
        for name in ("claim", "complete"):
            p99 = [results[f"scale.{name}_p99_ms_{side.label}"] for side in sides]
            results[f"scale.{name}_p99_ratio"] = round(p99[1] / max(p99[0], 1e-9), 2)
        if show_plans:
            print(explain(sides[1]), flush=True)
    finally:
        if not keep:
            drop()
    return results


def drop() -> None:
    """Drops both databases (about 2.5 GB at a million tasks), from another database."""
    with psycopg.connect(common.admin_url("postgres"), autocommit=True) as conn:
        for database in DATABASES:
            conn.execute(f"drop database if exists {database} with (force)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2k and 20k tasks, few samples")
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    parser.add_argument("--explain", action="store_true", help="print the plans at the end")
    parser.add_argument("--out", default=str(common.LATEST))
    args = parser.parse_args()
    results = run(args.quick, args.keep, args.explain)
    common.merge_results(Path(args.out), results)
    common.print_results(results)


if __name__ == "__main__":
    main()
