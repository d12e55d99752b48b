"""`orchable --log-level info worker` logs the worker's own events at INFO and keeps its
HTTP clients' one line per request (httpx: "HTTP Request: POST ...") out: one line per
LLM call is the worker's own `llm_call` event, at DEBUG on success."""

from __future__ import annotations

import uuid

import pytest
from fakes.openai_server import FakeOpenAI
from support.keys import add_key
from support.pipelines import single_stage
from support.tasks import launch, tasks
from support.workers import REAL_MODELS, orchable


@pytest.mark.timeout(60)
def test_the_worker_log_at_info_carries_no_request_line_of_its_http_client(database, admin, owner):
    settings = {"provider": "openai", "model": REAL_MODELS["openai"]}
    orchestrator_id = single_stage(
        admin, owner, f"quiet-{uuid.uuid4()}", ai_settings=settings, output_schema="answer"
    )
    add_key(admin, owner, "openai", f"sk-quiet-{uuid.uuid4().hex}")
    batch_id = launch(admin, owner, orchestrator_id, [{"question": "q"}])["id"]

    with FakeOpenAI() as fake:
        drained = orchable(
            database, "--log-level", "info", "worker", "--drain", "--poll-seconds", "0.2",
            env={"ORCHABLE_OPENAI_BASE_URL": f"{fake.url}/v1"},
        )  # fmt: skip
        requests = len(fake.requests)

    log = drained.stdout + drained.stderr
    assert drained.returncode == 0, log
    assert [row["status"] for row in tasks(admin, batch_id)] == ["completed"]
    assert requests == 1
    assert "worker_started" in log, "the worker's own INFO events are logged"
    assert "HTTP Request" not in log, log
