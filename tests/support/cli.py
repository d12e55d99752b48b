"""Running `orchable` on a test's database for the tests of the monitor, template and
trigger commands, and reading what it said."""

from __future__ import annotations

import subprocess
from datetime import datetime
from typing import Any

import psycopg
from orchable.cli.common import wall_clock

from support.databases import Database
from support.workers import orchable


def run(database: Database, *args: str) -> subprocess.CompletedProcess[str]:
    """`orchable ARGS` at log level warning; a wide terminal, so a table row is one line."""
    return orchable(database, "--log-level", "warning", *args, env={"COLUMNS": "400"})


def said(result: subprocess.CompletedProcess[str]) -> str:
    return result.stdout + result.stderr


def ok(result: subprocess.CompletedProcess[str]) -> str:
    """What a command that must succeed said."""
    assert result.returncode == 0, said(result)
    assert "Traceback" not in said(result)
    return result.stdout


def refused(result: subprocess.CompletedProcess[str]) -> str:
    """The one line a command that must fail said."""
    text = said(result)
    assert result.returncode == 1, text
    assert "Traceback" not in text
    assert len(text.strip().splitlines()) == 1, text
    return text.strip()


def rows(output: str) -> list[list[str]]:
    """The cells of each one-line row of the tables in output."""
    return [
        [cell.strip() for cell in line.strip().strip("│").split("│")]
        for line in output.splitlines()
        if line.lstrip().startswith("│")
    ]


def row_of(output: str, *cells: str) -> bool:
    """Whether one row of a table holds every one of these cells."""
    return any(all(c in row for c in cells) for row in rows(output))


def next_runs(
    admin: psycopg.Connection, schedule: str, timezone: str, after: datetime, count: int
) -> list[str]:
    """The next `count` runs after `after`, by cron_next_run, as the CLI writes them."""
    times: list[str] = []
    for _ in range(count):
        row: Any = admin.execute(
            "select public.cron_next_run(%s, %s, %s) as at", (schedule, after, timezone)
        ).fetchone()
        after = row["at"]
        local: Any = admin.execute("select %s at time zone %s as t", (after, timezone)).fetchone()
        times.append(wall_clock(local["t"]))
    return times


def printed(output: str, label: str) -> str:
    """The value a line `label: value` of output shows (a key or secret shown once)."""
    for line in output.splitlines():
        if line.startswith(f"{label}: "):
            return line.removeprefix(f"{label}: ").strip()
    raise AssertionError(f"no {label!r} line in:\n{output}")
