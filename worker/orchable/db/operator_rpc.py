"""The RPCs and reads an operator uses (the CLI): one function each, SQL only here.

They run as the connection's role. Connected directly (psql-style, as postgres or
service_role) there is no signed-in user, so the functions that need an owner take one.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import dict_row

Row = dict[str, Any]


async def _one(conn: AsyncConnection, sql: str, params: tuple[Any, ...] = ()) -> Row:
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(sql, params)
        row = await cur.fetchone()
    if row is None:
        raise LookupError("the query returned no row")
    return row


async def _all(conn: AsyncConnection, sql: str, params: tuple[Any, ...] = ()) -> list[Row]:
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(sql, params)
        return await cur.fetchall()


async def upsert_orchestrator(conn: AsyncConnection, definition: dict[str, Any]) -> Row:
    return await _one(
        conn,
        "select * from public.upsert_orchestrator(p_definition => %s::jsonb)",
        (json.dumps(definition),),
    )


async def find_orchestrator(conn: AsyncConnection, name_or_id: str) -> Row | None:
    rows = await _all(
        conn,
        "select id, name, owner_id from public.orchestrators"
        " where id::text = %s::text or name = %s::text order by updated_at desc",
        (name_or_id, name_or_id),
    )
    if len(rows) > 1:
        owners = ", ".join(str(r["owner_id"]) for r in rows)
        raise LookupError(
            f"several pipelines are named {name_or_id!r} (owners {owners}): use the id"
        )
    return rows[0] if rows else None


async def launch_batch(
    conn: AsyncConnection,
    orchestrator_id: uuid.UUID,
    inputs: list[Any],
    name: str | None = None,
    config: dict[str, Any] | None = None,
    idempotency_key: str | None = None,
) -> Row:
    return await _one(
        conn,
        "select * from public.launch_batch(p_orchestrator_id => %s::uuid, p_inputs => %s::jsonb,"
        " p_name => %s::text, p_config => %s::jsonb, p_idempotency_key => %s::text)",
        (orchestrator_id, json.dumps(inputs), name, json.dumps(config or {}), idempotency_key),
    )


async def batch_progress(
    conn: AsyncConnection, batch_ids: list[uuid.UUID] | None = None
) -> list[Row]:
    """v_batch_progress rows: every batch, or the given ones, newest first."""
    return await _all(
        conn,
        "select p.*, b.created_at from public.v_batch_progress as p"
        " join public.task_batches as b on b.id = p.batch_id"
        " where %s::uuid[] is null or p.batch_id = any(%s::uuid[])"
        " order by b.created_at desc limit 20",
        (batch_ids, batch_ids),
    )


async def stage_progress(conn: AsyncConnection, batch_id: uuid.UUID) -> list[Row]:
    return await _all(
        conn,
        "select s.* from public.v_stage_progress as s"
        " where s.batch_id = %s::uuid order by s.step_number, s.stage_key",
        (batch_id,),
    )


async def tasks_awaiting_approval(conn: AsyncConnection, batch_id: uuid.UUID) -> list[Row]:
    return await _all(
        conn,
        "select id, stage_key, input_data, output_data from public.ai_tasks"
        " where batch_id = %s::uuid and status = 'generated' order by created_at",
        (batch_id,),
    )


async def approve_task(conn: AsyncConnection, task_id: uuid.UUID, output: Any = None) -> str:
    row = await _one(
        conn,
        "select public.approve_task(p_task_id => %s::uuid, p_output => %s::jsonb) as status",
        (task_id, None if output is None else json.dumps(output)),
    )
    return str(row["status"])


async def reject_task(
    conn: AsyncConnection, task_id: uuid.UUID, reason: str, regenerate: bool
) -> str:
    row = await _one(
        conn,
        "select public.reject_task(p_task_id => %s::uuid, p_reason => %s::text,"
        " p_regenerate => %s::boolean) as status",
        (task_id, reason, regenerate),
    )
    return str(row["status"])


async def retry_task(conn: AsyncConnection, task_id: uuid.UUID) -> str:
    row = await _one(conn, "select public.retry_task(p_task_id => %s::uuid) as status", (task_id,))
    return str(row["status"])


async def retry_batch(conn: AsyncConnection, batch_id: uuid.UUID) -> int:
    row = await _one(
        conn, "select public.retry_batch(p_batch_id => %s::uuid) as count", (batch_id,)
    )
    return int(row["count"])


async def add_api_key(
    conn: AsyncConnection,
    provider: str,
    api_key: str,
    key_name: str | None,
    priority: int,
    model_preference: str | None,
    owner_id: uuid.UUID | None,
) -> Row:
    return await _one(
        conn,
        "select id, key_name, key_prefix, provider, priority from public.add_api_key("
        "p_provider => %s::text, p_api_key => %s::text, p_key_name => %s::text,"
        " p_priority => %s::integer, p_model_preference => %s::text, p_owner_id => %s::uuid)",
        (provider, api_key, key_name, priority, model_preference, owner_id),
    )


async def list_api_keys(conn: AsyncConnection, owner_id: uuid.UUID | None) -> list[Row]:
    return await _all(
        conn,
        "select k.id, k.owner_id, k.provider, k.key_name, k.key_prefix, k.is_active, k.priority,"
        " k.model_preference, h.consecutive_failures, h.blocked_until, h.block_reason,"
        " h.last_used_at"
        " from public.user_api_keys as k"
        " left join public.api_key_health as h on h.user_api_key_id = k.id"
        " where %s::uuid is null or k.owner_id = %s::uuid"
        " order by k.provider, k.priority desc, k.key_name",
        (owner_id, owner_id),
    )


async def cost_by_model(conn: AsyncConnection, batch_ids: list[uuid.UUID]) -> list[Row]:
    return await _all(
        conn,
        "select provider, model, count(*) as calls,"
        " count(*) filter (where outcome = 'success') as succeeded,"
        " sum(input_tokens) as input_tokens, sum(output_tokens) as output_tokens,"
        " sum(cost_usd) as cost_usd"
        " from public.llm_calls where batch_id = any(%s::uuid[])"
        " group by provider, model order by provider, model",
        (batch_ids,),
    )


async def batch_outputs(conn: AsyncConnection, batch_id: uuid.UUID, stage_key: str) -> list[Row]:
    return await _all(
        conn,
        "select t.id, r.input_data as root_input, t.output_data, t.status"
        " from public.ai_tasks as t join public.ai_tasks as r on r.id = t.root_task_id"
        " where t.batch_id = %s::uuid and t.stage_key = %s::text order by r.created_at",
        (batch_id, stage_key),
    )
