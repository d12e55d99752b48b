"""The offline provider is never picked silently: a stage that asks for gemini on a worker
whose default is offline waits for a gemini key (released, no request sent, nothing
recorded, no output), and a stage naming a provider the worker lacks fails for good
saying so."""

from __future__ import annotations

from orchable.worker.providers.offline import OfflineProvider
from support.tasks import calls
from support.workers import run_single


def test_offline_is_never_picked_when_a_real_provider_was_asked_for(
    admin, owner, worker_url, gemini
):
    providers = {"offline": OfflineProvider(), "gemini": gemini.provider()}

    _, batch_id, row = run_single(admin, owner, worker_url, providers, gemini.ai_settings())
    assert (row["status"], row["retry_count"], row["output_data"]) == ("plan", 0, None)
    assert row["error_code"] == "OR030"  # no usable key
    assert row["error_message"] == "no usable gemini key: none is active"
    assert gemini.fake.requests == [] and calls(admin, batch_id) == []

    _, batch_id, row = run_single(
        admin, owner, worker_url, {"offline": OfflineProvider()}, {"provider": "claude"}
    )
    assert (row["status"], row["output_data"]) == ("failed", None)
    assert "unknown provider 'claude'" in row["error_message"]
    assert calls(admin, batch_id) == []
