"""Interactions for the tests: a two-stage pipeline whose first stage asks people
(`draft` writes {"text"} and asks; `publish` follows with what the draft and the answer
became), a real worker that runs and ticks while a block runs, and answering as a person."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import psycopg
from orchable.worker.loop import Worker
from orchable.worker.providers.offline import OfflineProvider
from psycopg.types.json import Jsonb

from .databases import acting_as
from .tasks import launch
from .workers import settings, until


def asking_pipeline(
    admin: psycopg.Connection, owner: uuid.UUID, interaction: dict[str, Any]
) -> uuid.UUID:
    """A pipeline whose stage "draft" asks people `interaction` about its output, then
    "publish"; returns the orchestrator id."""
    definition = {
        "name": f"asks-{uuid.uuid4().hex[:8]}",
        "owner_id": str(owner),
        "entry": "draft",
        "stages": [
            {
                "key": "draft",
                "template": "Draft a post about {{topic}}",
                "interaction": interaction,
                "max_retries": 0,
                "output_schema": {
                    "type": "object",
                    "properties": {"text": {"type": "string"}},
                    "required": ["text"],
                },
                "next": ["publish"],
            },
            {"key": "publish", "template": "Publish {{text}}"},
        ],
    }
    row = admin.execute(
        "select (public.upsert_orchestrator(%s)).id as id", (Jsonb(definition),)
    ).fetchone()
    assert row is not None
    orchestrator_id: uuid.UUID = row["id"]
    return orchestrator_id


def launch_asking(
    admin: psycopg.Connection, owner: uuid.UUID, interaction: dict[str, Any]
) -> uuid.UUID:
    """Launches one input ({"topic": "cats"}) of a pipeline that asks `interaction`."""
    return launch(admin, owner, asking_pipeline(admin, owner, interaction), [{"topic": "cats"}])[
        "id"
    ]


def pending_interaction(admin: psycopg.Connection, batch_id: uuid.UUID) -> dict[str, Any] | None:
    return admin.execute(
        "select * from public.human_interactions where batch_id = %s and status = 'pending'",
        (batch_id,),
    ).fetchone()


def batch_status(admin: psycopg.Connection, batch_id: uuid.UUID) -> str:
    row = admin.execute("select status from public.task_batches where id = %s", (batch_id,))
    return str(row.fetchone()["status"])


def respond(
    conn: psycopg.Connection, user: uuid.UUID, interaction_id: uuid.UUID, response: dict[str, Any]
) -> str:
    """respond_to_interaction as `user`, as PostgREST would call it; its outcome."""
    with acting_as(conn, "authenticated", user):
        row = conn.execute(
            "select outcome from public.respond_to_interaction(%s, %s)",
            (interaction_id, Jsonb(response)),
        ).fetchone()
    return str(row["outcome"])


@contextlib.asynccontextmanager
async def running_worker(worker_url: str, **overrides: Any) -> AsyncIterator[Worker]:
    """A worker that runs (and ticks every 0.2 s) until the block ends."""
    worker = Worker(
        settings(worker_url, drain=False, tick_seconds=0.2, listen_url="", **overrides),
        {"offline": OfflineProvider()},
    )
    runner = asyncio.create_task(worker.run())
    try:
        yield worker
    finally:
        worker.stop()
        await runner


async def wait_until(predicate: Callable[[], Any]) -> Any:
    """Waits in the event loop until predicate() returns something true; returns it."""
    found: list[Any] = []
    await until(lambda: bool(found.append(predicate()) or found[-1]))
    return found[-1]


def stage_task(admin: psycopg.Connection, batch_id: uuid.UUID, stage_key: str) -> dict[str, Any]:
    """The batch's one task of a stage: its status, input and output."""
    return admin.execute(
        "select id, status, input_data, output_data from public.ai_tasks"
        " where batch_id = %s and stage_key = %s",
        (batch_id, stage_key),
    ).fetchone()
