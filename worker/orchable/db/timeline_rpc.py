"""A batch's timeline, read and followed live (`orchable watch`): SQL only here.

task_events_50_notify sends `NOTIFY orchable_batch_events, '<batch id>:<first id>:<last id>'`
for every statement that logs events; a listener reads v_batch_timeline from the first id.
"""

from __future__ import annotations

import uuid
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import dict_row

Row = dict[str, Any]

BATCH_EVENTS_CHANNEL = "orchable_batch_events"
FINISHED = frozenset({"completed", "failed", "cancelled"})


async def listen_for_batch_events(conn: AsyncConnection) -> None:
    """LISTEN on the channel task_events notifies. Needs a direct or session-mode
    connection (not a transaction-mode pooler), in autocommit."""
    await conn.execute(f"listen {BATCH_EVENTS_CHANNEL}")


def parse_notification(payload: str) -> tuple[uuid.UUID, int, int] | None:
    """'<batch id>:<first id>:<last id>' as its parts; None for anything else."""
    parts = payload.split(":")
    if len(parts) != 3:
        return None
    try:
        return uuid.UUID(parts[0]), int(parts[1]), int(parts[2])
    except ValueError:
        return None


async def batch(conn: AsyncConnection, batch_id: uuid.UUID) -> Row | None:
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(
            "select id, name, status, total_tasks, completed_tasks, failed_tasks"
            " from public.task_batches where id = %s::uuid",
            (batch_id,),
        )
        return await cur.fetchone()


async def timeline(
    conn: AsyncConnection, batch_id: uuid.UUID, from_event_id: int = 0, limit: int = 1000
) -> list[Row]:
    """A batch's events from from_event_id on, in order, at most limit of them."""
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(
            "select event_id, created_at, event, category, level, message, stage_key, task_id,"
            " to_status, progress from public.v_batch_timeline"
            " where batch_id = %s::uuid and event_id >= %s::bigint order by event_id limit %s",
            (batch_id, from_event_id, limit),
        )
        return await cur.fetchall()
