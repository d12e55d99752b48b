"""`orchable watch BATCH` against a real database: it prints the timeline as it grows (an
event logged after it started shows up while it runs), in order, and ends when the batch
finishes, with exit code 0 for a completed batch and 1 for a failed one; an unknown batch
is one line. The tasks are ended here one at a time, each only once watch has printed what
came before, so that every line it prints after the first was logged while it ran."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
from support.cli import refused, run
from support.databases import Database, acting_as
from support.pipelines import single_stage
from support.tasks import launch
from support.workers import ROOT


@contextmanager
def watching(database: Database, *args: str) -> Iterator[subprocess.Popen[str]]:
    """`orchable watch ARGS` running while the block runs, its stdout read line by line."""
    with subprocess.Popen(
        [sys.executable, "-m", "orchable.cli", "--log-level", "warning", "watch", *args],
        cwd=ROOT,
        env=database.environ(PYTHONUNBUFFERED="1", COLUMNS="400"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as process:
        try:
            yield process
        finally:
            if process.poll() is None:
                process.kill()


def read_until(process: subprocess.Popen[str], text: str) -> list[str]:
    """The lines watch prints up to the first that holds text (the test's timeout bounds it)."""
    assert process.stdout is not None
    lines: list[str] = []
    while True:
        line = process.stdout.readline()
        assert line, f"watch ended before printing {text!r}: {lines}"
        lines.append(line.rstrip("\n"))
        if text in line:
            return lines


def end_task(admin: psycopg.Connection, task_id: uuid.UUID, fail: bool = False) -> None:
    token = admin.execute("select tests.claim(%s) as token", (task_id,)).fetchone()["token"]
    if fail:
        admin.execute("select public.fail_task(%s, %s, 'refused', false)", (task_id, token))
    else:
        admin.execute(
            'select public.complete_task(%s, %s, \'{"answer": "yes"}\')', (task_id, token)
        )


def task_ids(admin: psycopg.Connection, batch_id: uuid.UUID) -> list[uuid.UUID]:
    rows = admin.execute(
        "select id from public.ai_tasks where batch_id = %s order by input_data ->> 'question'",
        (batch_id,),
    ).fetchall()
    return [r["id"] for r in rows]


@pytest.mark.timeout(60)
def test_orchable_watch_follows_a_batch_live_until_it_finishes(database, admin, owner):
    pipeline = single_stage(admin, owner, "watched", max_retries=0)
    batch = launch(
        admin, owner, pipeline, [{"question": "a"}, {"question": "b"}, {"question": "c"}]
    )
    first, second, third = task_ids(admin, batch["id"])

    with watching(database, str(batch["id"])) as process:
        header = read_until(process, "launched")
        assert f"({batch['id']}): pending, 0 of 3 inputs finished" in header[0], header

        end_task(admin, first)
        live = read_until(process, "answer completed")
        assert any("Batch started: 3 inputs" in line for line in live), live

        with acting_as(admin, "authenticated", owner):
            admin.execute("select public.pause_batch(%s)", (batch["id"],))
        read_until(process, "Paused by a person")
        with acting_as(admin, "authenticated", owner):
            admin.execute("select public.resume_batch(%s)", (batch["id"],))
        read_until(process, "resumed by a person")

        end_task(admin, second)
        read_until(process, "answer completed")
        end_task(admin, third)
        rest = read_until(process, "Batch completed")
        assert process.wait() == 0
        assert process.stdout is not None and process.stdout.read() == ""

    assert any("100.00%" in line and "Batch completed: 3 of 3 inputs" in line for line in rest), (
        rest
    )
    # Claims are technical: not shown without --all.
    assert not any("started by" in line for line in header + live + rest)


@pytest.mark.timeout(60)
def test_orchable_watch_prints_a_finished_batch_and_says_how_it_ended(database, admin, owner):
    pipeline = single_stage(admin, owner, "watched-failed", max_retries=0)
    batch = launch(admin, owner, pipeline, [{"question": "a"}])
    [task] = task_ids(admin, batch["id"])
    end_task(admin, task, fail=True)

    result = run(database, "watch", str(batch["id"]), "--all")
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert "answer queued" in lines[2] and "started by tests" in lines[3], lines
    assert "answer failed: refused" in lines[-2] and "Batch finished with failures" in lines[-1]

    missing = run(database, "watch", str(uuid.uuid4()))
    assert "no batch" in refused(missing)
