"""When the stage's model is rate-limited on every key, the next fallback model is tried
(with a key the claim already holds: the cooldown is the limited model's, and it stays in
api_key_health), and the task completes with it, no retry spent."""

from __future__ import annotations

from support.keys import add_key, key_health
from support.tasks import calls
from support.workers import run_single


def test_every_key_rate_limited_on_the_model_gives_way_to_the_fallback_model(
    admin, owner, worker_url, gemini
):
    first = add_key(admin, owner, "gemini", "sk-first", priority=2)
    second = add_key(admin, owner, "gemini", "sk-second", priority=1)
    gemini.fake.enqueue("rate_limited", retry_after=30)
    gemini.fake.enqueue("rate_limited", retry_after=30)

    worker, batch_id, row = run_single(
        admin, owner, worker_url, gemini.providers(),
        gemini.ai_settings(model="gemini-big", fallback_models=["gemini-small"]),
    )  # fmt: skip

    assert (row["status"], row["retry_count"]) == ("completed", 0)
    assert row["provenance"]["model"] == "gemini-small"
    assert gemini.models_sent() == ["gemini-big", "gemini-big", "gemini-small"]
    assert [(c["model"], c["outcome"], c["api_key_id"]) for c in calls(admin, batch_id)] == [
        ("gemini-big", "rate_limited", first),
        ("gemini-big", "rate_limited", second),
        ("gemini-small", "success", first),
    ]
    for key in (first, second):
        health = key_health(admin, key)
        assert (health["block_reason"], health["consecutive_failures"]) == ("rate_limited", 1)
        assert 20 < health["blocked_for"] <= 30
    assert (worker.completed, worker.released) == (1, 0)
