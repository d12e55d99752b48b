"""`orchable monitor`, `templates` and `triggers`: scheduled web checks, and what launches
pipelines besides a person."""

from __future__ import annotations

import argparse

from rich.markup import escape
from rich.table import Table

from orchable.cli.common import (
    CliError,
    connect,
    console,
    find_access_key,
    find_monitor,
    owner_id,
    read_config,
    read_inputs_or_json,
    read_values,
    show_next_runs,
    show_webhook_call,
    wall_clock,
    yes_no,
)
from orchable.db import operator_rpc as rpc


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
