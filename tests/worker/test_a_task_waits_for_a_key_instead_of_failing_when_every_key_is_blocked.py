"""When every key is rate-limited (and the stage has no fallback model) the task waits, it
does not fail: it is released back to plan (no retry spent) until the earliest moment a
key is available, which the providers' retry delays set in api_key_health."""

from __future__ import annotations

from support.keys import add_key, key_health
from support.tasks import calls, seconds_until
from support.workers import run_single


def test_a_task_waits_for_a_key_instead_of_failing_when_every_key_is_blocked(
    admin, owner, worker_url, gemini
):
    slow_key = add_key(admin, owner, "gemini", "sk-a", priority=2)
    soon_key = add_key(admin, owner, "gemini", "sk-b", priority=1)
    gemini.fake.enqueue("rate_limited", retry_after=90)
    gemini.fake.enqueue("rate_limited", retry_after=60)

    worker, batch_id, row = run_single(
        admin, owner, worker_url, gemini.providers(), gemini.ai_settings()
    )

    assert (row["status"], row["retry_count"], row["locked_by"]) == ("plan", 0, None)
    assert "every gemini key is blocked" in row["error_message"]
    assert 55 < seconds_until(admin, row["run_after"]) <= 61
    assert [(c["outcome"], c["http_status"], c["api_key_id"]) for c in calls(admin, batch_id)] == [
        ("rate_limited", 429, slow_key),
        ("rate_limited", 429, soon_key),
    ]
    for key, delay in ((slow_key, 90), (soon_key, 60)):
        health = key_health(admin, key)
        assert (health["is_active"], health["block_reason"]) == (True, "rate_limited")
        assert health["consecutive_failures"] == 1
        assert delay - 10 < health["blocked_for"] <= delay
    assert (worker.completed, worker.retried, worker.failed, worker.released) == (0, 0, 0, 1)
