"""`orchable demo`: the course builder, end to end, on whatever database DATABASE_URL names.

A topic becomes an outline of questions, split into one task per question, merged back
into a quiz that waits for approval. The demo applies the pipeline, launches three
topics, runs a worker until nothing is left to do, approves the quizzes as a person would
and prints the quizzes and what the calls cost. It runs on the offline provider, or on
Gemini when GEMINI_API_KEY is set: the provider is written into the pipeline's stages,
so what runs is what the pipeline says.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
from rich.console import Console
from rich.table import Table

from orchable.cli.progress import show_status
from orchable.db import operator_rpc as rpc
from orchable.settings import DEFAULT_MODELS, Env
from orchable.worker.run import drain

TOPICS = ["photosynthesis", "the French revolution", "binary search"]


def ai_settings() -> tuple[dict[str, Any], str | None]:
    key = os.environ.get(Env.GEMINI_API_KEY)
    if key:
        return {"provider": "gemini", "model": DEFAULT_MODELS["gemini"], "temperature": 0.4}, key
    return {"provider": "offline", "model": "offline"}, None


async def ensure_gemini_key(conn: psycopg.AsyncConnection, owner: uuid.UUID, key: str) -> None:
    existing = [k for k in await rpc.list_api_keys(conn, owner) if k["key_name"] == "demo gemini"]
    if not existing:
        await rpc.add_api_key(conn, "gemini", key, "demo gemini", 0, None, owner)


async def run_demo(
    database_url: str,
    worker_url: str,
    owner: uuid.UUID | None,
    pipeline_path: Path,
    console: Console,
) -> int:
    assert owner is not None
    started = time.monotonic()
    definition = json.loads(pipeline_path.read_text())
    settings, gemini_key = ai_settings()
    for stage in definition["stages"]:
        stage["ai_settings"] = {**stage.get("ai_settings", {}), **settings}
    definition["owner_id"] = str(owner)
    provider = settings["provider"]
    console.rule(f"[bold]orchable demo[/]: course builder on the {provider} provider")

    async with await psycopg.AsyncConnection.connect(
        database_url, autocommit=True, prepare_threshold=None
    ) as conn:
        if gemini_key:
            await ensure_gemini_key(conn, owner, gemini_key)
        pipeline = await rpc.upsert_orchestrator(conn, definition)
        console.print(
            f"pipeline [bold]{pipeline['name']}[/]:"
            " outline -> question (1:N) -> quiz (N:1, waits for approval)"
        )
        batch = await rpc.launch_batch(
            conn,
            pipeline["id"],
            [{"topic": t} for t in TOPICS],
            f"course builder demo {time.strftime('%H:%M:%S')}",
        )
        batch_id = batch["id"]
        console.print(f"launched batch {batch_id} with {len(TOPICS)} topics: {', '.join(TOPICS)}")

        stop = asyncio.Event()
        status_conn = await psycopg.AsyncConnection.connect(
            database_url, autocommit=True, prepare_threshold=None
        )
        shown = asyncio.create_task(
            show_status(status_conn, console, [batch_id], watch=True, stop=stop)
        )
        try:
            await drain(
                worker_url,
                default_provider=provider,
                concurrency=16,
                offline=provider == "offline",
            )
            quizzes = await rpc.tasks_awaiting_approval(conn, batch_id)
            for quiz in quizzes:
                await rpc.approve_task(conn, quiz["id"])
            await asyncio.sleep(0.6)
        finally:
            stop.set()
            await shown
            await status_conn.close()
        console.print(f"approved {len(quizzes)} quizzes, as a person would (orchable approve TASK)")

        table = Table("topic", "quiz", title="the quizzes")
        for row in await rpc.batch_outputs(conn, batch_id, "quiz"):
            table.add_row(str(row["root_input"].get("topic")), json.dumps(row["output_data"])[:100])
        console.print(table)

        costs = Table(
            "provider",
            "model",
            "calls",
            "ok",
            "input tokens",
            "output tokens",
            "cost",
            title="cost",
        )
        for row in await rpc.cost_by_model(conn, [batch_id]):
            costs.add_row(
                row["provider"],
                row["model"],
                str(row["calls"]),
                str(row["succeeded"]),
                str(row["input_tokens"]),
                str(row["output_tokens"]),
                f"${Decimal(row['cost_usd'] or 0):.6f}",
            )
        console.print(costs)
        final = (await rpc.batch_progress(conn, [batch_id]))[0]

    took = time.monotonic() - started
    ok = final["status"] == "completed"
    console.rule(
        f"batch {final['status']}: {final['completed_tasks']}/{final['total_tasks']} inputs"
        f" in {took:.1f} s"
    )
    return 0 if ok else 1
