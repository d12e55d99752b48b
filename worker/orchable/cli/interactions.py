"""`orchable inbox` and `orchable respond`: the questions pipelines ask people, answered
from a terminal as the person asked (row-level security decides what they see)."""

from __future__ import annotations

import argparse
import json
import os
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.markup import escape
from rich.table import Table

from orchable.cli.common import CliError, connect, console, parse_uuid, read_document
from orchable.db import operator_rpc as rpc
from orchable.settings import Env


def signed_in_user(args: argparse.Namespace) -> uuid.UUID:
    """--as, else ORCHABLE_OWNER_ID: the person who reads their inbox or answers."""
    value = args.as_user or os.environ.get(Env.OWNER_ID)
    if not value:
        raise CliError(f"who is answering? pass --as <user id> or set {Env.OWNER_ID}")
    return parse_uuid(value, "--as")


def ago(at: datetime) -> str:
    seconds = int((datetime.now(UTC) - at).total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit} ago"
    return "just now"


def due(at: datetime | None, on_timeout: str) -> str:
    if at is None:
        return "no limit"
    seconds = int((at - datetime.now(UTC)).total_seconds())
    if seconds <= 0:
        return f"now ({on_timeout})"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"in {seconds // size}{unit} ({on_timeout})"
    return f"in {seconds}s ({on_timeout})"


async def cmd_inbox(args: argparse.Namespace) -> int:
    user = signed_in_user(args)
    async with await connect(args) as conn, rpc.signed_in_as(conn, user):
        rows = await rpc.my_interactions(conn)
    if not rows:
        console.print("nothing waits for you")
        return 0
    table = Table("asked", "type", "priority", "question", "stage", "approvals", "time runs out")
    table.add_column("id", no_wrap=True, min_width=36)  # whole: orchable respond takes it
    for r in rows:
        table.add_row(
            ago(r["created_at"]),
            r["interaction_type"],
            r["priority"],
            escape(r["message"] or ""),
            escape(r["stage_key"]),
            f"{r['approvals']}/{r['required_approvals']}",
            due(r["timeout_at"], r["on_timeout"]),
            str(r["id"]),
        )
    console.print(table)
    console.print("see one and answer it: orchable respond <id>", highlight=False)
    return 0


def show_request(row: dict[str, Any]) -> None:
    """What is asked, and the ways to answer it."""
    request = row["request_data"]
    console.print(
        f"[bold]{escape(row['message'] or '')}[/] ({row['interaction_type']},"
        f" {row['priority']} priority, stage {escape(row['stage_key'])},"
        f" time runs out: {due(row['timeout_at'], row['on_timeout'])})",
        highlight=False,
    )
    if request.get("output") is not None:
        console.print("output:", escape(json.dumps(request["output"], indent=2)), highlight=False)
    ident = row["id"]
    kind = row["interaction_type"]
    if kind == "selection":
        for option in request.get("options") or []:
            label = option.get("label") or option["value"]
            console.print(
                f"  {escape(str(option['value']))}: {escape(str(label))}", highlight=False
            )
        console.print(f"answer: orchable respond {ident} --choose VALUE", highlight=False)
    elif kind == "input":
        schema = request.get("input_schema")
        if schema:
            console.print("answer fits:", escape(json.dumps(schema, indent=2)), highlight=False)
        console.print(f"answer: orchable respond {ident} --answer JSON|FILE", highlight=False)
    else:
        extra = " [--comment TEXT] [--score N]" if kind == "review" else ""
        console.print(
            f"answer: orchable respond {ident} --approve [--output FILE]{extra}"
            f" | --reject REASON [--fail]{extra}",
            highlight=False,
        )


def read_answer(value: str) -> Any:
    """--answer: inline JSON, or a JSON/YAML file."""
    if Path(value).exists():
        return read_document(value)
    try:
        return json.loads(value)
    except json.JSONDecodeError as error:
        raise CliError(f"--answer is neither a file nor JSON: {error}") from None


def response_from(args: argparse.Namespace) -> dict[str, Any] | None:
    """The answer the options spell, as respond_to_interaction takes it (None: only show)."""
    if args.output and not args.approve:
        raise CliError("--output is the edited output of an approval: pass --approve too")
    if args.fail and args.reject is None:
        raise CliError("--fail says what a rejection does: pass --reject REASON too")
    response: dict[str, Any]
    if args.approve:
        response = {"decision": "approve"}
        if args.output:
            response["output"] = read_document(args.output)
    elif args.reject is not None:
        response = {"decision": "reject", "reason": args.reject, "regenerate": not args.fail}
    elif args.choose is not None:
        response = {"choice": args.choose}
    elif args.answer is not None:
        response = {"answer": read_answer(args.answer)}
    else:
        if args.comment is not None or args.score is not None:
            raise CliError("--comment and --score go with a review's --approve or --reject")
        return None
    if args.comment is not None:
        response["comment"] = args.comment
    if args.score is not None:
        response["score"] = args.score
    return response


async def cmd_respond(args: argparse.Namespace) -> int:
    user = signed_in_user(args)
    interaction_id = parse_uuid(args.interaction, "interaction")
    response = response_from(args)
    async with await connect(args) as conn, rpc.signed_in_as(conn, user):
        if response is None:
            row = await rpc.my_interaction(conn, interaction_id)
            if row is None:
                raise CliError(
                    f"no open interaction {args.interaction} for you: see orchable inbox"
                )
            show_request(row)
            return 0
        result = await rpc.respond_to_interaction(conn, interaction_id, response)
    outcome = result["outcome"]
    said = {
        "settled": f"answered: the interaction is {result['status']}",
        "counted": (f"counted: {result['approvals']} of {result['required_approvals']} approvals"),
        "late": f"too late: it was already {result['status']}; nothing changed",
        "duplicate": "you had answered already; nothing changed",
    }[outcome]
    console.print(f"interaction {args.interaction}: {said}", highlight=False)
    return 0 if outcome in ("settled", "counted") else 1
