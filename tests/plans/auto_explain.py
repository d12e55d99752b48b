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


@contextmanager
def auto_explain(admin: psycopg.Connection) -> Iterator[None]:
    admin.execute("load 'auto_explain'")
    for setting, value in {
        "log_min_duration": "0",
        "log_nested_statements": "on",
        "log_level": "notice",
        "log_format": "json",
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
    return [n for n in plan_nodes(plan["Plan"]) if n.get("Index Name") == "ai_tasks_runnable_idx"]
