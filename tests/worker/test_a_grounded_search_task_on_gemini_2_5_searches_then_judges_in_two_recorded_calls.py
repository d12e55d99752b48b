"""A grounded_search task on a model that cannot search and answer in a schema at once
(gemini-2.5) takes two calls, both recorded: a grounded one asking for prose with no
schema, then an ungrounded one with the stage's output_schema whose prompt holds the
stage's prompt, the answer found and its sources. The grounding of the first is the
task's, and the task's usage is both calls'."""

from __future__ import annotations

from fakes.gemini_server import SOURCES
from support.grounded import QUESTION, VERDICT, run_grounded
from support.keys import add_key
from support.tasks import calls


def test_a_grounded_search_task_on_gemini_2_5_searches_then_judges_in_two_recorded_calls(
    admin, owner, worker_url, gemini
):
    add_key(admin, owner, "gemini", "sk-gemini-0001")
    ai_settings = gemini.ai_settings(model="gemini-2.5-flash")

    worker, batch_id, row = run_grounded(admin, owner, worker_url, gemini.providers(), ai_settings)

    assert (row["status"], row["retry_count"]) == ("completed", 0), row["error_message"]
    assert set(row["output_data"]) == set(VERDICT["properties"])
    search, verdict = gemini.fake.requests
    assert search.body["tools"] == [{"googleSearch": {}}]
    assert "responseMimeType" not in search.body.get("generationConfig", {})
    assert "tools" not in verdict.body
    assert verdict.body["generationConfig"]["responseJsonSchema"] == VERDICT
    [prompt] = [p["text"] for p in verdict.body["contents"][0]["parts"]]
    assert prompt.startswith(f"Answer {QUESTION}")
    assert "The sources found answer it" in prompt  # the search's answer
    assert all(s["uri"] in prompt and s["title"] in prompt for s in SOURCES)

    first, second = calls(admin, batch_id)
    assert (first["outcome"], second["outcome"]) == ("success", "success")
    assert row["provenance"]["response_id"] == second["response_id"]
    assert row["usage"]["calls"] == 2
    assert row["usage"]["input_tokens"] == first["input_tokens"] + second["input_tokens"]
    assert row["usage"]["output_tokens"] == first["output_tokens"] + second["output_tokens"]

    grounding = row["provenance"]["grounding"]
    assert (grounding["grounded"], grounding["mode"]) == (True, "two_pass")
    assert grounding["sources"] == [{"uri": s["uri"], "title": s["title"]} for s in SOURCES]
    assert grounding["search_queries"] == [f"Answer {QUESTION}"]
    assert (worker.completed, worker.failed) == (1, 0)
