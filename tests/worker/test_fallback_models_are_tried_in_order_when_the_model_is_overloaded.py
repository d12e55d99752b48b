"""A stage's fallback models (ai_settings.fallback_models) are tried in order when its
model is overloaded; the task completes with the model that answered."""

from __future__ import annotations

from orchable.providers.base import ErrorKind, ProviderError

from .support import ScriptedProvider, add_key, calls, run_single


def test_fallback_models_are_tried_in_order_when_the_model_is_overloaded(admin, owner, worker_url):
    add_key(admin, owner, "gemini", "sk-one")

    def answer(request, api_key):
        if request.model in ("big", "medium"):
            raise ProviderError(ErrorKind.OVERLOADED, "model overloaded", 503)
        return {"answer": request.model}

    gemini = ScriptedProvider("gemini", answer)
    _, batch_id, row = run_single(
        admin, owner, worker_url, {"gemini": gemini},
        {"provider": "gemini", "model": "big", "fallback_models": ["medium", "small"]},
    )  # fmt: skip

    assert row["status"] == "completed"
    assert row["output_data"] == {"answer": "small"}
    assert row["provenance"]["model"] == "small"
    assert [(c["model"], c["outcome"]) for c in calls(admin, batch_id)] == [
        ("big", "overloaded"),
        ("medium", "overloaded"),
        ("small", "success"),
    ]
