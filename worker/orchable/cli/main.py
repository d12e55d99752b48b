"""`orchable`: run workers and operate pipelines from the command line.

Every command reads DATABASE_URL (or --database-url); `worker` connects with
ORCHABLE_WORKER_DATABASE_URL when it is set (a login that has the orchable_worker role).
Connected directly there is no signed-in user: commands that create something owned
(pipeline apply, keys add, monitor add, endpoints add, access-keys create) take --owner or
ORCHABLE_OWNER_ID; keys list and the monitor, triggers, endpoints, notifications and
access-keys commands narrow what they list or look up to that owner if given.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import os
import shlex
import sys
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, time
from pathlib import Path
from typing import Any

import psycopg
import yaml
from rich.console import Console
from rich.markup import escape
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


def read_config(text: str | None) -> dict[str, Any]:
    """--config: a JSON object (empty when not given)."""
    try:
        config = json.loads(text) if text else {}
    except json.JSONDecodeError as error:
        raise CliError(f"--config is not JSON: {error}") from error
    if not isinstance(config, dict):
        raise CliError('--config must be a JSON object, e.g. \'{"ai_settings": {"model": "..."}}\'')
    return config


def read_inputs_or_json(value: str) -> list[Any]:
    """--inputs given inline (a JSON array, or one JSON object: one input) or as a file."""
    if value.lstrip().startswith(("[", "{")) and not Path(value).exists():
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError as error:
            raise CliError(f"--inputs is neither a file nor JSON: {error}") from error
        inputs = parsed if isinstance(parsed, list) else [parsed]
        if not inputs:
            raise CliError("--inputs holds no input")
        return inputs
    return read_inputs(value)


def read_values(pairs: list[str]) -> dict[str, str]:
    """--value key=value, repeated: a template's placeholders."""
    values: dict[str, str] = {}
    for pair in pairs:
        key, equals, value = pair.partition("=")
        if not equals or not key.strip():
            raise CliError(f"--value {pair!r} is not key=value, e.g. --value product='iPhone 18'")
        values[key.strip()] = value
    return values


def wall_clock(at: datetime | None) -> str:
    """A time on its zone's wall clock (the `*_local` columns), to the minute."""
    return at.strftime("%a %Y-%m-%d %H:%M") if at is not None else ""


def yes_no(value: bool | None) -> str:
    return "" if value is None else "yes" if value else "no"


async def show_next_runs(
    conn: psycopg.AsyncConnection, row: dict[str, Any], what: str = "next run"
) -> None:
    """A scheduled row's next run in its zone, and the three times after it (cron_next_run),
    so that the owner sees what their cron expression means."""
    if row["next_run_at"] is None:
        console.print(f"{what}: none (not scheduled)")
        return
    later = await rpc.next_runs(conn, row["schedule"], row["timezone"], row["next_run_at"], 3)
    zone = escape(row["timezone"])
    console.print(f"{what}: {wall_clock(row['next_run_local'])} ({zone})")
    if later:
        console.print("then: " + ", ".join(wall_clock(at) for at in later))


async def find_monitor(conn: psycopg.AsyncConnection, args: argparse.Namespace) -> dict[str, Any]:
    """args.monitor, an id or a name (of --owner, when given), or a one-line CliError."""
    try:
        monitor = await rpc.find_monitor(conn, args.monitor, owner_id(args, required=False))
    except LookupError as error:  # a name several monitors share
        raise CliError(str(error)) from None
    if monitor is None:
        raise CliError(f"no monitor {args.monitor!r}: list them with orchable monitor list")
    return monitor


async def find_endpoint(conn: psycopg.AsyncConnection, args: argparse.Namespace) -> dict[str, Any]:
    """args.endpoint, an id or a name (of --owner, when given), or a one-line CliError."""
    try:
        endpoint = await rpc.find_endpoint(conn, args.endpoint, owner_id(args, required=False))
    except LookupError as error:  # a name several owners' endpoints share
        raise CliError(str(error)) from None
    if endpoint is None:
        raise CliError(f"no endpoint {args.endpoint!r}: list them with orchable endpoints list")
    return endpoint


async def find_access_key(
    conn: psycopg.AsyncConnection, name_or_id: str, owner: uuid.UUID | None
) -> dict[str, Any]:
    """An access key by its id, or by the name of an unrevoked one (of owner, when given),
    or a one-line CliError."""
    try:
        key = await rpc.find_access_key(conn, name_or_id, owner)
    except LookupError as error:  # a name several keys share
        raise CliError(str(error)) from None
    if key is None:
        raise CliError(
            f"no access key {name_or_id!r} (by name, only unrevoked keys):"
            " list them with orchable access-keys list"
        )
    return key


def parse_quiet_hours(value: str) -> tuple[time, time]:
    """--quiet-hours HH:MM-HH:MM (the end before the start spans midnight)."""
    start, dash, end = value.partition("-")
    try:
        if not dash:
            raise ValueError(value)
        return time.fromisoformat(start.strip()), time.fromisoformat(end.strip())
    except ValueError:
        raise CliError(
            f"--quiet-hours {value!r} is not START-END on a 24-hour clock, e.g. 22:00-07:00"
        ) from None


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


async def cmd_monitor_add(args: argparse.Namespace) -> int:
    owner = owner_id(args, required=False)
    if args.template:
        if args.query or args.condition or args.notify or args.model:
            raise CliError(
                "--query, --condition, --notify and --model come from the template:"
                " leave them out with --template"
            )
        values = read_values(args.value)
    else:
        missing = [
            flag
            for flag, value in (
                ("NAME", args.name),
                ("--query", args.query),
                ("--condition", args.condition),
                ("--schedule", args.schedule),
            )
            if not value
        ]
        if missing:
            raise CliError(
                f"a monitor needs {', '.join(missing)} (or --template NAME --value key=value)"
            )
        if args.value:
            raise CliError("--value fills a template's placeholders: pass --template too")
    async with await connect(args) as conn:
        if args.template:
            try:
                template = await rpc.find_template(conn, args.template)
            except LookupError as error:  # names that differ only in case
                raise CliError(str(error)) from None
            if template is None:
                raise CliError(f"no template {args.template!r}: list them with orchable templates")
            monitor = await rpc.create_monitor_from_template(
                conn, template["id"], values, args.name, args.schedule, args.timezone, owner
            )
        else:
            monitor = await rpc.create_monitor(
                conn,
                args.name,
                args.query,
                args.condition,
                args.schedule,
                args.timezone,
                args.notify or "once",
                {"model": args.model} if args.model else {},
                owner,
            )
        console.print(f"monitor [bold]{escape(monitor['name'])}[/] added: {monitor['id']}")
        await show_next_runs(conn, monitor)
    return 0


async def cmd_monitor_list(args: argparse.Namespace) -> int:
    async with await connect(args) as conn:
        rows = await rpc.list_monitors(conn, owner_id(args, required=False))
    table = Table(
        "name",
        "state",
        "schedule",
        "next run (its zone)",
        "condition met",
        "last notified",
        "failures",
    )
    table.add_column("id", no_wrap=True, min_width=36)  # whole: commands take it
    for r in rows:
        table.add_row(
            escape(r["name"]),
            r["state"],
            escape(f"{r['schedule']} ({r['timezone']})"),
            wall_clock(r["next_run_local"]),
            yes_no(r["condition_met"]),
            wall_clock(r["last_notified_local"]),
            str(r["consecutive_failures"]),
            str(r["id"]),
        )
    console.print(table)
    return 0


async def cmd_monitor_runs(args: argparse.Namespace) -> int:
    if args.limit < 1:
        raise CliError("--limit must be 1 or more")
    async with await connect(args) as conn:
        monitor = await find_monitor(conn, args)
        rows = await rpc.monitor_executions(conn, monitor["id"], args.limit)
    runs = "run" if len(rows) == 1 else "runs"
    table = Table(
        f"started ({escape(monitor['timezone'])})",
        "status",
        "condition met",
        "notified",
        "grounded",
        "change summary",
        "cost",
        title=f"{escape(monitor['name'])}: the latest {len(rows)} {runs}",
    )
    for r in rows:
        notified = "yes" if r["notified"] else "no" if r["notify_reason"] else ""
        table.add_row(
            wall_clock(r["started_local"]),
            r["status"] + (" (dry run)" if r["dry_run"] else ""),
            yes_no(r["condition_met"]),
            notified + (f" ({r['notify_reason']})" if r["notify_reason"] else ""),
            yes_no(r["grounded"]),
            escape(r["change_summary"] or r["error_message"] or ""),
            "" if r["cost_usd"] is None else f"${r['cost_usd']:.4f}",
        )
    console.print(table)
    return 0


async def cmd_monitor_pause(args: argparse.Namespace) -> int:
    async with await connect(args) as conn:
        monitor = await rpc.pause_monitor(conn, (await find_monitor(conn, args))["id"])
    console.print(f"monitor [bold]{escape(monitor['name'])}[/] paused: no run starts until resumed")
    return 0


async def cmd_monitor_resume(args: argparse.Namespace) -> int:
    async with await connect(args) as conn:
        monitor = await rpc.resume_monitor(conn, (await find_monitor(conn, args))["id"])
        console.print(f"monitor [bold]{escape(monitor['name'])}[/] resumed")
        await show_next_runs(conn, monitor)
    return 0


async def cmd_monitor_run_now(args: argparse.Namespace) -> int:
    async with await connect(args) as conn:
        monitor = await find_monitor(conn, args)
        run = await rpc.run_monitor_now(conn, monitor["id"], notify=not args.dry_run)
    kind = "dry run (it notifies no one)" if run["dry_run"] else "run"
    console.print(
        f"monitor [bold]{escape(monitor['name'])}[/]: {kind} started: execution {run['id']},"
        f" batch {run['batch_id']}; a worker runs it (orchable worker)"
    )
    return 0


async def cmd_templates(args: argparse.Namespace) -> int:
    async with await connect(args) as conn:
        rows = await rpc.list_templates(conn)
    table = Table("name", "category", "placeholders", "schedule", "notify", "searches for")
    for r in rows:
        table.add_row(
            escape(r["name"]),
            escape(r["category"]),
            escape(", ".join(r["placeholders"])),
            escape(r["schedule"]),
            r["notify_behavior"],
            escape(r["search_query"]),
        )
    console.print(table)
    console.print(
        "make one: orchable monitor add --template NAME --value placeholder=value ...",
        highlight=False,
    )
    return 0


def show_webhook_call(key: dict[str, Any], payload: Any) -> None:
    """The curl line another system launches a webhook trigger with (the key abridged: it
    was shown once, when made)."""
    body = json.dumps({"p_key": f"{key['key_prefix']}...", "p_payload": payload})
    console.print(
        f"another system launches it with access key [bold]{escape(key['name'])}[/]"
        " (the whole key, as shown when it was made; the payload on top of the first input):",
        highlight=False,
    )
    console.print(
        escape(
            'curl -X POST "$SUPABASE_URL/rest/v1/rpc/trigger_webhook"'
            ' -H "apikey: $SUPABASE_ANON_KEY" -H "content-type: application/json"'
            f" -d {shlex.quote(body)}"
        ),
        highlight=False,
        soft_wrap=True,
    )


async def cmd_triggers_add(args: argparse.Namespace) -> int:
    inputs = read_inputs_or_json(args.inputs) if args.inputs else [{}]
    config = read_config(args.config)
    async with await connect(args) as conn:
        try:
            pipeline = await rpc.find_orchestrator(
                conn, args.pipeline, owner_id(args, required=False)
            )
        except LookupError as error:  # a name several owners' pipelines share
            raise CliError(str(error)) from None
        if pipeline is None:
            raise CliError(
                f"no pipeline {args.pipeline!r}: apply it first (orchable pipeline apply FILE)"
            )
        # A webhook trigger's key must be the pipeline owner's: its name is looked up there.
        key = (
            await find_access_key(conn, args.webhook_key, pipeline["owner_id"])
            if args.webhook_key
            else None
        )
        trigger = await rpc.add_trigger(
            conn,
            pipeline["id"],
            args.name,
            "cron" if key is None else "webhook",
            args.cron,
            args.timezone,
            inputs,
            config,
            None if key is None else key["id"],
        )
        per_launch = (
            f"{len(inputs)} input{'s' if len(inputs) != 1 else ''} per launch"
            if key is None
            else "one input per call"
        )
        console.print(
            f"trigger [bold]{escape(trigger['name'])}[/] added to pipeline"
            f" [bold]{escape(pipeline['name'])}[/]: {trigger['id']} ({per_launch})"
        )
        if key is None:
            await show_next_runs(conn, trigger, "next launch")
        else:
            show_webhook_call(key, inputs[0])
    return 0


async def cmd_triggers_list(args: argparse.Namespace) -> int:
    async with await connect(args) as conn:
        rows = await rpc.list_triggers(conn, owner_id(args, required=False))
    table = Table(
        "pipeline",
        "name",
        "kind",
        "state",
        "schedule or key",
        "next launch (its zone)",
        "last launch",
        "last batch",
        "last error",
    )
    for r in rows:
        table.add_row(
            escape(r["pipeline"]),
            escape(r["name"]),
            r["kind"],
            r["state"],
            escape(f"{r['schedule']} ({r['timezone']})")
            if r["schedule"]
            else escape(
                f"key {r['access_key_name']} ({r['access_key_prefix']}...)"
                + (", revoked" if r["access_key_revoked"] else "")
            )
            if r["access_key_name"]
            else "",
            wall_clock(r["next_run_local"]),
            wall_clock(r["last_run_local"]),
            str(r["last_batch_id"] or ""),
            escape(r["last_error"] or ""),
        )
    console.print(table)
    return 0


async def cmd_endpoints_add(args: argparse.Namespace) -> int:
    if args.secret and not args.webhook:
        raise CliError("--secret signs a webhook's deliveries: pass --webhook URL too")
    if args.quiet_timezone and not args.quiet_hours:
        raise CliError("--quiet-timezone is the zone of --quiet-hours: pass --quiet-hours too")
    start, end = parse_quiet_hours(args.quiet_hours) if args.quiet_hours else (None, None)
    kind = "webhook" if args.webhook else "email"
    async with await connect(args) as conn:
        row = await rpc.add_notification_endpoint(
            conn,
            kind,
            args.name,
            args.webhook,
            args.email,
            args.secret,
            start,
            end,
            args.quiet_timezone or "UTC",
            owner_id(args, required=False),
        )
    where = f"webhook to {args.webhook}" if args.webhook else f"email to {args.email}"
    console.print(
        f"endpoint [bold]{escape(args.name)}[/] added: {row['id']} ({escape(where)})",
        highlight=False,
    )
    if row["secret"] and not args.secret:
        console.print(f"signing secret: {row['secret']}", highlight=False, soft_wrap=True)
        console.print(
            "[yellow]shown once:[/] keep it now; receivers verify each delivery's"
            " webhook-signature with it (Standard Webhooks)",
            highlight=False,
        )
    console.print(f"try it: orchable endpoints test {row['id']}", highlight=False)
    return 0


async def cmd_endpoints_list(args: argparse.Namespace) -> int:
    async with await connect(args) as conn:
        rows = await rpc.list_endpoints(conn, owner_id(args, required=False))
    table = Table("name", "kind", "where", "state", "quiet hours", "secret")
    table.add_column("id", no_wrap=True, min_width=36)  # whole: commands take it
    for r in rows:
        quiet = (
            f"{r['quiet_hours_start']:%H:%M}-{r['quiet_hours_end']:%H:%M}"
            f" ({r['quiet_hours_timezone']})"
            if r["quiet_hours_start"] is not None
            else ""
        )
        table.add_row(
            escape(r["name"]),
            r["kind"],
            escape(r["url"] or r["email_address"] or ""),
            "active" if r["is_active"] else f"disabled ({r['disabled_reason'] or 'switched off'})",
            escape(quiet),
            f"{r['secret_prefix']}..." if r["secret_prefix"] else "",
            str(r["id"]),
        )
    console.print(table)
    return 0


async def cmd_endpoints_test(args: argparse.Namespace) -> int:
    async with await connect(args) as conn:
        endpoint = await find_endpoint(conn, args)
        sent = await rpc.send_test_notification(conn, endpoint["id"])
    console.print(
        f"test notification {sent['notification_id']} queued for endpoint"
        f" [bold]{escape(endpoint['name'])}[/] (delivery {sent['delivery_id']});"
        " a worker delivers it (orchable worker): watch it with orchable notifications list",
        highlight=False,
    )
    return 0


async def cmd_notifications_list(args: argparse.Namespace) -> int:
    if args.limit < 1:
        raise CliError("--limit must be 1 or more")
    async with await connect(args) as conn:
        rows = await rpc.list_notifications(conn, owner_id(args, required=False), args.limit)
    table = Table("when (UTC)", "kind", "subject", "endpoint", "status", "attempts", "last error")
    table.add_column("delivery", no_wrap=True, min_width=36)  # whole: redeliver takes it
    shown: set[Any] = set()
    for r in rows:
        first = r["id"] not in shown  # the notification's cells on its first delivery only
        shown.add(r["id"])
        status = r["status"] or ""
        if status == "pending" and r["waiting"]:
            status += f" (next try {wall_clock(r['next_attempt_utc'])})"
        error = " ".join(
            part
            for part in (
                f"HTTP {r['last_status_code']}" if r["last_status_code"] is not None else "",
                r["last_error"] or "",
            )
            if part
        )
        table.add_row(
            wall_clock(r["created_utc"]) if first else "",
            r["kind"] if first else "",
            escape(r["subject"]) if first else "",
            escape(r["endpoint"]) if r["delivery_id"] else "(no active endpoint)",
            status,
            "" if r["attempts"] is None else str(r["attempts"]),
            escape(error),
            str(r["delivery_id"] or ""),
        )
    console.print(table)
    return 0


async def cmd_notifications_redeliver(args: argparse.Namespace) -> int:
    async with await connect(args) as conn:
        delivery = await rpc.redeliver_notification(conn, parse_uuid(args.delivery, "delivery"))
    console.print(
        f"delivery {delivery['id']} to [bold]{escape(delivery['endpoint'])}[/]:"
        f" {delivery['status']} again, its tries counted afresh; a worker delivers it"
        " (orchable worker)",
        highlight=False,
    )
    return 0


async def cmd_access_keys_create(args: argparse.Namespace) -> int:
    async with await connect(args) as conn:
        row = await rpc.create_access_key(conn, args.name, owner_id(args, required=False))
    console.print(f"access key [bold]{escape(args.name)}[/] created: {row['id']}", highlight=False)
    console.print(f"key: {row['key']}", highlight=False, soft_wrap=True)
    console.print(
        "[yellow]shown once:[/] only its hash is kept; store it now where the caller keeps secrets",
        highlight=False,
    )
    console.print(
        f"bind it to a pipeline: orchable triggers add PIPELINE NAME --webhook-key {row['id']}",
        highlight=False,
    )
    return 0


async def cmd_access_keys_list(args: argparse.Namespace) -> int:
    async with await connect(args) as conn:
        rows = await rpc.list_access_keys(conn, owner_id(args, required=False))
    table = Table("name", "key", "scopes", "state", "created (UTC)", "last used (UTC)", "launches")
    table.add_column("id", no_wrap=True, min_width=36)  # whole: commands take it
    for r in rows:
        table.add_row(
            escape(r["name"]),
            f"{r['key_prefix']}...",
            ", ".join(r["scopes"]),
            f"revoked {wall_clock(r['revoked_utc'])}" if r["revoked_at"] else "active",
            wall_clock(r["created_utc"]),
            wall_clock(r["last_used_utc"]),
            escape(f"{r['pipeline']} / {r['trigger_name']}") if r["trigger_name"] else "",
            str(r["id"]),
        )
    console.print(table)
    return 0


async def cmd_access_keys_revoke(args: argparse.Namespace) -> int:
    async with await connect(args) as conn:
        key = await find_access_key(conn, args.key, owner_id(args, required=False))
        revoked = await rpc.revoke_access_key(conn, key["id"])
    console.print(
        f"access key [bold]{escape(revoked['name'])}[/] ({revoked['key_prefix']}...) revoked:"
        f" {revoked['id']}; calls with it are refused from now on",
        highlight=False,
    )
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

    owner_help = "owner's user id when not signed in ($ORCHABLE_OWNER_ID)"
    monitor = commands.add_parser(
        "monitor", help="scheduled web checks that tell you when a condition holds"
    ).add_subparsers(dest="monitor_command", required=True, metavar="ACTION")
    monitor_add = monitor.add_parser(
        "add",
        help="add a monitor (or make one from a template: --template NAME --value key=value)",
    )
    monitor_add.set_defaults(func=cmd_monitor_add)
    monitor_add.add_argument("name", nargs="?", help="what you call it (a template names it)")
    monitor_add.add_argument("--query", help="what each run searches the web for")
    monitor_add.add_argument("--condition", help="when you want to be told")
    monitor_add.add_argument(
        "--schedule", help="five-field cron, e.g. '0 9 * * mon-fri', or @daily (a template's own)"
    )
    monitor_add.add_argument(
        "--timezone", default="UTC", help="the IANA zone the schedule is read in (UTC)"
    )
    monitor_add.add_argument(
        "--notify",
        choices=["once", "always", "track_state"],
        help="once (then done; the default), always (every run it holds), track_state (on change)",
    )
    monitor_add.add_argument("--model", help="the model that searches and judges")
    monitor_add.add_argument("--template", help="a template's name or id (orchable templates)")
    monitor_add.add_argument(
        "--value",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a template placeholder's value (repeat for each)",
    )
    monitor_add.add_argument("--owner", help=owner_help)
    monitor_list = monitor.add_parser("list", help="monitors, their schedule and what they found")
    monitor_list.set_defaults(func=cmd_monitor_list)
    monitor_list.add_argument("--owner", help="only this user's monitors")
    monitor_runs = monitor.add_parser("runs", help="a monitor's latest runs, newest first")
    monitor_runs.set_defaults(func=cmd_monitor_runs)
    monitor_runs.add_argument("monitor", help="monitor id or name")
    monitor_runs.add_argument("--limit", type=int, default=10, help="how many runs (10)")
    monitor_runs.add_argument("--owner", help="look the name up among this user's monitors")
    for action, func, help_text in (
        ("pause", cmd_monitor_pause, "stop a monitor's schedule until resumed"),
        ("resume", cmd_monitor_resume, "schedule a paused or completed monitor again, from now"),
        ("run-now", cmd_monitor_run_now, "start a run now, whatever the schedule"),
    ):
        sub = monitor.add_parser(action, help=help_text, description=help_text)
        sub.set_defaults(func=func)
        sub.add_argument("monitor", help="monitor id or name")
        sub.add_argument("--owner", help="look the name up among this user's monitors")
        if action == "run-now":
            sub.add_argument(
                "--dry-run",
                action="store_true",
                help="notify no one and change nothing the monitor knows",
            )

    command("templates", cmd_templates, "the monitor templates, with their placeholders")

    triggers = commands.add_parser(
        "triggers", help="launch pipelines on a schedule"
    ).add_subparsers(dest="triggers_command", required=True, metavar="ACTION")
    triggers_add = triggers.add_parser(
        "add",
        help="launch a pipeline each time a cron schedule fires, or when another system"
        " calls trigger_webhook with an access key",
    )
    triggers_add.set_defaults(func=cmd_triggers_add)
    triggers_add.add_argument("pipeline", help="pipeline name or id")
    triggers_add.add_argument("name", help="what you call the trigger (unique per owner)")
    when = triggers_add.add_mutually_exclusive_group(required=True)
    when.add_argument("--cron", help="five-field cron, e.g. '0 2 * * *', or @daily")
    when.add_argument(
        "--webhook-key",
        metavar="KEY",
        help="an access key's id or name (orchable access-keys create): a webhook trigger",
    )
    triggers_add.add_argument(
        "--timezone",
        default="UTC",
        help="the IANA zone the schedule is read in, and batches are named in (UTC)",
    )
    triggers_add.add_argument(
        "--inputs",
        help="each launch's inputs: a JSON array or JSON lines file, or inline JSON ([{}])",
    )
    triggers_add.add_argument("--config", help="each launch's config as JSON (as launch takes)")
    triggers_add.add_argument("--owner", help="look the pipeline up among this user's")
    triggers_list = triggers.add_parser("list", help="triggers and their next launch")
    triggers_list.set_defaults(func=cmd_triggers_list)
    triggers_list.add_argument("--owner", help="only this user's triggers")

    endpoints = commands.add_parser(
        "endpoints", help="where you are told: webhooks and email addresses"
    ).add_subparsers(dest="endpoints_command", required=True, metavar="ACTION")
    endpoints_add = endpoints.add_parser(
        "add", help="add a webhook (its signing secret is shown once) or an email address"
    )
    endpoints_add.set_defaults(func=cmd_endpoints_add)
    endpoints_add.add_argument("name", help="what you call it (unique per owner)")
    where = endpoints_add.add_mutually_exclusive_group(required=True)
    where.add_argument("--webhook", metavar="URL", help="POST each notification to this URL")
    where.add_argument("--email", metavar="ADDRESS", help="mail each notification here")
    endpoints_add.add_argument(
        "--secret", help="the webhook's signing secret, whsec_... (default: one is made)"
    )
    endpoints_add.add_argument(
        "--quiet-hours",
        metavar="START-END",
        help="hold deliveries back in these hours, e.g. 22:00-07:00",
    )
    endpoints_add.add_argument(
        "--quiet-timezone", help="the IANA zone the quiet hours are read in (UTC)"
    )
    endpoints_add.add_argument("--owner", help=owner_help)
    endpoints_list = endpoints.add_parser("list", help="endpoints, and whether they are on")
    endpoints_list.set_defaults(func=cmd_endpoints_list)
    endpoints_list.add_argument("--owner", help="only this user's endpoints")
    endpoints_test = endpoints.add_parser(
        "test", help="send a test notification to one endpoint, now"
    )
    endpoints_test.set_defaults(func=cmd_endpoints_test)
    endpoints_test.add_argument("endpoint", help="endpoint id or name")
    endpoints_test.add_argument("--owner", help="look the name up among this user's endpoints")

    notifications = commands.add_parser(
        "notifications", help="what you were told, and its delivery to each endpoint"
    ).add_subparsers(dest="notifications_command", required=True, metavar="ACTION")
    notifications_list = notifications.add_parser(
        "list", help="the latest notifications, newest first, with their deliveries"
    )
    notifications_list.set_defaults(func=cmd_notifications_list)
    notifications_list.add_argument(
        "--limit", type=int, default=20, help="how many notifications (20)"
    )
    notifications_list.add_argument("--owner", help="only this user's notifications")
    notifications_redeliver = notifications.add_parser(
        "redeliver", help="try a dead delivery again from now"
    )
    notifications_redeliver.set_defaults(func=cmd_notifications_redeliver)
    notifications_redeliver.add_argument("delivery", help="delivery id (notifications list)")

    access_keys = commands.add_parser(
        "access-keys", help="keys other systems call trigger_webhook with"
    ).add_subparsers(dest="access_keys_command", required=True, metavar="ACTION")
    access_keys_create = access_keys.add_parser(
        "create", help="make an access key (shown once; only its hash is kept)"
    )
    access_keys_create.set_defaults(func=cmd_access_keys_create)
    access_keys_create.add_argument("name", help="name it after the system that will hold it")
    access_keys_create.add_argument("--owner", help=owner_help)
    access_keys_list = access_keys.add_parser(
        "list", help="access keys (never the key itself) and what they launch"
    )
    access_keys_list.set_defaults(func=cmd_access_keys_list)
    access_keys_list.add_argument("--owner", help="only this user's keys")
    access_keys_revoke = access_keys.add_parser("revoke", help="refuse an access key from now on")
    access_keys_revoke.set_defaults(func=cmd_access_keys_revoke)
    access_keys_revoke.add_argument("key", help="access key id, or an unrevoked key's name")
    access_keys_revoke.add_argument("--owner", help="look the name up among this user's keys")

    demo = command(
        "demo", cmd_demo, "run the course-builder pipeline end to end and show the result"
    )
    demo.add_argument("--owner", help="the demo user's id ($ORCHABLE_OWNER_ID)")
    demo.add_argument("--pipeline", default="seeds/pipelines/course_builder.json")
    return parser


def describe(error: psycopg.Error) -> str:
    """A database error as one line: its message, [code], (detail); hint."""
    diag = error.diag
    message = diag.message_primary or str(error).strip()
    code = f" [{error.sqlstate}]" if error.sqlstate else ""
    detail = f" ({diag.message_detail})" if diag.message_detail else ""
    hint = f"; {diag.message_hint}" if diag.message_hint else ""
    text = f"{message}{code}{detail}{hint}"
    return " ".join(line.strip() for line in text.splitlines() if line.strip())


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    configure_logging(args.log_level)
    try:
        with asyncio.Runner(loop_factory=event_loop_factory()) as runner:
            code: int = runner.run(args.func(args))
            return code
    except CliError as error:
        console.print(f"[red]orchable:[/] {escape(str(error))}", highlight=False, soft_wrap=True)
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
        console.print(
            f"[red]orchable:[/] {escape(describe(error))}", highlight=False, soft_wrap=True
        )
    except KeyboardInterrupt:
        return 130
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
