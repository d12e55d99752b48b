"""The operator's commands against a real database: pipeline apply (YAML), launch (JSON
lines), a worker with --drain, status, approve; and bad input as one readable line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def orchable(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "orchable.cli", "--log-level", "warning", *args],
        cwd=ROOT,
        env={**os.environ, "COLUMNS": "160", **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_cli_applies_launches_approves_and_reports(admin, new_user, tmp_path):
    owner = new_user()
    name = f"cli-{owner}"
    pipeline = {
        "name": name,
        "entry": "answer",
        "stages": [
            {
                "key": "answer",
                "template": "Answer {{question}}",
                "requires_approval": True,
                "ai_settings": {"provider": "offline"},
                "output_schema": {
                    "type": "object",
                    "properties": {"answer": {"type": "string"}},
                    "required": ["answer"],
                },
            }
        ],
    }
    (tmp_path / "pipeline.yaml").write_text(yaml.safe_dump(pipeline))
    (tmp_path / "inputs.jsonl").write_text('{"question": "one"}\n{"question": "two"}\n')

    applied = orchable("pipeline", "apply", str(tmp_path / "pipeline.yaml"), "--owner", str(owner))
    assert applied.returncode == 0 and "applied" in applied.stdout, applied.stdout + applied.stderr

    launched = orchable("launch", name, "--inputs", str(tmp_path / "inputs.jsonl"))
    assert launched.returncode == 0 and "2 inputs" in launched.stdout, (
        launched.stdout + launched.stderr
    )
    batch_id = admin.execute(
        "select id from public.task_batches where owner_id = %s", (owner,)
    ).fetchone()["id"]

    worker_env = {"ORCHABLE_WORKER_DATABASE_URL": os.environ["WORKER_DATABASE_URL"]}
    drained = orchable("worker", "--drain", "--offline", "--poll-seconds", "0.2", env=worker_env)
    assert drained.returncode == 0, drained.stdout + drained.stderr

    status = orchable("status", str(batch_id))
    assert status.returncode == 0 and "awaiting approval" in status.stdout, status.stdout

    for row in admin.execute(
        "select id from public.ai_tasks where batch_id = %s and status = 'generated'", (batch_id,)
    ).fetchall():
        approved = orchable("approve", str(row["id"]))
        assert approved.returncode == 0 and "completed" in approved.stdout, approved.stdout

    state = admin.execute(
        "select status, completed_tasks from public.task_batches where id = %s", (batch_id,)
    ).fetchone()
    assert (state["status"], state["completed_tasks"]) == ("completed", 2)

    refused = orchable("launch", name, "--inputs", str(tmp_path / "missing.json"))
    assert refused.returncode == 1
    assert "cannot read" in refused.stdout and "Traceback" not in refused.stderr, refused
    bad_task = orchable("approve", "not-a-task")
    assert bad_task.returncode == 1
    assert bad_task.stdout.strip().count("\n") == 0, bad_task.stdout
    assert "is not an id" in bad_task.stdout
