"""`orchable`: run workers and operate pipelines from the command line.

Every command reads DATABASE_URL (or --database-url); `worker` connects with
ORCHABLE_WORKER_DATABASE_URL when it is set (a login that has the orchable_worker role).
Connected directly there is no signed-in user: commands that create something owned
(pipeline apply, keys add) take --owner or ORCHABLE_OWNER_ID.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import os
import sys
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import psycopg
import yaml
from rich.console import Console
from rich.table import Table

from orchable.db import operator_rpc as rpc
from orchable.logs import configure_logging
from orchable.settings import DEFAULT_LOG_LEVEL, Env
from orchable.worker.run import add_worker_arguments, event_loop_factory

Command = Callable[[argparse.Namespace], Awaitable[int]]
console = Console()


class CliError(Exception):
    """A problem the user can fix; printed as one line."""


def database_url(args: argparse.Namespace) -> str:
    url = args.database_url or os.environ.get(Env.DATABASE_URL)
    if not url:
        raise CliError(
            f"no database: set {Env.DATABASE_URL} or pass --database-url (locally: make db)"
        )
    return url


def owner_id(args: argparse.Namespace, required: bool = True) -> uuid.UUID | None:
    value = getattr(args, "owner", None) or os.environ.get(Env.OWNER_ID)
    if not value:
        if required:
            raise CliError(f"whose is it? pass --owner <user id> or set {Env.OWNER_ID}")
        return None
    try:
        return uuid.UUID(value)
    except ValueError as error:
        raise CliError(f"--owner {value!r} is not a user id (a uuid from auth.users)") from error


def parse_uuid(value: str, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError as error:
        raise CliError(f"{what} {value!r} is not an id (a uuid)") from error


async def connect(args: argparse.Namespace) -> psycopg.AsyncConnection:
    return await psycopg.AsyncConnection.connect(
        database_url(args), autocommit=True, prepare_threshold=None
    )


def read_document(path: str) -> Any:
    """A JSON or YAML file (by extension, JSON first otherwise)."""
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text()
    except OSError as error:
        raise CliError(f"cannot read {path}: {error.strerror}") from error
    try:
        if path.endswith((".yaml", ".yml")):
            return yaml.safe_load(text)
        return json.loads(text)
    except (json.JSONDecodeError, yaml.YAMLError) as error:
        raise CliError(f"{path} is not valid JSON or YAML: {error}") from error


def read_inputs(path: str) -> list[Any]:
    """A JSON array, or JSON lines (one input per line)."""
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text()
    except OSError as error:
        raise CliError(f"cannot read {path}: {error.strerror}") from error
    stripped = text.lstrip()
    try:
        if stripped.startswith("["):
            inputs = json.loads(text)
        else:
            inputs = [json.loads(line) for line in text.splitlines() if line.strip()]
    except json.JSONDecodeError as error:
        raise CliError(f"{path}: not a JSON array or JSON lines ({error})") from error
    if not inputs:
        raise CliError(f"{path} holds no input")
    return list(inputs)


# --- commands ----------------------------------------------------------------------------


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
    try:
        config = json.loads(args.config) if args.config else {}
    except json.JSONDecodeError as error:
        raise CliError(f"--config is not JSON: {error}") from error
    if not isinstance(config, dict):
        raise CliError('--config must be a JSON object, e.g. \'{"ai_settings": {"model": "..."}}\'')
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="orchable", description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="PostgreSQL URL (default: $DATABASE_URL)")
    parser.add_argument(
        "--log-level",
        default=os.environ.get(Env.LOG_LEVEL, DEFAULT_LOG_LEVEL),
        help=f"debug, info, warning or error (${Env.LOG_LEVEL}; {DEFAULT_LOG_LEVEL})",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, func: Command, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.set_defaults(func=func)
        return sub

    worker = command("worker", cmd_worker, "claim and run tasks until stopped (SIGTERM/Ctrl-C)")
    add_worker_arguments(worker, os.environ)

    pipeline = commands.add_parser("pipeline", help="manage pipelines").add_subparsers(
        dest="pipeline_command", required=True, metavar="ACTION"
    )
    apply = pipeline.add_parser(
        "apply", help="create or update a pipeline from a YAML or JSON file"
    )
    apply.set_defaults(func=cmd_pipeline_apply)
    apply.add_argument("file")
    apply.add_argument("--owner", help="owner's user id when not signed in ($ORCHABLE_OWNER_ID)")

    launch = command(
        "launch", cmd_launch, "launch a batch: one input per JSON array element or line"
    )
    launch.add_argument("pipeline", help="pipeline name or id")
    launch.add_argument(
        "--inputs", required=True, help="JSON array or JSON lines file ('-': stdin)"
    )
    launch.add_argument("--name")
    launch.add_argument("--config", help="batch config as JSON, e.g. '{\"ai_settings\": {...}}'")
    launch.add_argument(
        "--budget-usd", type=float, help="pause the batch when its spend reaches this"
    )
    launch.add_argument(
        "--idempotency-key", help="launching again with this key returns the same batch"
    )

    status = command("status", cmd_status, "progress of the latest batches, or of the given ones")
    status.add_argument("batch", nargs="*", help="batch ids")
    status.add_argument("--watch", action="store_true", help="refresh until the batches finish")

    approve = command(
        "approve", cmd_approve, "approve a generated task (optionally with an edited output)"
    )
    approve.add_argument("task")
    approve.add_argument("--output", help="file with the edited output (JSON or YAML)")

    reject = command("reject", cmd_reject, "reject a generated task: regenerate it, or fail it")
    reject.add_argument("task")
    reject.add_argument("--reason", required=True)
    reject.add_argument("--fail", action="store_true", help="fail the task instead of regenerating")

    retry = command(
        "retry", cmd_retry, "put a failed task (or every failed task of a batch) back to plan"
    )
    retry.add_argument("id", help="task id, or batch id with --batch")
    retry.add_argument("--batch", action="store_true")

    keys = commands.add_parser("keys", help="the API key pool").add_subparsers(
        dest="keys_command", required=True, metavar="ACTION"
    )
    keys_add = keys.add_parser(
        "add", help="add a provider key (read from a prompt, stdin or --from-env)"
    )
    keys_add.set_defaults(func=cmd_keys_add)
    keys_add.add_argument("--provider", required=True, choices=["gemini", "openai"])
    keys_add.add_argument("--from-env", help="read the key from this environment variable")
    keys_add.add_argument("--name")
    keys_add.add_argument("--priority", type=int, default=0)
    keys_add.add_argument("--model", help="the model this key is meant for")
    keys_add.add_argument("--owner", help="owner's user id when not signed in ($ORCHABLE_OWNER_ID)")
    keys_list = keys.add_parser("list", help="keys with their health (never the key itself)")
    keys_list.set_defaults(func=cmd_keys_list)
    keys_list.add_argument("--owner")

    demo = command(
        "demo", cmd_demo, "run the course-builder pipeline end to end and show the result"
    )
    demo.add_argument("--owner", help="the demo user's id ($ORCHABLE_OWNER_ID)")
    demo.add_argument("--pipeline", default="seeds/pipelines/course_builder.json")
    return parser


def describe(error: psycopg.Error) -> str:
    diag = error.diag
    message = diag.message_primary or str(error).strip()
    code = f" [{error.sqlstate}]" if error.sqlstate else ""
    hint = f"; {diag.message_hint}" if diag.message_hint else ""
    return f"{message}{code}{hint}"


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    configure_logging(args.log_level)
    try:
        with asyncio.Runner(loop_factory=event_loop_factory()) as runner:
            code: int = runner.run(args.func(args))
            return code
    except CliError as error:
        console.print(f"[red]orchable:[/] {error}", highlight=False)
    except psycopg.OperationalError as error:
        first_line = (
            str(error).strip().splitlines()[0] if str(error).strip() else "connection failed"
        )
        console.print(
            f"[red]orchable:[/] cannot reach the database ({first_line}); "
            "check DATABASE_URL (locally: make db)",
            highlight=False,
        )
    except psycopg.Error as error:
        console.print(f"[red]orchable:[/] {describe(error)}", highlight=False)
    except KeyboardInterrupt:
        return 130
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
