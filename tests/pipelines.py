"""The pipelines the Python tests run, built in one place.

The course pipeline: outline (1:1) -> question (1:N over "questions") -> quiz (N:1 under
"answers"). With `schemas`, every stage has an output_schema the worker validates.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import psycopg

QUESTIONS = {
    "type": "object",
    "required": ["questions"],
    "properties": {
        "questions": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["text"],
                "properties": {"text": {"type": "string"}},
            },
        }
    },
}
ANSWER = {"type": "object", "required": ["answer"], "properties": {"answer": {"type": "string"}}}
QUIZ = {"type": "object", "required": ["title"], "properties": {"title": {"type": "string"}}}


def course_pipeline(
    name: str,
    owner: uuid.UUID,
    *,
    ai_settings: dict[str, Any] | None = None,
    max_retries: int = 3,
    schemas: bool = False,
) -> dict[str, Any]:
    stages: list[dict[str, Any]] = [
        {"key": "outline", "template": "Outline {{topic}}", "next": ["question"]},
        {
            "key": "question",
            "template": "Answer {{item.text}}",
            "cardinality": "1:N",
            "split_path": "questions",
            "next": ["quiz"],
        },
        {
            "key": "quiz",
            "template": "Quiz from {{answers}}",
            "cardinality": "N:1",
            "merge_path": "answers",
        },
    ]
    for stage, schema in zip(stages, (QUESTIONS, ANSWER, QUIZ), strict=True):
        stage["max_retries"] = max_retries
        if schemas:
            stage["output_schema"] = schema
        if ai_settings is not None:
            stage["ai_settings"] = ai_settings
    return {"name": name, "owner_id": str(owner), "entry": "outline", "stages": stages}


def apply_pipeline(conn: psycopg.Connection, definition: dict[str, Any]) -> uuid.UUID:
    """upsert_orchestrator, as the connection's role; returns the orchestrator id."""
    row = conn.execute(
        "select (public.upsert_orchestrator(%s::jsonb)).id as id", (json.dumps(definition),)
    ).fetchone()
    assert row is not None
    return row["id"] if isinstance(row, dict) else row[0]
