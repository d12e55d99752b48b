"""The RPCs `orchable serve` calls: one async function each, SQL only here, explicit casts.

serve connects as a login with the orchable_serve role, which may execute these and
nothing else (no table privilege). Connections are autocommit (orchable.db.worker_rpc's
pool), so each call is its own transaction: an answer is stored (receive_hil_response)
and committed before its signature is checked and it is matched (match_hil_response).
Errors are psycopg's, with the project's SQLSTATE (`sqlstate_of`)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import dict_row

from orchable.db import json_codec

UNKNOWN_LINK = "OR044"
UNKNOWN_ENDPOINT = "OR045"
UNKNOWN_RESPONSE = "OR046"
ANSWER_NOT_STORABLE = "OR047"
BAD_ACCESS_KEY = "OR035"


def sqlstate_of(error: BaseException) -> str | None:
    return getattr(error, "sqlstate", None)


async def _rows(conn: AsyncConnection, sql: str, params: tuple[Any, ...]) -> list[dict[str, Any]]:
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(sql, params)
        return await cur.fetchall()


def _json(value: Any) -> str | None:
    return None if value is None else json_codec.dumps(value)


async def receive_hil_response(
    conn: AsyncConnection,
    source_channel: str,
    endpoint_id: uuid.UUID,
    raw_payload: Any,
    headers: dict[str, str],
    interaction_id: uuid.UUID | None,
    responder_key: str | None,
    response: dict[str, Any] | None,
    free_text: str | None,
    signature_error: str | None,
) -> uuid.UUID:
    """Stores an answer as it came (unprocessed) with why its signature failed (None: it
    verified); its id."""
    [row] = await _rows(
        conn,
        "select public.receive_hil_response(p_source_channel => %s::text,"
        " p_endpoint_id => %s::uuid, p_raw_payload => %s::jsonb, p_headers => %s::jsonb,"
        " p_interaction_id => %s::uuid, p_responder_key => %s::text, p_response => %s::jsonb,"
        " p_free_text => %s::text, p_signature_error => %s::text) as id",
        (
            source_channel,
            endpoint_id,
            _json(raw_payload),
            _json(headers),
            interaction_id,
            responder_key,
            _json(response),
            free_text,
            signature_error,
        ),
    )
    response_id: uuid.UUID = row["id"]
    return response_id


async def endpoint_signing_secret(conn: AsyncConnection, endpoint_id: uuid.UUID, kind: str) -> str:
    """The secret answers through the endpoint are verified with (never logged)."""
    [row] = await _rows(
        conn,
        "select public.endpoint_signing_secret(p_endpoint_id => %s::uuid, p_kind => %s::text)"
        " as secret",
        (endpoint_id, kind),
    )
    secret: str = row["secret"]
    return secret


@dataclass(frozen=True)
class Matched:
    """What became of an answer: status (matched, late, duplicate, filtered_out,
    unprocessed: free text awaiting classification, error), why, the interaction, and what
    the interaction made of it (settled, counted, late, duplicate)."""

    status: str
    reason: str | None
    interaction_id: uuid.UUID | None
    answer_outcome: str | None
    response_id: uuid.UUID | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "response_id": str(self.response_id) if self.response_id else None,
            "status": self.status,
            "reason": self.reason,
            "interaction_id": str(self.interaction_id) if self.interaction_id else None,
            "answer_outcome": self.answer_outcome,
        }


async def match_hil_response(
    conn: AsyncConnection, response_id: uuid.UUID, signature_error: str | None
) -> Matched:
    [row] = await _rows(
        conn,
        "select status, reason, interaction_id, answer_outcome from public.match_hil_response("
        "p_response_id => %s::uuid, p_signature_error => %s::text)",
        (response_id, signature_error),
    )
    return Matched(
        row["status"], row["reason"], row["interaction_id"], row["answer_outcome"], response_id
    )


@dataclass(frozen=True)
class LinkedInteraction:
    """What an email answer link shows."""

    interaction_id: uuid.UUID
    interaction_type: str
    status: str
    outcome: str | None
    priority: str
    request_data: dict[str, Any]
    timeout_at: dt.datetime | None
    expires_at: dt.datetime
    recipient: str


async def interaction_for_link(conn: AsyncConnection, token: str) -> LinkedInteraction:
    """Raises psycopg.Error with sqlstate OR044 for a link unknown or expired."""
    rows = await _rows(
        conn,
        "select interaction_id, interaction_type, status, outcome, priority,"
        " request_data::text as request_data, timeout_at, expires_at, recipient"
        " from public.interaction_for_link(p_token => %s::text)",
        (token,),
    )
    row = rows[0]
    request = json_codec.loads(row["request_data"]) if row["request_data"] else {}
    return LinkedInteraction(
        interaction_id=row["interaction_id"],
        interaction_type=row["interaction_type"],
        status=row["status"],
        outcome=row["outcome"],
        priority=row["priority"],
        request_data=request if isinstance(request, dict) else {},
        timeout_at=row["timeout_at"],
        expires_at=row["expires_at"],
        recipient=row["recipient"],
    )


async def answer_by_link(
    conn: AsyncConnection, token: str, response: dict[str, Any], headers: dict[str, str]
) -> Matched:
    [row] = await _rows(
        conn,
        "select response_id, status, reason, interaction_id, answer_outcome"
        " from public.answer_by_link(p_token => %s::text, p_response => %s::jsonb,"
        " p_headers => %s::jsonb)",
        (token, _json(response), _json(headers)),
    )
    return Matched(
        row["status"],
        row["reason"],
        row["interaction_id"],
        row["answer_outcome"],
        row["response_id"],
    )


async def trigger_webhook(conn: AsyncConnection, key: str, payload: dict[str, Any]) -> uuid.UUID:
    """Launches the webhook trigger the access key is bound to; the batch id."""
    [row] = await _rows(
        conn,
        "select public.trigger_webhook(p_key => %s::text, p_payload => %s::jsonb) as batch_id",
        (key, _json(payload)),
    )
    batch_id: uuid.UUID = row["batch_id"]
    return batch_id


async def ping(conn: AsyncConnection) -> None:
    await conn.execute("select 1")
