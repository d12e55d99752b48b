"""A model expected to search and answer in a schema at once that refuses it with
Gemini's 400 ("controlled generation is not supported with google_search tool") gets the
task in two passes instead, in the same attempt: three calls, each recorded (the refusal
as invalid_request, with its message), no retry spent, and a grounded completion."""

from __future__ import annotations

from fakes.gemini_server import REFUSED_SCHEMA_WITH_SEARCH
from support.grounded import run_grounded
from support.keys import add_key
from support.tasks import calls


def test_a_single_pass_the_model_refuses_is_made_again_in_two_passes(
    admin, owner, worker_url, gemini
):
    add_key(admin, owner, "gemini", "sk-gemini-0001")
    gemini.fake.enqueue("schema_with_search_refused")
    ai_settings = gemini.ai_settings(model="gemini-3-pro")

    worker, batch_id, row = run_grounded(admin, owner, worker_url, gemini.providers(), ai_settings)

    assert (row["status"], row["retry_count"], row["claim_count"]) == ("completed", 0, 1)
    single, search, verdict = gemini.fake.requests
    assert "responseJsonSchema" in single.body["generationConfig"] and single.body["tools"]
    assert search.body["tools"] and "responseMimeType" not in search.body["generationConfig"]
    assert "tools" not in verdict.body and "responseJsonSchema" in verdict.body["generationConfig"]

    refused, searched, judged = calls(admin, batch_id)
    assert (refused["outcome"], refused["http_status"]) == ("invalid_request", 400)
    assert REFUSED_SCHEMA_WITH_SEARCH in refused["error"]
    assert (searched["outcome"], judged["outcome"]) == ("success", "success")
    assert row["usage"]["calls"] == 3
    grounding = row["provenance"]["grounding"]
    assert (grounding["grounded"], grounding["mode"]) == (True, "two_pass")
    assert (worker.completed, worker.retried, worker.failed) == (1, 0, 0)
