"""`orchable watch BATCH`: a batch's timeline, printed as it grows, until the batch finishes.

It LISTENs on orchable_batch_events before it reads, so nothing logged meanwhile is missed;
each notification names the batch and the first and last event ids one statement logged,
and the events are read from v_batch_timeline from that first id. Event ids are handed
out at insert and seen at commit, so a transaction that commits later may bring lower ids
than ones already printed: the ids printed are remembered (a window of the latest
SEEN_WINDOW) rather than only the last one. Without a notification for poll seconds it
reads anyway, in case one was lost.
"""

from __future__ import annotations

import argparse
import asyncio
import uuid
from datetime import datetime
from typing import Any

from psycopg import AsyncConnection
from rich.markup import escape

from orchable.cli.common import CliError, connect, console, parse_uuid
from orchable.db import timeline_rpc as rpc

SEEN_WINDOW = 100_000  # event ids remembered below the highest printed one
READ_LIMIT = 1000  # events read per query

LEVEL_STYLES = {"debug": "dim", "info": "", "warning": "yellow", "error": "red"}


def shown(event: dict[str, Any], everything: bool) -> bool:
    """By default the story a person follows: business events, and any warning or error."""
    return everything or event["category"] == "business" or event["level"] in ("warning", "error")


def line(event: dict[str, Any]) -> str:
    at: datetime = event["created_at"]
    progress = f"{event['progress']:>6.2f}%" if event["progress"] is not None else "       "
    style = LEVEL_STYLES.get(event["level"], "")
    text = f"{event['level']:<7} {escape(event['message'] or '')}"
    return f"{at:%H:%M:%S} {progress} " + (f"[{style}]{text}[/]" if style else text)


class Follower:
    """Reads a batch's events from an id on, prints the ones not printed yet."""

    def __init__(self, conn: AsyncConnection, batch_id: uuid.UUID, everything: bool) -> None:
        self.conn, self.batch_id, self.everything = conn, batch_id, everything
        self.seen: set[int] = set()
        self.highest = 0

    @property
    def floor(self) -> int:
        """The lowest id still worth reading: below it every id is taken as seen."""
        return max(0, self.highest - SEEN_WINDOW)

    async def read_from(self, first_id: int) -> None:
        start = max(first_id, self.floor)
        while True:
            events = await rpc.timeline(self.conn, self.batch_id, start, READ_LIMIT)
            for event in events:
                event_id: int = event["event_id"]
                if event_id in self.seen or event_id < self.floor:
                    continue
                self.seen.add(event_id)
                self.highest = max(self.highest, event_id)
                if shown(event, self.everything):
                    console.print(line(event), highlight=False, soft_wrap=True)
            if len(events) < READ_LIMIT:
                break
            start = events[-1]["event_id"] + 1
        if len(self.seen) > 2 * SEEN_WINDOW:
            floor = self.floor
            self.seen = {i for i in self.seen if i >= floor}


async def next_first_id(conn: AsyncConnection, batch_id: uuid.UUID, wait: float) -> int | None:
    """The first event id of the next notification about the batch within wait seconds (and
    of any already queued with it), or None when none came."""
    first: int | None = None
    async for notify in conn.notifies(timeout=wait, stop_after=1):
        parsed = rpc.parse_notification(notify.payload)
        if parsed is not None and parsed[0] == batch_id:
            first = parsed[1] if first is None else min(first, parsed[1])
    return first


async def cmd_watch(args: argparse.Namespace) -> int:
    batch_id = parse_uuid(args.batch, "batch")
    loop = asyncio.get_running_loop()
    deadline = loop.time() + args.timeout if args.timeout else None
    async with await connect(args) as conn:
        await rpc.listen_for_batch_events(conn)  # before the first read: nothing is missed
        batch = await rpc.batch(conn, batch_id)
        if batch is None:
            raise CliError(f"no batch {args.batch}: list the latest with orchable status")
        console.print(
            f"batch [bold]{escape(batch['name'])}[/] ({batch_id}): {batch['status']},"
            f" {batch['completed_tasks'] + batch['failed_tasks']} of {batch['total_tasks']}"
            " inputs finished",
            highlight=False,
        )
        follower = Follower(conn, batch_id, args.all)
        await follower.read_from(0)
        while True:
            batch = await rpc.batch(conn, batch_id)
            if batch is None:
                console.print("[red]the batch was deleted[/]", highlight=False)
                return 1
            if batch["status"] in rpc.FINISHED:
                # Everything committed before the status was read is visible now.
                await follower.read_from(follower.floor)
                return 0 if batch["status"] == "completed" else 1
            wait = args.poll
            if deadline is not None:
                wait = min(wait, deadline - loop.time())
                if wait <= 0:
                    console.print(
                        f"stopped watching after {args.timeout:g}s: the batch is {batch['status']}",
                        highlight=False,
                    )
                    return 3
            first_id = await next_first_id(conn, batch_id, wait)
            await follower.read_from(follower.highest + 1 if first_id is None else first_id)


def add_watch_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("batch", help="batch id")
    parser.add_argument(
        "--all", action="store_true", help="every event, also claims, retries and tasks queued"
    )
    parser.add_argument(
        "--timeout",
        type=float,
        help="stop after this many seconds if the batch has not finished (exit code 3)",
    )
    parser.add_argument(
        "--poll",
        type=float,
        default=5.0,
        help="read anyway after this many seconds without a notification (5)",
    )
