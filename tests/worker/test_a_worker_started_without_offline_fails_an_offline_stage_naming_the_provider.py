"""A worker offers the offline provider only when started to (`--offline` or
ORCHABLE_OFFLINE=1): `orchable worker` started without it fails a task whose stage asks for
offline, for good and naming the provider and the ones it has, as for any provider it
lacks; nothing is synthesised."""

from __future__ import annotations

import uuid

import pytest
from support.pipelines import single_stage
from support.tasks import calls, launch, tasks
from support.workers import orchable


@pytest.mark.timeout(60)
def test_a_worker_started_without_offline_fails_an_offline_stage_naming_the_provider(
    database, admin, owner
):
    orchestrator_id = single_stage(
        admin,
        owner,
        f"no-offline-{uuid.uuid4()}",
        ai_settings={"provider": "offline"},
        output_schema="answer",
    )
    batch_id = launch(admin, owner, orchestrator_id, [{"question": "q"}])["id"]

    drained = orchable(
        database, "worker", "--drain", "--poll-seconds", "0.2", env={"ORCHABLE_OFFLINE": "0"}
    )

    assert drained.returncode == 0, drained.stdout + drained.stderr
    [row] = tasks(admin, batch_id)
    assert (row["status"], row["retry_count"], row["output_data"]) == ("failed", 0, None)
    assert row["error_code"] == "OR029"  # unknown_provider
    assert "unknown provider 'offline' (this worker has: gemini, openai)" in row["error_message"]
    assert calls(admin, batch_id) == []
