"""A rate-limit answer rotates to the next key at once; the provider's Retry-After sets
the limited key's cooldown; both calls are recorded, and the provenance names the key
that answered (its id, never the key)."""

from __future__ import annotations

from orchable.providers.base import ErrorKind, ProviderError

from .support import ScriptedProvider, add_key, calls, key_health, run_single


def test_a_rate_limited_key_rotates_to_the_next_key_at_once(admin, owner, worker_url):
    limited = add_key(admin, owner, "gemini", "sk-limited", priority=2)
    healthy = add_key(admin, owner, "gemini", "sk-healthy", priority=1)

    def answer(request, api_key):
        if api_key == "sk-limited":
            raise ProviderError(ErrorKind.RATE_LIMITED, "quota", 429, retry_after_seconds=120)
        return {"answer": "42"}

    gemini = ScriptedProvider("gemini", answer)
    worker, batch_id, row = run_single(
        admin, owner, worker_url, {"gemini": gemini}, {"provider": "gemini", "model": "m1"}
    )

    assert row["status"] == "completed" and row["retry_count"] == 0
    assert [key for _, key in gemini.calls] == ["sk-limited", "sk-healthy"]
    assert [(c["outcome"], c["api_key_id"], c["http_status"]) for c in calls(admin, batch_id)] == [
        ("rate_limited", limited, 429),
        ("success", healthy, None),
    ]
    assert 100 < key_health(admin, limited)["blocked_for"] <= 120
    assert {
        k: row["provenance"][k] for k in ("provider", "model", "api_key_id", "response_id")
    } == {
        "provider": "gemini",
        "model": "m1",
        "api_key_id": str(healthy),
        "response_id": "r-2",
    }
    assert "sk-" not in str(row["provenance"])
    assert (worker.completed, worker.failed, worker.released) == (1, 0, 0)
