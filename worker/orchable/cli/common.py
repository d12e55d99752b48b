"""What every `orchable` command shares: the database connection, the owner, reading
inputs and documents, lookups by name or id, and the one-line errors."""

from __future__ import annotations

import argparse
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

from orchable.db import operator_rpc as rpc
from orchable.settings import Env

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
