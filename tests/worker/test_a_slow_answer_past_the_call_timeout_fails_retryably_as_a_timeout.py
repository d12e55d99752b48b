"""An answer slower than the call timeout is a timeout: the call is abandoned at the
timeout (not when the server would answer), recorded as timeout, the key cools down, and
the task goes back to plan with a retry spent."""

from __future__ import annotations

import time

from orchable.settings import ExecutorSettings
from support.keys import add_key, key_health
from support.tasks import calls, seconds_until
from support.workers import run_single


def test_a_slow_answer_past_the_call_timeout_fails_retryably_as_a_timeout(
    admin, owner, worker_url, real
):
    key = add_key(admin, owner, real.name, "sk-one")
    real.fake.enqueue("slow")  # the fake answers after 5 s

    started = time.monotonic()
    worker, batch_id, row = run_single(
        admin, owner, worker_url, real.providers(), real.ai_settings(),
        executor=ExecutorSettings(call_timeout_seconds=0.5),
    )  # fmt: skip
    assert time.monotonic() - started < 4.0

    assert (row["status"], row["retry_count"], row["error_code"]) == ("plan", 1, "OR024")
    assert seconds_until(admin, row["run_after"]) > 0
    assert "timeout: no answer within 0.5 s" in row["error_message"]
    [call] = calls(admin, batch_id)
    assert (call["outcome"], call["http_status"], call["api_key_id"]) == ("timeout", None, key)
    health = key_health(admin, key)
    assert (health["block_reason"], health["consecutive_failures"]) == ("timeout", 1)
    assert worker.retried == 1
