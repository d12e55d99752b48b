"""A 429 rotates to the next key at once, in the same claim and without spending a retry;
the provider's retry delay (Gemini's RetryInfo, OpenAI's Retry-After) sets the limited
key's cooldown in api_key_health; both calls land in llm_calls, and the provenance names
the key that answered (its id, never the key)."""

from __future__ import annotations

from support.keys import add_key, key_health
from support.tasks import calls
from support.workers import run_single


def test_a_rate_limited_key_rotates_to_the_next_key_at_once(admin, owner, worker_url, real):
    limited = add_key(admin, owner, real.name, "sk-limited-0001", priority=2)
    healthy = add_key(admin, owner, real.name, "sk-healthy-0002", priority=1)
    real.fake.enqueue("rate_limited", retry_after=120)

    worker, batch_id, row = run_single(
        admin, owner, worker_url, real.providers(), real.ai_settings()
    )

    assert (row["status"], row["retry_count"], row["claim_count"]) == ("completed", 0, 1)
    assert real.keys_sent() == ["sk-limited-0001", "sk-healthy-0002"]
    first, second = calls(admin, batch_id)
    assert (first["outcome"], first["http_status"], first["api_key_id"]) == (
        "rate_limited",
        429,
        limited,
    )
    assert first["input_tokens"] == first["output_tokens"] == 0
    assert (second["outcome"], second["http_status"], second["api_key_id"]) == (
        "success",
        None,
        healthy,
    )
    assert second["input_tokens"] > 0 and second["output_tokens"] > 0
    assert row["usage"]["output_tokens"] == second["output_tokens"]

    cooled = key_health(admin, limited)
    assert (cooled["is_active"], cooled["block_reason"], cooled["consecutive_failures"]) == (
        True,
        "rate_limited",
        1,
    )
    assert 110 < cooled["blocked_for"] <= 120
    used = key_health(admin, healthy)
    assert (used["blocked_until"], used["consecutive_failures"], used["total_calls"]) == (
        None,
        0,
        1,
    )

    assert {
        k: row["provenance"][k] for k in ("provider", "model", "api_key_id", "response_id")
    } == {
        "provider": real.name,
        "model": real.model,
        "api_key_id": str(healthy),
        "response_id": second["response_id"],
    }
    assert "sk-" not in str(row["provenance"]) and "sk-" not in str(first["error"])
    assert (worker.completed, worker.retried, worker.failed, worker.released) == (1, 0, 0, 0)
