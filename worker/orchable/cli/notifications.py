"""`orchable endpoints`, `notifications` and `access-keys`: where owners are told, what was
delivered, and the keys other systems call with."""

from __future__ import annotations

import argparse
from typing import Any

from rich.markup import escape
from rich.table import Table

from orchable.cli.common import (
    CliError,
    connect,
    console,
    find_access_key,
    find_endpoint,
    owner_id,
    parse_quiet_hours,
    parse_uuid,
    wall_clock,
)
from orchable.db import operator_rpc as rpc


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
        row = await rpc.create_access_key(
            conn, args.name, owner_id(args, required=False), args.scopes
        )
    console.print(f"access key [bold]{escape(args.name)}[/] created: {row['id']}", highlight=False)
    console.print(f"key: {row['key']}", highlight=False, soft_wrap=True)
    console.print(
        "[yellow]shown once:[/] only its hash is kept; store it now where the caller keeps secrets",
        highlight=False,
    )
    scopes = args.scopes or ["trigger_webhook"]
    if "trigger_webhook" in scopes:
        console.print(
            f"bind it to a pipeline: orchable triggers add PIPELINE NAME --webhook-key {row['id']}",
            highlight=False,
        )
    if "console" in scopes:
        console.print("sign in to the console with it (orchable serve)", highlight=False)
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
