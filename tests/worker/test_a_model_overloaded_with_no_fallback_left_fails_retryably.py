"""When the model and every fallback model answer overloaded (503), the task fails
retryably through report_task_failure: a retry spent and a backoff, so a model that stays overloaded
ends the task after its retries instead of handing it back forever. The key, which did
nothing wrong, stays healthy."""

from __future__ import annotations

from support.keys import add_key, key_health
from support.tasks import calls, seconds_until
from support.workers import run_single


def test_a_model_overloaded_with_no_fallback_left_fails_retryably(admin, owner, worker_url, gemini):
    key = add_key(admin, owner, "gemini", "sk-one")
    gemini.fake.enqueue("overloaded")
    gemini.fake.enqueue("overloaded")

    worker, batch_id, row = run_single(
        admin, owner, worker_url, gemini.providers(),
        gemini.ai_settings(model="gemini-big", fallback_models=["gemini-small"]),
    )  # fmt: skip

    assert (row["status"], row["retry_count"], row["locked_by"]) == ("plan", 1, None)
    assert row["error_code"] == "OR022"  # overloaded
    assert seconds_until(admin, row["run_after"]) > 0
    assert row["error_message"].startswith("overloaded (HTTP 503): ")
    assert row["error_message"].endswith("(as was every fallback model: gemini-small)")
    assert gemini.models_sent() == ["gemini-big", "gemini-small"]
    assert [c["outcome"] for c in calls(admin, batch_id)] == ["overloaded", "overloaded"]
    health = key_health(admin, key)
    assert (health["blocked_until"], health["consecutive_failures"]) == (None, 0)
    assert (worker.completed, worker.retried, worker.released) == (0, 1, 0)
