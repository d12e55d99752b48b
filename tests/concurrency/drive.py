"""What the concurrency tests share: worker calls as a worker makes them, pipelines, and a
way to run a few callables at the same instant, each on its own connection.

Every worker call is one transaction as `orchable_worker` (the role the worker logs in
with), unless `as_worker=False`, when it runs as the superuser (service_role's rights).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import psycopg
from conftest import acting_as, connect
from pipelines import apply_pipeline, course_pipeline

WORKER = "orchable_worker"
# Every wait in these tests ends by then, so that a hang fails instead of blocking CI.
BARRIER_TIMEOUT = 20.0


def _as(conn: psycopg.Connection, as_worker: bool):
    return acting_as(conn, WORKER) if as_worker else conn.transaction()


def claim(
    conn: psycopg.Connection,
    limit: int = 1,
    *,
    worker: str = "worker",
    lease: int = 300,
    as_worker: bool = True,
) -> list[dict[str, Any]]:
    with _as(conn, as_worker):
        return conn.execute(
            "select * from public.claim_tasks(p_worker_id := %s::text, p_limit := %s::integer,"
            " p_lease_seconds := %s::integer)",
            (worker, limit, lease),
        ).fetchall()


def complete(
    conn: psycopg.Connection,
    task_id: uuid.UUID,
    token: uuid.UUID,
    output: Any,
    *,
    as_worker: bool = True,
) -> str:
    with _as(conn, as_worker):
        row = conn.execute(
            "select public.complete_task(p_task_id := %s::uuid, p_claim_token := %s::uuid,"
            " p_output := %s::jsonb) as status",
            (task_id, token, json.dumps(output)),
        ).fetchone()
    assert row is not None
    return row["status"]


def fail(
    conn: psycopg.Connection,
    task_id: uuid.UUID,
    token: uuid.UUID,
    error: str,
    retryable: bool,
    *,
    as_worker: bool = True,
) -> str:
    with _as(conn, as_worker):
        row = conn.execute(
            "select public.fail_task(p_task_id := %s::uuid, p_claim_token := %s::uuid,"
            " p_error := %s::text, p_retryable := %s::boolean) as status",
            (task_id, token, error, retryable),
        ).fetchone()
    assert row is not None
    return row["status"]


def launch(
    conn: psycopg.Connection,
    owner: uuid.UUID,
    orchestrator_id: uuid.UUID,
    inputs: Sequence[Any],
    key: str | None = None,
) -> dict[str, Any]:
    """launch_batch as its owner, the way PostgREST calls it."""
    with acting_as(conn, "authenticated", owner):
        row = conn.execute(
            "select * from public.launch_batch(p_orchestrator_id := %s::uuid,"
            " p_inputs := %s::jsonb, p_idempotency_key := %s::text)",
            (orchestrator_id, json.dumps(list(inputs)), key),
        ).fetchone()
    assert row is not None
    return row


def seed_pipeline(
    conn: psycopg.Connection, owner: uuid.UUID, name: str, max_retries: int = 3
) -> uuid.UUID:
    """outline (1:1) -> question (1:N over "questions") -> quiz (N:1 under "answers")."""
    return apply_pipeline(conn, course_pipeline(name, owner, max_retries=max_retries))


def seed_single_stage(
    conn: psycopg.Connection, owner: uuid.UUID, name: str, max_retries: int = 3
) -> uuid.UUID:
    row = conn.execute(
        "select tests.seed_single_stage_pipeline(%s::uuid, %s::text, %s::integer) as id",
        (owner, name, max_retries),
    ).fetchone()
    assert row is not None
    return row["id"]


def questions(n: int, tag: str = "q") -> dict[str, Any]:
    """An outline output whose split makes n branches."""
    return {"questions": [{"text": f"{tag}{i}"} for i in range(n)]}


def output_for(task: dict[str, Any], tag: str = "") -> Any:
    """A valid output for a claimed task of seed_pipeline or seed_single_stage."""
    stage = task["stage_key"]
    if stage == "outline":
        return questions(int(task["input_data"].get("k", 2)), f"q{tag}")
    if stage == "question":
        return {"answer": f"{task['input_data']['item']['text']}{tag}"}
    return {"done": str(task["task_id"]), "tag": tag}


def open_task_count(conn: psycopg.Connection, batch_ids: Iterable[uuid.UUID]) -> int:
    row = conn.execute(
        "select count(*)::integer as n from public.ai_tasks"
        " where batch_id = any(%s::uuid[]) and status in ('plan', 'processing', 'generated')",
        (list(batch_ids),),
    ).fetchone()
    assert row is not None
    return row["n"]


def skip_backoff(conn: psycopg.Connection, batch_ids: Iterable[uuid.UUID]) -> None:
    """Makes retried tasks due now instead of after their backoff (10 s and more)."""
    conn.execute(
        "update public.ai_tasks set run_after = now()"
        " where batch_id = any(%s::uuid[]) and status = 'plan' and run_after > now()",
        (list(batch_ids),),
    )


@contextmanager
def connections(n: int) -> Iterator[list[psycopg.Connection]]:
    conns: list[psycopg.Connection] = []
    try:
        for _ in range(n):
            conns.append(connect())
        yield conns
    finally:
        for conn in conns:
            conn.close()


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


def sqlstate(error: BaseException | None) -> str | None:
    return getattr(error, "sqlstate", None)


def work(
    conn: psycopg.Connection,
    batch_ids: Sequence[uuid.UUID],
    decide: Callable[[dict[str, Any]], tuple[str, Any]],
    *,
    worker: str,
    deadline: float,
    limit: int = 3,
    lease: int = 300,
    as_worker: bool = True,
    pause: float = 0.05,
) -> list[tuple[uuid.UUID, str, str]]:
    """A worker loop: claims, then completes or fails each task as `decide` says, until the
    batches have nothing open or the deadline passes. Returns (task, action, answer) each.
    decide(task) returns ("complete", output), ("retry", error) or ("fail", error)."""
    done: list[tuple[uuid.UUID, str, str]] = []
    while time.monotonic() < deadline:
        tasks = claim(conn, limit, worker=worker, lease=lease, as_worker=as_worker)
        if not tasks:
            if open_task_count(conn, batch_ids) == 0:
                break
            skip_backoff(conn, batch_ids)
            time.sleep(pause)
            continue
        for task in tasks:
            assert task["batch_id"] in batch_ids, f"claimed a task of another batch: {task}"
            action, value = decide(task)
            if action == "complete":
                answer = complete(
                    conn, task["task_id"], task["claim_token"], value, as_worker=as_worker
                )
            else:
                answer = fail(
                    conn,
                    task["task_id"],
                    task["claim_token"],
                    value,
                    action == "retry",
                    as_worker=as_worker,
                )
            done.append((task["task_id"], action, answer))
    return done


def batch_state(conn: psycopg.Connection, batch_id: uuid.UUID) -> dict[str, Any]:
    """A batch's counters next to a recount from its tasks."""
    row = conn.execute(
        "select b.status, b.total_tasks, b.completed_tasks, b.failed_tasks,"
        " r.completed_tasks as recount_completed, r.failed_tasks as recount_failed,"
        " (select count(*)::integer from public.ai_tasks as t"
        "   where t.batch_id = b.id and t.parent_task_id is null) as roots,"
        # Diagnostic only: what the per-input tree counts (orchable.task_trees) say.
        " (select count(*)::integer from orchable.task_trees as tt where tt.batch_id = b.id"
        "   and tt.failed_count = 0 and tt.open_count = 0 and tt.cancelled_count = 0)"
        "   as trees_completed,"
        " (select count(*)::integer from orchable.task_trees as tt where tt.batch_id = b.id"
        "   and tt.failed_count > 0) as trees_failed"
        " from public.task_batches as b cross join tests.recount(b.id) as r where b.id = %s::uuid",
        (batch_id,),
    ).fetchone()
    assert row is not None
    return row


def assert_counters_match(conn: psycopg.Connection, batch_id: uuid.UUID) -> dict[str, Any]:
    state = batch_state(conn, batch_id)
    assert state["total_tasks"] == state["roots"], state
    assert (state["completed_tasks"], state["failed_tasks"]) == (
        state["recount_completed"],
        state["recount_failed"],
    ), state
    if state["completed_tasks"] == state["total_tasks"]:
        expected = "completed"
    elif state["completed_tasks"] + state["failed_tasks"] == state["total_tasks"]:
        expected = "failed"
    else:
        expected = "processing"
    assert state["status"] == expected, state
    return state
