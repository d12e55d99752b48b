"""`orchable --log-level info worker` logs the worker's own events at INFO and keeps its
HTTP clients' one line per request (httpx: "HTTP Request: POST ...") out: one line per
LLM call is the worker's own `llm_call` event, at DEBUG on success."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

from concurrency.drive import launch
from fakes.openai_server import FakeOpenAI

from .support import REAL_MODELS, ROOT, add_key, seed_single_stage, tasks


def test_the_worker_log_at_info_carries_no_request_line_of_its_http_client(
    admin, owner, worker_url
):
    settings = {"provider": "openai", "model": REAL_MODELS["openai"]}
    orchestrator_id = seed_single_stage(admin, owner, f"quiet-{uuid.uuid4()}", settings)
    add_key(admin, owner, "openai", f"sk-quiet-{uuid.uuid4().hex}")
    batch_id = launch(admin, owner, orchestrator_id, [{"question": "q"}])["id"]

    command = [
        "-m",
        "orchable.cli",
        "--log-level",
        "info",
        "worker",
        "--drain",
        "--poll-seconds",
        "0.2",
    ]
    with FakeOpenAI() as fake:
        drained = subprocess.run(
            [sys.executable, *command],
            cwd=ROOT,
            env={
                **os.environ,
                "ORCHABLE_WORKER_DATABASE_URL": worker_url,
                "ORCHABLE_OPENAI_BASE_URL": f"{fake.url}/v1",
            },
            capture_output=True,
            text=True,
            timeout=60,
        )
        requests = len(fake.requests)

    log = drained.stdout + drained.stderr
    assert drained.returncode == 0, log
    assert [row["status"] for row in tasks(admin, batch_id)] == ["completed"]
    assert requests == 1
    assert "worker_started" in log, "the worker's own INFO events are logged"
    assert "HTTP Request" not in log, log
