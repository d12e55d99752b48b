"""An invalid key (Gemini's API_KEY_INVALID, OpenAI's 401) is deactivated through
report_api_key_result and the call retried on another key in the same claim, without
spending a retry; the key never appears in what is recorded."""

from __future__ import annotations

from support.keys import add_key, key_health
from support.tasks import calls
from support.workers import run_single


def test_an_invalid_key_is_deactivated_and_the_call_retried_on_another(
    admin, owner, worker_url, real
):
    revoked = add_key(admin, owner, real.name, "key-invalid", priority=5)
    good = add_key(admin, owner, real.name, "sk-good")

    _, batch_id, row = run_single(admin, owner, worker_url, real.providers(), real.ai_settings())

    assert (row["status"], row["retry_count"], row["claim_count"]) == ("completed", 0, 1)
    assert real.keys_sent() == ["key-invalid", "sk-good"]
    rejected, answered = calls(admin, batch_id)
    assert (rejected["outcome"], rejected["api_key_id"]) == ("invalid_key", revoked)
    assert rejected["http_status"] == (400 if real.name == "gemini" else 401)
    assert "key-invalid" not in rejected["error"]
    assert (answered["outcome"], answered["api_key_id"]) == ("success", good)
    assert answered["output_tokens"] > 0
    dead = key_health(admin, revoked)
    assert (dead["is_active"], dead["block_reason"], dead["consecutive_failures"]) == (
        False,
        "invalid_key",
        1,
    )
    alive = key_health(admin, good)
    assert (alive["is_active"], alive["consecutive_failures"]) == (True, 0)
