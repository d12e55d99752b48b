"""A grounded_search answer that comes back without grounding metadata (the model did not
search, as gemini-3.5-flash was seen to do with JSON output) completes the task, its
provenance saying grounded false with no queries, sources, supports or entry point: never
passed off as grounded."""

from __future__ import annotations

from fakes.gemini_server import FakeGemini
from support.grounded import run_grounded
from support.keys import add_key
from support.tasks import calls
from support.workers import Real


def test_an_answer_without_grounding_metadata_completes_with_grounded_false(
    admin, owner, worker_url
):
    add_key(admin, owner, "gemini", "sk-gemini-0001")
    with FakeGemini(grounded=False) as fake:
        real = Real(fake)
        worker, batch_id, row = run_grounded(
            admin,
            owner,
            worker_url,
            real.providers(),
            real.ai_settings(model="gemini-3.5-flash"),
        )

    assert (row["status"], row["retry_count"]) == ("completed", 0), row["error_message"]
    [sent] = fake.requests
    assert sent.body["tools"] == [{"googleSearch": {}}]
    [call] = calls(admin, batch_id)
    assert call["outcome"] == "success"
    assert row["provenance"]["grounding"] == {
        "grounded": False,
        "mode": "single_pass",
        "search_queries": [],
        "sources": [],
        "supports": [],
        "search_entry_point": None,
    }
    assert (worker.completed, worker.failed) == (1, 0)
