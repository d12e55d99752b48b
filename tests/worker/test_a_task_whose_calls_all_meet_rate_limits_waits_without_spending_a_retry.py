"""With more keys than a claim may make calls, a task could meet a rate limit on every call
of its claim while some key is still free. That is the keys' fault, not the task's: at the
cap of calls it is released to wait for a key, as when every key is blocked, and no retry
is spent."""

from __future__ import annotations

from orchable.settings import ExecutorSettings
from support.keys import add_key
from support.tasks import calls
from support.workers import run_single


def test_a_task_whose_calls_all_meet_rate_limits_waits_without_spending_a_retry(
    admin, owner, worker_url, gemini
):
    for i in range(3):
        add_key(admin, owner, "gemini", f"sk-limited-{i}")
    gemini.fake.enqueue("rate_limited", retry_after=30)
    gemini.fake.enqueue("rate_limited", retry_after=30)

    worker, batch_id, row = run_single(
        admin,
        owner,
        worker_url,
        gemini.providers(),
        gemini.ai_settings(),
        executor=ExecutorSettings(default_provider="offline", max_calls_per_claim=2),
    )

    assert [c["outcome"] for c in calls(admin, batch_id)] == ["rate_limited", "rate_limited"]
    assert (row["status"], row["retry_count"], row["locked_by"]) == ("plan", 0, None)
    assert row["error_code"] == "OR030"  # no usable key
    assert row["error_message"].endswith(": 2 calls, each rate-limited or on an invalid key")
    assert (worker.completed, worker.retried, worker.failed, worker.released) == (0, 0, 0, 1)
