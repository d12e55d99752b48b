"""`orchable demo` (what `make demo` runs) drives the course builder to a completed batch
with the offline provider, and exits 0."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_demo_runs_the_course_builder_to_the_end(admin, new_user):
    owner = new_user()
    env = {
        **os.environ,
        "DATABASE_URL": os.environ["DATABASE_URL"],
        "ORCHABLE_WORKER_DATABASE_URL": os.environ["WORKER_DATABASE_URL"],
        "COLUMNS": "120",
    }
    env.pop("GEMINI_API_KEY", None)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "orchable.cli",
            "--log-level",
            "warning",
            "demo",
            "--owner",
            str(owner),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "batch completed: 3/3 inputs" in result.stdout, result.stdout
    batch = admin.execute(
        "select status, completed_tasks, total_tasks from public.task_batches where owner_id = %s",
        (owner,),
    ).fetchone()
    assert (batch["status"], batch["completed_tasks"], batch["total_tasks"]) == ("completed", 3, 3)
    calls = admin.execute(
        "select count(*) as n, bool_and(provider = 'offline') as offline from public.llm_calls"
        " where owner_id = %s",
        (owner,),
    ).fetchone()
    assert calls["n"] == 15 and calls["offline"], calls
