"""A 500 is a server error: one call (the SDK does not retry on its own), the task goes
back to plan through report_task_failure with a retry spent and a backoff, and the key cools down
for a few seconds (api_key_health: one failure, blocked for server_error)."""

from __future__ import annotations

from support.keys import add_key, key_health
from support.tasks import calls, seconds_until
from support.workers import run_single


def test_a_server_error_fails_the_task_retryably_and_cools_the_key(admin, owner, worker_url, real):
    key = add_key(admin, owner, real.name, "sk-one")
    real.fake.enqueue("server_error")

    worker, batch_id, row = run_single(
        admin, owner, worker_url, real.providers(), real.ai_settings()
    )

    assert (row["status"], row["retry_count"], row["locked_by"]) == ("plan", 1, None)
    assert row["error_code"] == "OR023"  # server_error
    assert seconds_until(admin, row["run_after"]) > 0
    assert "server_error (HTTP 500)" in row["error_message"]
    assert len(real.fake.requests) == 1
    [call] = calls(admin, batch_id)
    assert (call["outcome"], call["http_status"], call["api_key_id"], call["attempt"]) == (
        "server_error",
        500,
        key,
        0,
    )
    assert call["input_tokens"] == call["output_tokens"] == 0
    health = key_health(admin, key)
    assert (health["is_active"], health["block_reason"], health["consecutive_failures"]) == (
        True,
        "server_error",
        1,
    )
    assert 0 < health["blocked_for"] <= 5
    assert (worker.completed, worker.retried, worker.failed) == (0, 1, 0)
