"""A stage's fallback models (ai_settings.fallback_models) are tried in order when its
model is overloaded (503); the task completes with the model that answered, and the key,
which did nothing wrong, stays healthy in api_key_health."""

from __future__ import annotations

from support.keys import add_key, key_health
from support.tasks import calls
from support.workers import run_single


def test_fallback_models_are_tried_in_order_when_the_model_is_overloaded(
    admin, owner, worker_url, gemini
):
    key = add_key(admin, owner, "gemini", "sk-one")
    gemini.fake.enqueue("overloaded")
    gemini.fake.enqueue("overloaded")

    _, batch_id, row = run_single(
        admin, owner, worker_url, gemini.providers(),
        gemini.ai_settings(model="gemini-big", fallback_models=["gemini-medium", "gemini-small"]),
    )  # fmt: skip

    assert (row["status"], row["retry_count"]) == ("completed", 0)
    assert row["output_data"] == {"answer": "text"}
    assert row["provenance"]["model"] == "gemini-small"
    assert gemini.models_sent() == ["gemini-big", "gemini-medium", "gemini-small"]
    assert [
        (c["model"], c["outcome"], c["http_status"], c["api_key_id"])
        for c in calls(admin, batch_id)
    ] == [
        ("gemini-big", "overloaded", 503, key),
        ("gemini-medium", "overloaded", 503, key),
        ("gemini-small", "success", None, key),
    ]
    health = key_health(admin, key)
    assert (health["blocked_until"], health["consecutive_failures"], health["total_calls"]) == (
        None,
        0,
        3,
    )
