"""A provider with no web search (openai) cannot run a grounded_search stage: the task
fails for good as invalid_request (OR027), naming the provider and the stage kind, before
any call is made or recorded."""

from __future__ import annotations

import pytest
from fakes.openai_server import FakeOpenAI
from support.grounded import run_grounded
from support.keys import add_key
from support.tasks import calls
from support.workers import Real


@pytest.mark.timeout(60)
def test_a_grounded_search_task_on_openai_fails_for_good_as_invalid_request_without_a_call(
    admin, owner, worker_url
):
    add_key(admin, owner, "openai", "sk-openai-0001")
    with FakeOpenAI() as fake:
        real = Real(fake)
        worker, batch_id, row = run_grounded(
            admin, owner, worker_url, real.providers(), real.ai_settings()
        )

    assert (row["status"], row["retry_count"], row["output_data"]) == ("failed", 0, None)
    assert row["error_code"] == "OR027"  # invalid_request
    assert "openai" in row["error_message"] and "grounded_search" in row["error_message"]
    assert fake.requests == []
    assert calls(admin, batch_id) == []
    assert (worker.completed, worker.failed) == (0, 1)
