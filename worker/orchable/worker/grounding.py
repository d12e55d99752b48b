"""Grounded search: the stage kinds, the prompts of a two-pass search, and the grounding a
grounded_search task keeps in its completion's provenance (`grounding`): the searches, the
sources, the supports and Google's search suggestions, cut to a bounded size."""

from __future__ import annotations

import json
from typing import Any

from orchable.worker.providers.base import Grounding, LLMResponse

GENERATE = "generate"
GROUNDED_SEARCH = "grounded_search"
STAGE_KINDS = (GENERATE, GROUNDED_SEARCH)

# What a grounding keeps in the provenance: the first sources and supports, strings cut.
MAX_SOURCES = 50
MAX_SUPPORTS = 100
MAX_QUERIES = 20
MAX_URI = 2048
MAX_TITLE = 300
MAX_QUERY = 300
MAX_SUPPORT_TEXT = 500
MAX_ENTRY_POINT = 32 * 1024  # HTML: dropped (null) past this, never cut
MAX_SEARCH_ANSWER = 20_000  # of the search's answer, in the verdict's prompt

_SEARCH_INSTRUCTION = (
    "Search the web to answer this. Answer in plain prose, not JSON: what your sources say,"
    " with dates where they matter, and name each source you used (its title and URL)."
)
_VERDICT_INSTRUCTION = (
    "A web search made for this found the answer below. Judge from that answer and its"
    " sources alone; search nothing."
)


def search_prompt(prompt: str) -> str:
    """The prompt of a two-pass search: the stage's, answered in prose with sources."""
    return f"{prompt}\n\n{_SEARCH_INSTRUCTION}"


def verdict_prompt(prompt: str, search: LLMResponse) -> str:
    """The prompt of a two-pass verdict: the stage's, with the search's answer and sources
    to judge from."""
    found = search.output if isinstance(search.output, str) else json.dumps(search.output)
    lines = [prompt, "", _VERDICT_INSTRUCTION, "", "Answer found:", _cut(found, MAX_SEARCH_ANSWER)]
    sources = search.grounding.sources[:MAX_SOURCES] if search.grounding else []
    if sources:
        lines += ["", "Its sources:"]
        lines += [
            f"[{n}] {_cut(s.get('title') or 'untitled', MAX_TITLE)}:"
            f" {_cut(s.get('uri') or 'no URL', MAX_URI)}"
            for n, s in enumerate(sources, 1)
        ]
    else:
        lines += ["", "It came with no sources: nothing found backs it."]
    return "\n".join(lines)


def grounding_provenance(grounding: Grounding | None, mode: str) -> dict[str, Any]:
    """provenance.grounding of a grounded_search task: `grounded` (the answer came with
    grounding metadata naming at least one source with a URI), the search queries, the sources
    [{uri, title}] and supports [{text, start_index, end_index, source_indices,
    confidence_scores}] (the first MAX_SOURCES and MAX_SUPPORTS, their strings cut, the
    indices of sources not kept dropped), Google's search_entry_point (HTML, or null), and
    the mode (single_pass or two_pass)."""
    if grounding is None:
        return {
            "grounded": False,
            "search_queries": [],
            "sources": [],
            "supports": [],
            "search_entry_point": None,
            "mode": mode,
        }
    sources = [
        {
            "uri": _cut_or_none(s.get("uri"), MAX_URI),
            "title": _cut_or_none(s.get("title"), MAX_TITLE),
        }
        for s in grounding.sources[:MAX_SOURCES]
    ]
    supports = []
    for support in grounding.supports[:MAX_SUPPORTS]:
        indices = support.get("source_indices") or []
        scores = support.get("confidence_scores") or []
        kept = [n for n, index in enumerate(indices) if 0 <= index < len(sources)]
        supports.append(
            {
                "text": _cut_or_none(support.get("text"), MAX_SUPPORT_TEXT),
                "start_index": support.get("start_index"),
                "end_index": support.get("end_index"),
                "source_indices": [indices[n] for n in kept],
                "confidence_scores": [scores[n] for n in kept if n < len(scores)],
            }
        )
    entry_point = grounding.search_entry_point
    if entry_point is not None and len(entry_point) > MAX_ENTRY_POINT:
        entry_point = None
    return {
        "grounded": any(s["uri"] for s in sources),
        "search_queries": [_cut(q, MAX_QUERY) for q in grounding.search_queries[:MAX_QUERIES]],
        "sources": sources,
        "supports": supports,
        "search_entry_point": entry_point,
        "mode": mode,
    }


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _cut_or_none(value: Any, limit: int) -> str | None:
    return _cut(value, limit) if isinstance(value, str) else None
