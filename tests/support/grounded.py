"""What the grounded_search tests share: a one-stage pipeline whose stage is a
grounded_search with a monitor's verdict schema, launched once and drained by one worker."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import psycopg
from orchable.settings import ExecutorSettings
from orchable.worker.loop import Worker
from psycopg.types.json import Jsonb

from support.pipelines import Schema, single_stage_definition
from support.tasks import launch, tasks
from support.workers import run_worker, settings

# What a monitor run's stage asks for (functions/monitors/0910__monitor_pipeline.sql).
VERDICT: Schema = {
    "type": "object",
    "properties": {
        "answer": {"type": "string"},
        "condition_met": {"type": "boolean"},
        "reasoning": {"type": "string"},
        "current_state": {"type": "object"},
    },
    "required": ["answer", "condition_met", "reasoning", "current_state"],
}
QUESTION = "When does the iPhone 17 come out?"


def grounded_stage(
    admin: psycopg.Connection,
    owner: uuid.UUID,
    ai_settings: dict[str, Any],
    output_schema: Schema | None = VERDICT,
    kind: str = "grounded_search",
) -> uuid.UUID:
    """Applies a one-stage pipeline whose stage has this kind; returns its id."""
    definition = single_stage_definition(
        admin,
        owner,
        f"grounded-{uuid.uuid4().hex[:6]}",
        ai_settings=ai_settings,
        output_schema=output_schema,
    )
    definition["stages"][0]["kind"] = kind
    row = admin.execute(
        "select (public.upsert_orchestrator(%s::jsonb)).id", (Jsonb(definition),)
    ).fetchone()
    assert row is not None
    return row["id"]


def run_grounded(
    admin: psycopg.Connection,
    owner: uuid.UUID,
    worker_url: str,
    providers: dict[str, Any],
    ai_settings: dict[str, Any],
    executor: ExecutorSettings | None = None,
    output_schema: Schema | None = VERDICT,
) -> tuple[Worker, uuid.UUID, dict[str, Any]]:
    """Launches one task of a grounded_search stage, drains it with one worker (then closes
    the providers' clients); returns the worker, the batch id and the task's row."""
    orchestrator_id = grounded_stage(admin, owner, ai_settings, output_schema)
    batch_id = launch(admin, owner, orchestrator_id, [{"question": QUESTION}])["id"]
    worker = Worker(
        settings(
            worker_url,
            concurrency=2,
            executor=executor or ExecutorSettings(default_provider="offline"),
        ),
        providers,
    )

    async def drain() -> None:
        try:
            await run_worker(worker)
        finally:
            for provider in providers.values():
                await provider.aclose()

    asyncio.run(drain())
    [row] = tasks(admin, batch_id)
    return worker, batch_id, row
