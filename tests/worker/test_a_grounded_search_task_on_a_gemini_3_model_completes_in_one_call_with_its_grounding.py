"""A grounded_search task on a model that can search and answer in a schema at once (its
name starts with gemini-3) takes one call, grounded and with the stage's output_schema;
the call is recorded, and the completion's provenance carries the grounding: grounded,
the search queries, the sources, the supports and Google's search entry point."""

from __future__ import annotations

from fakes.gemini_server import SEARCH_TOKENS, SOURCES
from support.grounded import QUESTION, VERDICT, run_grounded
from support.keys import add_key
from support.tasks import calls


def test_a_grounded_search_task_on_a_gemini_3_model_completes_in_one_call_with_its_grounding(
    admin, owner, worker_url, gemini
):
    key_id = add_key(admin, owner, "gemini", "sk-gemini-0001")
    ai_settings = gemini.ai_settings(model="gemini-3-flash-preview")

    worker, batch_id, row = run_grounded(admin, owner, worker_url, gemini.providers(), ai_settings)

    assert (row["status"], row["retry_count"]) == ("completed", 0), row["error_message"]
    assert set(row["output_data"]) == set(VERDICT["properties"])
    [sent] = gemini.fake.requests
    assert sent.body["tools"] == [{"googleSearch": {}}]
    assert sent.body["generationConfig"]["responseJsonSchema"] == VERDICT
    [call] = calls(admin, batch_id)
    assert (call["outcome"], call["model"], call["api_key_id"]) == (
        "success",
        "gemini-3-flash-preview",
        key_id,
    )
    assert call["input_tokens"] > SEARCH_TOKENS  # the search results count as input
    assert row["usage"]["input_tokens"] == call["input_tokens"]
    assert row["usage"]["calls"] == 1

    grounding = row["provenance"]["grounding"]
    entry_point = grounding.pop("search_entry_point")
    assert entry_point.startswith("<style>") and "</div>" in entry_point
    [support] = grounding.pop("supports")
    assert support["source_indices"] == [0, 1] and support["text"]
    assert grounding == {
        "grounded": True,
        "mode": "single_pass",
        "search_queries": [f"Answer {QUESTION}"],
        "sources": [{"uri": s["uri"], "title": s["title"]} for s in SOURCES],
    }
    assert row["provenance"]["response_id"] == call["response_id"]
    assert (worker.completed, worker.failed) == (1, 0)
