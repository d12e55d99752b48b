"""The pipelines the tests run. Each is defined once, in tests/helpers/0030_pipelines.sql,
which the pgTAP tests use too; these functions call it.

The course builder: outline (1:1) -> question (1:N over "questions") -> quiz (N:1 under
"answers"). The single stage: an answer to {{question}}. Their output schemas are named
'questions', 'answer' and 'quiz' (tests.output_schema)."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

Schema = dict[str, Any]


def _one(conn: psycopg.Connection, query: str, params: tuple[Any, ...]) -> Any:
    row = conn.execute(query, params).fetchone()
    assert row is not None
    return row["value"]


def output_schema(conn: psycopg.Connection, name: str) -> Schema:
    """One of the course builder's output schemas: 'questions', 'answer' or 'quiz'."""
    return _one(conn, "select tests.output_schema(%s) as value", (name,))


def course_definition(
    conn: psycopg.Connection,
    owner: uuid.UUID | None = None,
    name: str = "course",
    *,
    max_retries: int | None = None,
    ai_settings: dict[str, Any] | None = None,
    output_schemas: bool = False,
) -> dict[str, Any]:
    """The course builder as upsert_orchestrator takes it. max_retries and ai_settings go on
    every stage when given; output_schemas gives every stage its output schema."""
    return _one(
        conn,
        "select tests.course_pipeline("
        " %s::uuid, %s::text, %s::integer, %s::jsonb, %s::boolean) as value",
        (owner, name, max_retries, _jsonb(ai_settings), output_schemas),
    )


def course(
    conn: psycopg.Connection,
    owner: uuid.UUID,
    name: str = "course",
    *,
    max_retries: int | None = None,
    ai_settings: dict[str, Any] | None = None,
    output_schemas: bool = False,
) -> uuid.UUID:
    """Applies the course builder (as course_definition says); returns the orchestrator id."""
    return _one(
        conn,
        "select tests.seed_course_pipeline("
        " %s::uuid, %s::text, %s::integer, %s::jsonb, %s::boolean) as value",
        (owner, name, max_retries, _jsonb(ai_settings), output_schemas),
    )


def single_stage_definition(
    conn: psycopg.Connection,
    owner: uuid.UUID | None = None,
    name: str = "single",
    *,
    max_retries: int = 3,
    ai_settings: dict[str, Any] | None = None,
    output_schema: str | Schema | None = None,
) -> dict[str, Any]:
    """The one-stage pipeline as upsert_orchestrator takes it; output_schema is a schema, or
    the name of one of the course builder's."""
    return _one(
        conn,
        "select tests.single_stage_pipeline("
        " %s::uuid, %s::text, %s::integer, %s::jsonb, %s::jsonb) as value",
        (owner, name, max_retries, _jsonb(ai_settings), _jsonb(_schema(conn, output_schema))),
    )


def single_stage(
    conn: psycopg.Connection,
    owner: uuid.UUID,
    name: str = "single",
    *,
    max_retries: int = 3,
    ai_settings: dict[str, Any] | None = None,
    output_schema: str | Schema | None = None,
) -> uuid.UUID:
    """Applies the one-stage pipeline; returns the orchestrator id."""
    return _one(
        conn,
        "select tests.seed_single_stage_pipeline("
        " %s::uuid, %s::text, %s::integer, %s::jsonb, %s::jsonb) as value",
        (owner, name, max_retries, _jsonb(ai_settings), _jsonb(_schema(conn, output_schema))),
    )


def stage_schemas(conn: psycopg.Connection, orchestrator_id: uuid.UUID) -> dict[str, Schema]:
    """The output schema of each stage of a pipeline, as it was saved."""
    rows = conn.execute(
        "select stage_key, output_schema from public.prompt_templates"
        " where orchestrator_id = %s and is_active",
        (orchestrator_id,),
    ).fetchall()
    return {row["stage_key"]: row["output_schema"] for row in rows}


def _schema(conn: psycopg.Connection, schema: str | Schema | None) -> Schema | None:
    return output_schema(conn, schema) if isinstance(schema, str) else schema


def _jsonb(value: Any) -> Jsonb | None:
    return None if value is None else Jsonb(value)
