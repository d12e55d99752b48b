"""An answer whose text is not JSON is invalid_output: the task goes back to plan through
report_task_failure with a retry spent, and the key, which worked, stays healthy."""

from __future__ import annotations

from support.keys import add_key, key_health
from support.tasks import calls, seconds_until
from support.workers import run_single


def test_an_answer_that_is_not_json_fails_retryably_as_invalid_output(
    admin, owner, worker_url, real
):
    key = add_key(admin, owner, real.name, "sk-one")
    real.fake.enqueue("not_json")

    worker, batch_id, row = run_single(
        admin, owner, worker_url, real.providers(), real.ai_settings()
    )

    assert (row["status"], row["retry_count"], row["output_data"]) == ("plan", 1, None)
    assert row["error_code"] == "OR025"  # invalid_output
    assert seconds_until(admin, row["run_after"]) > 0
    assert "invalid_output: the answer is not JSON" in row["error_message"]
    [call] = calls(admin, batch_id)
    assert (call["outcome"], call["http_status"], call["api_key_id"]) == (
        "invalid_output",
        None,
        key,
    )
    health = key_health(admin, key)
    assert (health["blocked_until"], health["consecutive_failures"], health["total_calls"]) == (
        None,
        0,
        1,
    )
    assert (worker.retried, worker.failed) == (1, 0)
