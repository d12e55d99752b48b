"""Progress of batches as bars: one per batch (inputs finished) and one per stage."""

from __future__ import annotations

import asyncio
import uuid
from decimal import Decimal
from typing import Any

from psycopg import AsyncConnection
from rich.console import Console, Group
from rich.live import Live
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from orchable.db import operator_rpc as rpc

FINISHED = {"completed", "failed", "cancelled"}


def _money(value: Any) -> str:
    return f"${Decimal(value or 0):.4f}"


async def render(conn: AsyncConnection, batch_ids: list[uuid.UUID] | None) -> tuple[Group, bool]:
    """The bars for the batches, and whether all of them have finished."""
    batches = await rpc.batch_progress(conn, batch_ids)
    bars = Progress(
        TextColumn("{task.description}"),
        BarColumn(bar_width=32),
        MofNCompleteColumn(),
        TextColumn("{task.fields[detail]}"),
        expand=False,
    )
    for batch in batches:
        finished = batch["completed_tasks"] + batch["failed_tasks"]
        reason = f" ({batch['status_reason']})" if batch.get("status_reason") else ""
        eta = f", eta {batch['eta']}" if batch.get("eta") else ""
        bars.add_task(
            f"[bold]{batch['name']}[/] {batch['status']}{reason}",
            total=batch["total_tasks"],
            completed=finished,
            detail=f"inputs, {batch['failed_tasks']} failed, {_money(batch.get('cost_usd'))}{eta}",
        )
        for stage in await rpc.stage_progress(conn, batch["batch_id"]):
            waiting = (
                f", {stage['generated_count']} awaiting approval"
                if stage["generated_count"]
                else ""
            )
            bars.add_task(
                f"  {stage['stage_key']}",
                total=stage["task_count"],
                completed=stage["completed_count"],
                detail=(
                    f"tasks, {stage['processing_count']} running,"
                    f" {stage['failed_count']} failed{waiting}"
                ),
            )
    done = bool(batches) and all(b["status"] in FINISHED for b in batches)
    if not batches:
        empty = Table.grid()
        empty.add_row("no batch yet: orchable launch PIPELINE --inputs FILE")
        return Group(empty), True
    return Group(bars), done


async def show_status(
    conn: AsyncConnection,
    console: Console,
    batch_ids: list[uuid.UUID] | None,
    watch: bool = False,
    stop: asyncio.Event | None = None,
    interval: float = 0.5,
) -> None:
    """Prints the bars once, or keeps them live until the batches finish (or `stop` is set)."""
    view, done = await render(conn, batch_ids)
    if not watch:
        console.print(view)
        return
    with Live(view, console=console, refresh_per_second=4, transient=False) as live:
        while not done and not (stop is not None and stop.is_set()):
            await asyncio.sleep(interval)
            view, done = await render(conn, batch_ids)
            live.update(view)
    console.line()
