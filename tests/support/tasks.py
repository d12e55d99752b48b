"""Batches and claims: launching as an owner, the worker's calls one transaction each, a
worker loop made of them, and reading back tasks, calls and a batch's counters.

Every worker call is one transaction as `orchable_worker` (the role the worker logs in
with), unless `as_worker=False`, when it runs as the superuser (service_role's rights)."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from typing import Any

import psycopg
from orchable.db import worker_rpc as rpc
from orchable.db.worker_rpc import ClaimedTask

from .databases import WORKER, acting_as
from .pipelines import single_stage


def launch(
    conn: psycopg.Connection,
    owner: uuid.UUID,
    orchestrator_id: uuid.UUID,
    inputs: Sequence[Any],
    key: str | None = None,
) -> dict[str, Any]:
    """launch_batch as its owner, the way PostgREST calls it; returns the batch row."""
    with acting_as(conn, "authenticated", owner):
        row = conn.execute(
            "select * from public.launch_batch(p_orchestrator_id := %s::uuid,"
            " p_inputs := %s::jsonb, p_idempotency_key := %s::text)",
            (orchestrator_id, json.dumps(list(inputs)), key),
        ).fetchone()
    assert row is not None
    return row


def _as(conn: psycopg.Connection, as_worker: bool) -> AbstractContextManager[Any]:
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
    kind: str,
    *,
    as_worker: bool = True,
) -> str:
    """report_task_failure with a kind of orchable.failure_kinds: timeout is retried,
    invalid_request fails for good."""
    with _as(conn, as_worker):
        row = conn.execute(
            "select public.report_task_failure(p_task_id := %s::uuid, p_claim_token := %s::uuid,"
            " p_kind := %s::text, p_error := %s::text) as status",
            (task_id, token, kind, error),
        ).fetchone()
    assert row is not None
    return row["status"]


async def held_tasks(
    admin: psycopg.Connection, worker_url: str, owner: uuid.UUID, count: int
) -> list[ClaimedTask]:
    """`count` tasks of a one-stage gemini pipeline of the owner, launched and claimed as the
    worker (the test's database holds no other work). Keys are handed out for these."""
    pipeline = single_stage(
        admin, owner, f"held-{uuid.uuid4()}", ai_settings={"provider": "gemini"}
    )
    inputs = json.dumps([{"question": f"q{i}"} for i in range(count)])
    admin.execute("select public.launch_batch(%s, %s::jsonb)", (pipeline, inputs))
    async with await psycopg.AsyncConnection.connect(worker_url, autocommit=True) as conn:
        held = await rpc.claim_tasks(conn, "tests", count, 600)
    assert len(held) == count and {task.owner_id for task in held} == {owner}
    return held


def questions(n: int, tag: str = "q") -> dict[str, Any]:
    """An outline output whose split makes n branches."""
    return {"questions": [{"text": f"{tag}{i}"} for i in range(n)]}


def output_for(task: dict[str, Any], tag: str = "") -> Any:
    """A valid output for a claimed task of the course builder or the single stage; an
    outline splits into its input's `k` questions (2 when it has none)."""
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
                    "timeout" if action == "retry" else "invalid_request",
                    as_worker=as_worker,
                )
            done.append((task["task_id"], action, answer))
    return done


def tasks(conn: psycopg.Connection, batch_id: uuid.UUID) -> list[dict[str, Any]]:
    """A batch's tasks in the order they were made, with their completion events and
    successful calls counted."""
    return conn.execute(
        "select t.id, t.stage_key, t.status, t.retry_count, t.claim_count, t.locked_by,"
        " t.run_after, t.error_code, t.error_message, t.output_data, t.usage, t.provenance,"
        " (select count(*)::integer from public.task_events as e where e.task_id = t.id"
        "   and e.to_status = 'completed') as completions,"
        " (select count(*)::integer from public.llm_calls as c where c.task_id = t.id"
        "   and c.outcome = 'success') as successful_calls"
        " from public.ai_tasks as t where t.batch_id = %s::uuid order by t.created_at, t.id",
        (batch_id,),
    ).fetchall()


def calls(conn: psycopg.Connection, batch_id: uuid.UUID) -> list[dict[str, Any]]:
    """A batch's llm_calls in the order they were recorded."""
    return conn.execute(
        "select c.task_id, c.provider, c.model, c.outcome, c.api_key_id, c.error, c.http_status,"
        " c.attempt, c.input_tokens, c.output_tokens, c.response_id"
        " from public.llm_calls as c where c.batch_id = %s::uuid order by c.id",
        (batch_id,),
    ).fetchall()


def batch_state(conn: psycopg.Connection, batch_id: uuid.UUID) -> dict[str, Any]:
    """A batch's status and counters next to a recount from its tasks."""
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
    """Asserts that a batch's counters and status agree with its tasks; returns its state."""
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


def seconds_until(conn: psycopg.Connection, moment: Any) -> float:
    """Seconds from the database's now to `moment`."""
    row = conn.execute(
        "select extract(epoch from %s::timestamptz - now())::float as s", (moment,)
    ).fetchone()
    assert row is not None
    return row["s"]
