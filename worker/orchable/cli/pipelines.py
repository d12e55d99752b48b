"""`orchable` commands for pipelines, batches, approvals, API keys, the worker and the demo."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from rich.table import Table

from orchable.cli.common import (
    CliError,
    connect,
    console,
    database_url,
    owner_id,
    parse_uuid,
    read_config,
    read_document,
    read_inputs,
)
from orchable.db import operator_rpc as rpc
from orchable.settings import Env


async def cmd_pipeline_apply(args: argparse.Namespace) -> int:
    definition = read_document(args.file)
    if not isinstance(definition, dict):
        raise CliError(f"{args.file} must hold one pipeline definition (an object)")
    owner = owner_id(args, required=False)
    if owner is not None:
        definition["owner_id"] = str(owner)
    async with await connect(args) as conn:
        row = await rpc.upsert_orchestrator(conn, definition)
    console.print(f"pipeline [bold]{row['name']}[/] applied: {row['id']}")
    return 0


async def cmd_launch(args: argparse.Namespace) -> int:
    inputs = read_inputs(args.inputs)
    config = read_config(args.config)
    if args.budget_usd is not None:
        config["budget_usd"] = args.budget_usd
    async with await connect(args) as conn:
        try:
            pipeline = await rpc.find_orchestrator(conn, args.pipeline)
        except LookupError as error:  # a name several owners' pipelines share
            raise CliError(str(error)) from None
        if pipeline is None:
            raise CliError(
                f"no pipeline {args.pipeline!r}: apply it first (orchable pipeline apply FILE)"
            )
        batch = await rpc.launch_batch(
            conn, pipeline["id"], inputs, args.name, config, args.idempotency_key
        )
    console.print(
        f"batch [bold]{batch['name']}[/] launched: {batch['id']} ({batch['total_tasks']} inputs)"
    )
    return 0


async def cmd_status(args: argparse.Namespace) -> int:
    from orchable.cli.progress import show_status

    batch_ids = [parse_uuid(b, "batch") for b in args.batch] or None
    async with await connect(args) as conn:
        await show_status(conn, console, batch_ids, watch=args.watch)
    return 0


async def cmd_approve(args: argparse.Namespace) -> int:
    output = read_document(args.output) if args.output else None
    async with await connect(args) as conn:
        status = await rpc.approve_task(conn, parse_uuid(args.task, "task"), output)
    console.print(f"task {args.task}: {status}")
    return 0


async def cmd_reject(args: argparse.Namespace) -> int:
    async with await connect(args) as conn:
        status = await rpc.reject_task(
            conn, parse_uuid(args.task, "task"), args.reason, not args.fail
        )
    console.print(f"task {args.task}: {status}")
    return 0


async def cmd_retry(args: argparse.Namespace) -> int:
    async with await connect(args) as conn:
        if args.batch:
            count = await rpc.retry_batch(conn, parse_uuid(args.id, "batch"))
            console.print(f"batch {args.id}: {count} failed tasks back to plan")
        else:
            status = await rpc.retry_task(conn, parse_uuid(args.id, "task"))
            console.print(f"task {args.id}: {status}")
    return 0


async def cmd_keys_add(args: argparse.Namespace) -> int:
    if args.from_env:
        secret = os.environ.get(args.from_env)
        if not secret:
            raise CliError(f"the environment variable {args.from_env} is empty")
    else:
        secret = (
            getpass.getpass(f"{args.provider} API key: ")
            if sys.stdin.isatty()
            else sys.stdin.readline()
        )
    async with await connect(args) as conn:
        row = await rpc.add_api_key(
            conn,
            args.provider,
            secret.strip(),
            args.name,
            args.priority,
            args.model,
            owner_id(args, required=False),
        )
    console.print(
        f"key [bold]{row['key_name']}[/] ({row['key_prefix']}) added for {row['provider']}"
    )
    return 0


async def cmd_keys_list(args: argparse.Namespace) -> int:
    async with await connect(args) as conn:
        rows = await rpc.list_api_keys(conn, owner_id(args, required=False))
    table = Table(
        "provider", "name", "key", "active", "priority", "model", "failures", "blocked until"
    )
    for r in rows:
        table.add_row(
            r["provider"],
            r["key_name"],
            r["key_prefix"],
            "yes" if r["is_active"] else f"no ({r['block_reason']})",
            str(r["priority"]),
            r["model_preference"] or "",
            str(r["consecutive_failures"] or 0),
            str(r["blocked_until"] or ""),
        )
    console.print(table)
    return 0


async def cmd_worker(args: argparse.Namespace) -> int:
    from orchable.worker.run import run_worker

    if args.default_provider == "offline" and not args.offline:
        raise CliError(
            f"--default-provider offline needs --offline (or {Env.OFFLINE}=1):"
            " a worker offers the offline provider only when started to"
        )
    url = args.database_url or os.environ.get(Env.WORKER_DATABASE_URL) or database_url(args)
    return await run_worker(args, url, console)


async def cmd_demo(args: argparse.Namespace) -> int:
    from orchable.demo.course_builder import run_demo

    worker_url = os.environ.get(Env.WORKER_DATABASE_URL) or database_url(args)
    return await run_demo(
        database_url(args), worker_url, owner_id(args), Path(args.pipeline), console
    )


# --- the parser --------------------------------------------------------------------------
