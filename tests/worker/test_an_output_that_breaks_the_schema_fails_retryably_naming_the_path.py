"""JSON that does not match output_schema (checked with jsonschema) is a retryable
failure: report_task_failure puts the task back to plan with a retry spent, its error names the
failing path, and the call is recorded as invalid_output with its tokens."""

from __future__ import annotations

from support.keys import add_key, key_health
from support.tasks import calls
from support.workers import run_single


def test_an_output_that_breaks_the_schema_fails_retryably_naming_the_path(
    admin, owner, worker_url, gemini
):
    key = add_key(admin, owner, "gemini", "sk-one")
    gemini.fake.enqueue("schema_breaking")  # {"questions": [{}]}

    worker, batch_id, row = run_single(
        admin, owner, worker_url, gemini.providers(), gemini.ai_settings(), "questions"
    )

    assert (row["status"], row["retry_count"], row["output_data"]) == ("plan", 1, None)
    assert row["error_code"] == "OR025"  # invalid_output
    assert "$.questions[0]: 'text' is a required property" in row["error_message"]
    [call] = calls(admin, batch_id)
    assert (call["outcome"], call["http_status"], call["api_key_id"]) == (
        "invalid_output",
        None,
        key,
    )
    assert call["input_tokens"] > 0 and call["output_tokens"] > 0
    assert key_health(admin, key)["consecutive_failures"] == 0
    assert worker.retried == 1
