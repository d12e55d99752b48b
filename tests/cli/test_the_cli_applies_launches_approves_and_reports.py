"""The operator's commands against a real database: pipeline apply (YAML), launch (JSON
lines), a worker with --drain, status, approve; and bad input as one readable line."""

from __future__ import annotations

import subprocess

import pytest
import yaml
from support.databases import Database
from support.pipelines import single_stage_definition
from support.workers import orchable


def quiet(database: Database, *args: str) -> subprocess.CompletedProcess[str]:
    return orchable(database, "--log-level", "warning", *args)


@pytest.mark.timeout(120)
def test_the_cli_applies_launches_approves_and_reports(database, admin, owner, tmp_path):
    name = f"cli-{owner}"
    pipeline = single_stage_definition(
        admin, name=name, ai_settings={"provider": "offline"}, output_schema="answer"
    )
    pipeline["stages"][0]["requires_approval"] = True
    (tmp_path / "pipeline.yaml").write_text(yaml.safe_dump(pipeline))
    (tmp_path / "inputs.jsonl").write_text('{"question": "one"}\n{"question": "two"}\n')

    applied = quiet(
        database, "pipeline", "apply", str(tmp_path / "pipeline.yaml"), "--owner", str(owner)
    )
    assert applied.returncode == 0 and "applied" in applied.stdout, applied.stdout + applied.stderr

    launched = quiet(database, "launch", name, "--inputs", str(tmp_path / "inputs.jsonl"))
    assert launched.returncode == 0 and "2 inputs" in launched.stdout, (
        launched.stdout + launched.stderr
    )
    batch_id = admin.execute(
        "select id from public.task_batches where owner_id = %s", (owner,)
    ).fetchone()["id"]

    drained = quiet(database, "worker", "--drain", "--offline", "--poll-seconds", "0.2")
    assert drained.returncode == 0, drained.stdout + drained.stderr

    status = quiet(database, "status", str(batch_id))
    assert status.returncode == 0 and "awaiting approval" in status.stdout, status.stdout

    for row in admin.execute(
        "select id from public.ai_tasks where batch_id = %s and status = 'generated'", (batch_id,)
    ).fetchall():
        approved = quiet(database, "approve", str(row["id"]))
        assert approved.returncode == 0 and "completed" in approved.stdout, approved.stdout

    state = admin.execute(
        "select status, completed_tasks from public.task_batches where id = %s", (batch_id,)
    ).fetchone()
    assert (state["status"], state["completed_tasks"]) == ("completed", 2)

    refused = quiet(database, "launch", name, "--inputs", str(tmp_path / "missing.json"))
    assert refused.returncode == 1
    assert "cannot read" in refused.stdout and "Traceback" not in refused.stderr, refused
    bad_task = quiet(database, "approve", "not-a-task")
    assert bad_task.returncode == 1
    assert bad_task.stdout.strip().count("\n") == 0, bad_task.stdout
    assert "is not an id" in bad_task.stdout
