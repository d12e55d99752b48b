"""When no key is usable the task waits, it does not fail: it is released back to plan
(no retry spent) until the earliest moment a key is available (api_key_available_at)."""

from __future__ import annotations

from orchable.providers.base import ErrorKind, ProviderError

from .support import ScriptedProvider, add_key, calls, run_single


def test_a_task_waits_for_a_key_instead_of_failing_when_every_key_is_blocked(
    admin, owner, worker_url
):
    add_key(admin, owner, "gemini", "sk-only")

    def answer(request, api_key):
        raise ProviderError(ErrorKind.RATE_LIMITED, "quota", 429, retry_after_seconds=60)

    worker, batch_id, row = run_single(
        admin, owner, worker_url, {"gemini": ScriptedProvider("gemini", answer)},
        {"provider": "gemini", "model": "m1"},
    )  # fmt: skip

    assert (row["status"], row["retry_count"], row["locked_by"]) == ("plan", 0, None)
    wait = admin.execute(
        "select extract(epoch from %s::timestamptz - now())::float as s", (row["run_after"],)
    ).fetchone()["s"]
    assert 50 < wait <= 61
    assert [c["outcome"] for c in calls(admin, batch_id)] == ["rate_limited"]
    assert (worker.completed, worker.failed, worker.released) == (0, 0, 1)
