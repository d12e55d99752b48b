"""A request the provider refuses as malformed is not retryable: the task fails at once,
with its retries unspent, and the call is recorded as invalid_request."""

from __future__ import annotations

from orchable.providers.base import ErrorKind, ProviderError

from .support import ScriptedProvider, add_key, calls, run_single


def test_a_request_the_provider_refuses_as_malformed_fails_for_good(admin, owner, worker_url):
    add_key(admin, owner, "gemini", "sk-one")

    def answer(request, api_key):
        raise ProviderError(ErrorKind.INVALID_REQUEST, "responseSchema is malformed", 400)

    worker, batch_id, row = run_single(
        admin, owner, worker_url, {"gemini": ScriptedProvider("gemini", answer)},
        {"provider": "gemini", "model": "m"},
    )  # fmt: skip

    assert (row["status"], row["retry_count"]) == ("failed", 0)
    assert "responseSchema is malformed" in row["error_message"]
    assert [(c["outcome"], c["http_status"]) for c in calls(admin, batch_id)] == [
        ("invalid_request", 400)
    ]
    assert worker.failed == 1
