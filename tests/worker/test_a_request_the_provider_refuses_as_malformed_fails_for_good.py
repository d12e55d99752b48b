"""A request the provider refuses as malformed (400) is not retryable: the task fails at
once with its retries unspent, the call is recorded as invalid_request, and the key, which
is not to blame, stays healthy."""

from __future__ import annotations

from support.keys import add_key, key_health
from support.tasks import calls
from support.workers import run_single


def test_a_request_the_provider_refuses_as_malformed_fails_for_good(admin, owner, worker_url, real):
    key = add_key(admin, owner, real.name, "sk-one")
    real.fake.enqueue("invalid_request")

    worker, batch_id, row = run_single(
        admin, owner, worker_url, real.providers(), real.ai_settings()
    )

    assert (row["status"], row["retry_count"], row["output_data"]) == ("failed", 0, None)
    assert row["error_code"] == "OR027"  # invalid_request
    assert "invalid_request (HTTP 400)" in row["error_message"]
    assert [(c["outcome"], c["http_status"], c["api_key_id"]) for c in calls(admin, batch_id)] == [
        ("invalid_request", 400, key)
    ]
    health = key_health(admin, key)
    assert (health["is_active"], health["blocked_until"], health["consecutive_failures"]) == (
        True,
        None,
        0,
    )
    assert (worker.failed, worker.retried) == (1, 0)
