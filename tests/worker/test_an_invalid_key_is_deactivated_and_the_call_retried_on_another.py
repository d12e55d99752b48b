"""An invalid key is deactivated (report_api_key_result) and the call retried on another
key in the same attempt, without spending a retry."""

from __future__ import annotations

from orchable.providers.base import ErrorKind, ProviderError

from .support import ScriptedProvider, add_key, calls, key_health, run_single


def test_an_invalid_key_is_deactivated_and_the_call_retried_on_another(admin, owner, worker_url):
    revoked = add_key(admin, owner, "openai", "sk-revoked", priority=5)
    good = add_key(admin, owner, "openai", "sk-good")

    def answer(request, api_key):
        if api_key == "sk-revoked":
            raise ProviderError(ErrorKind.INVALID_KEY, "API key not valid", 401)
        return {"answer": "ok"}

    _, batch_id, row = run_single(
        admin, owner, worker_url, {"openai": ScriptedProvider("openai", answer)},
        {"provider": "openai", "model": "gpt"},
    )  # fmt: skip

    assert (row["status"], row["retry_count"]) == ("completed", 0)
    assert [(c["outcome"], c["api_key_id"]) for c in calls(admin, batch_id)] == [
        ("invalid_key", revoked),
        ("success", good),
    ]
    assert key_health(admin, revoked)["is_active"] is False
    assert key_health(admin, good)["is_active"] is True
