"""The plans of every statement an RPC runs, nested ones included: auto_explain sends each
back as a notice (JSON), so a test reads the plans of the real function, not a copy of
its query."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg

Plan = dict[str, Any]
INDEX = "ai_tasks_runnable_idx"  # the queue: the tasks due, in due order


@contextmanager
def auto_explain(admin: psycopg.Connection, analyze: bool = False) -> Iterator[None]:
    """Every statement run on the connection meanwhile is explained (with ANALYZE's row
    counts when `analyze`), its plan sent back as a notice."""
    admin.execute("load 'auto_explain'")
    for setting, value in {
        "log_min_duration": "0",
        "log_nested_statements": "on",
        "log_level": "notice",
        "log_format": "json",
        "log_analyze": "on" if analyze else "off",
    }.items():
        admin.execute(f"set auto_explain.{setting} = {value}")
    try:
        yield
    finally:
        admin.execute("set auto_explain.log_min_duration = -1")


def explained_plans(
    admin: psycopg.Connection, statement: str, params: tuple[Any, ...]
) -> tuple[list[dict[str, Any]], list[Plan]]:
    """The statement's rows, and the plans of the statements it ran (inside auto_explain)."""
    plans: list[Plan] = []

    def collect(notice: psycopg.errors.Diagnostic) -> None:
        text = notice.message_primary or ""
        if "Query Text" in text:
            plans.append(json.loads(text[text.index("{") :]))

    admin.add_notice_handler(collect)
    try:
        rows = admin.execute(statement, params).fetchall()
    finally:
        admin.remove_notice_handler(collect)
    return rows, plans


def plan_nodes(node: Plan) -> list[Plan]:
    return [node, *(n for child in node.get("Plans", []) for n in plan_nodes(child))]


def runnable_index_reads(plan: Plan) -> list[Plan]:
    """The reads of the queue's index, ai_tasks_runnable_idx."""
    return [n for n in plan_nodes(plan["Plan"]) if n.get("Index Name") == INDEX]


def locked_runnable_index_reads(plan: Plan) -> list[Plan]:
    """The reads of ai_tasks_runnable_idx beneath a row lock (FOR UPDATE): a claim's share,
    locking the due tasks it walks to."""
    locks = [n for n in plan_nodes(plan["Plan"]) if n["Node Type"] == "LockRows"]
    return [n for lock in locks for n in plan_nodes(lock) if n.get("Index Name") == INDEX]
