"""Monitors in the tests: one made as its owner would (tests.create_monitor), a run started
now (run_monitor_now, as the superuser) and settled with a grounded verdict as a worker
settles it (tests.settle_monitor_run), and LLM calls recorded as they were made."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import psycopg
from psycopg.types.json import Jsonb


def create_monitor(
    conn: psycopg.Connection, owner: uuid.UUID, notify_behavior: str = "once"
) -> uuid.UUID:
    """The owner's "iphone" monitor, weekdays at 9:00 in Berlin."""
    row = conn.execute(
        "select tests.create_monitor(%s::uuid, %s::text) as id", (owner, notify_behavior)
    ).fetchone()
    assert row is not None
    return row["id"]


def start_run(conn: psycopg.Connection, monitor_id: uuid.UUID, notify: bool = True) -> uuid.UUID:
    """A run started now; returns its execution's id."""
    row = conn.execute(
        "select (public.run_monitor_now(%s::uuid, %s::boolean)).id", (monitor_id, notify)
    ).fetchone()
    assert row is not None
    return row["id"]


def settle_run(
    conn: psycopg.Connection, execution_id: uuid.UUID, condition_met: bool, state: Any
) -> dict[str, Any]:
    """The run's task completed with a grounded verdict; returns the settled execution."""
    conn.execute(
        "select tests.settle_monitor_run(%s::uuid, %s::boolean, %s::jsonb)",
        (execution_id, condition_met, Jsonb(state)),
    )
    row = conn.execute(
        "select * from public.monitor_executions where id = %s", (execution_id,)
    ).fetchone()
    assert row is not None
    return dict(row)


def record_call(
    conn: psycopg.Connection,
    batch_id: uuid.UUID,
    *,
    model: str,
    cost_usd: float,
    at: dt.datetime,
    outcome: str = "success",
    api_key_id: uuid.UUID | None = None,
    provider: str = "gemini",
) -> None:
    """An LLM call of the batch's owner, made at `at` (written as the superuser, as
    record_llm_call writes it, with the time the test chooses)."""
    conn.execute(
        "insert into public.llm_calls (owner_id, batch_id, task_id, api_key_id, provider,"
        " model, attempt, outcome, input_tokens, output_tokens, cost_usd, created_at)"
        " select b.owner_id, b.id, gen_random_uuid(), %s, %s, %s, 0, %s, 100, 40, %s, %s"
        " from public.task_batches as b where b.id = %s",
        (api_key_id, provider, model, outcome, cost_usd, at, batch_id),
    )
