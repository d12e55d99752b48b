"""The offline provider is never picked silently: a stage that asks for gemini on a worker
whose default is offline waits for a gemini key (released, nothing recorded, no output),
and a stage naming a provider the worker lacks fails for good saying so."""

from __future__ import annotations

from orchable.providers.offline import OfflineProvider

from .support import ScriptedProvider, calls, run_single


def test_offline_is_never_picked_when_a_real_provider_was_asked_for(admin, owner, worker_url):
    gemini = ScriptedProvider("gemini", lambda request, key: {"answer": "real"})
    providers = {"offline": OfflineProvider(), "gemini": gemini}

    _, batch_id, row = run_single(
        admin, owner, worker_url, providers, {"provider": "gemini", "model": "m"}
    )
    assert (row["status"], row["retry_count"], row["output_data"]) == ("plan", 0, None)
    assert "no active gemini key" in row["error_message"]
    assert gemini.calls == [] and calls(admin, batch_id) == []

    _, batch_id, row = run_single(admin, owner, worker_url, providers, {"provider": "claude"})
    assert (row["status"], row["output_data"]) == ("failed", None)
    assert "unknown provider 'claude'" in row["error_message"]
    assert calls(admin, batch_id) == []
