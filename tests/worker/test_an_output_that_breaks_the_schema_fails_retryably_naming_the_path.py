"""An output that does not match output_schema is a retryable failure (fail_task puts the
task back to plan, a retry spent) whose error names the failing path; the call is
recorded as invalid_output."""

from __future__ import annotations

from .support import ScriptedProvider, add_key, calls, run_single

SCHEMA = {
    "type": "object",
    "required": ["items"],
    "properties": {
        "items": {
            "type": "array",
            "items": {"type": "object", "required": ["text"]},
        }
    },
}


def test_an_output_that_breaks_the_schema_fails_retryably_naming_the_path(admin, owner, worker_url):
    add_key(admin, owner, "gemini", "sk-one")
    bad = ScriptedProvider("gemini", lambda request, key: {"items": [{"text": "a"}, {}, {}]})
    worker, batch_id, row = run_single(
        admin, owner, worker_url, {"gemini": bad}, {"provider": "gemini", "model": "m"}, SCHEMA
    )

    assert (row["status"], row["retry_count"]) == ("plan", 1)
    assert "$.items[1]: 'text' is a required property" in row["error_message"]
    assert [c["outcome"] for c in calls(admin, batch_id)] == ["invalid_output"]
    assert worker.retried == 1
