"""A worker offers the offline provider only when started to (`--offline` or
ORCHABLE_OFFLINE=1): `orchable worker` started without it fails a task whose stage asks for
offline, for good and naming the provider and the ones it has, as for any provider it
lacks; nothing is synthesised."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

from concurrency.drive import launch

from .support import ROOT, calls, seed_single_stage, tasks


def test_a_worker_started_without_offline_fails_an_offline_stage_naming_the_provider(
    admin, owner, worker_url
):
    orchestrator_id = seed_single_stage(
        admin, owner, f"no-offline-{uuid.uuid4()}", {"provider": "offline"}
    )
    batch_id = launch(admin, owner, orchestrator_id, [{"question": "q"}])["id"]
    env = {k: v for k, v in os.environ.items() if k != "ORCHABLE_OFFLINE"}

    drained = subprocess.run(
        [sys.executable, "-m", "orchable.cli", "worker", "--drain", "--poll-seconds", "0.2"],
        cwd=ROOT,
        env={**env, "ORCHABLE_WORKER_DATABASE_URL": worker_url},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert drained.returncode == 0, drained.stdout + drained.stderr
    [row] = tasks(admin, batch_id)
    assert (row["status"], row["retry_count"], row["output_data"]) == ("failed", 0, None)
    assert "unknown provider 'offline' (this worker has: gemini, openai)" in row["error_message"]
    assert calls(admin, batch_id) == []
