"""`orchable demo` (what `make demo` runs) drives the course builder to a completed batch
with the offline provider, and exits 0."""

from __future__ import annotations

import pytest
from support.workers import orchable


@pytest.mark.timeout(120)
def test_the_demo_runs_the_course_builder_to_the_end(database, admin, owner):
    result = orchable(
        database, "--log-level", "warning", "demo", "--owner", str(owner),
        env={"COLUMNS": "120", "GEMINI_API_KEY": ""},  # offline, whatever the machine has
    )  # fmt: skip
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
