"""The RPCs a worker calls: one async function each, SQL only here, explicit casts.

Each function runs one statement on the connection it is given. Worker connections are
autocommit with server-side prepared statements off (`prepare_threshold=None`), so each
call is its own transaction and works through a transaction-mode pooler (Supavisor,
PgBouncer). A stale claim token (the lease expired and another worker claimed the task)
raises `StaleClaimError` (SQLSTATE OR006); the database changed nothing.
"""

from __future__ import annotations

import datetime as dt
import enum
import time
import uuid
import weakref
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import AsyncConnection
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from orchable.db import json_codec

STALE_CLAIM = "OR006"

Row = dict[str, Any]


class StaleClaimError(Exception):
    """The claim token is no longer the task's: someone else owns it now (OR006)."""


def create_pool(
    conninfo: str, *, min_size: int = 1, max_size: int = 10, name: str = "orchable-worker"
) -> AsyncConnectionPool:
    """A pool of autocommit connections without server-side prepared statements (safe
    through Supabase's transaction pooler). Not opened: `await pool.open(wait=True)`."""
    check = _IdleCheck()
    pool = AsyncConnectionPool(
        conninfo,
        min_size=min_size,
        max_size=max(min_size, max_size),
        open=False,
        name=name,
        kwargs={"autocommit": True, "prepare_threshold": None},
        configure=_configure,
        check=check,
    )
    check.pool = pool
    return pool


async def _configure(conn: AsyncConnection) -> None:
    json_codec.use_on(conn)


class _IdleCheck:
    """The pool's check of a connection it hands out: one that was handed out within the
    last second is taken as it is; one idle for longer is pinged first, so one cut meanwhile
    is replaced instead of failing its caller. A busy worker takes connections many times a
    second: pinging each time would double its round trips.

    A cut seldom takes one connection: a restart or a network failure takes them all. When
    a ping fails, every idle connection is checked at once (`pool.check()`), because
    psycopg_pool would hand the others out one by one, sleeping 1, 2, 4, 8 and 16 s between
    them, and a caller would wait up to its 30 s timeout behind six dead connections."""

    IDLE_SECONDS = 1.0

    def __init__(self) -> None:
        self._last: weakref.WeakKeyDictionary[AsyncConnection, float] = weakref.WeakKeyDictionary()
        self.pool: AsyncConnectionPool | None = None

    async def __call__(self, conn: AsyncConnection) -> None:
        now = time.monotonic()
        last = self._last.get(conn)
        if last is None or now - last > self.IDLE_SECONDS or conn.broken:
            try:
                await AsyncConnectionPool.check_connection(conn)
            except Exception:
                if self.pool is not None:
                    await self.pool.check()
                raise
        self._last[conn] = now


async def _rows(conn: AsyncConnection, sql: str, params: tuple[Any, ...]) -> list[Row]:
    try:
        async with conn.cursor(row_factory=dict_row) as cur:
            await cur.execute(sql, params)
            return await cur.fetchall()
    except psycopg.Error as error:
        if error.sqlstate == STALE_CLAIM:
            raise StaleClaimError(str(error).splitlines()[0]) from error
        raise


async def _one(conn: AsyncConnection, sql: str, params: tuple[Any, ...]) -> Row:
    rows = await _rows(conn, sql, params)
    if not rows:
        raise LookupError("the query returned no row")
    return rows[0]


@dataclass(frozen=True)
class ClaimedTask:
    """A task as claim_tasks returned it. `unreadable` says why its input_data, ai_settings
    or output_schema could not be decoded (they are then empty): the task fails alone
    (report_task_failure, FailureKind.UNREADABLE_TASK), never retried."""

    task_id: uuid.UUID
    claim_token: uuid.UUID
    owner_id: uuid.UUID  # whose keys its calls use
    stage_kind: str  # generate, or grounded_search (a web search, then the verdict)
    prompt: str
    input_data: Any  # for the offline provider, which answers from it
    ai_settings: dict[str, Any]
    output_schema: dict[str, Any] | None
    unreadable: str | None = None


class FailureKind(enum.StrEnum):
    """What went wrong with a claimed task, as report_task_failure takes it. The database
    decides what each kind means (orchable.failure_kinds: its project code, and whether the
    task retries, fails for good or waits for a key); a test holds the two lists equal."""

    UNREADABLE_TASK = "unreadable_task"  # its JSON cannot be decoded by the worker
    OUTPUT_UNCHECKABLE = "output_uncheckable"  # not checkable within the worker's limits
    OVERLOADED = "overloaded"  # the model and every fallback model were overloaded
    SERVER_ERROR = "server_error"  # a 5xx, or the connection failed
    TIMEOUT = "timeout"  # no answer in time
    INVALID_OUTPUT = "invalid_output"  # not JSON, or JSON that breaks output_schema
    TOO_MANY_CALLS = "too_many_calls"  # max_calls_per_claim reached
    INVALID_REQUEST = "invalid_request"  # the provider refused the request as malformed
    INVALID_SCHEMA = "invalid_schema"  # output_schema cannot check an output
    UNKNOWN_PROVIDER = "unknown_provider"  # the stage names a provider this worker lacks
    NO_USABLE_KEY = "no_usable_key"  # every key of the provider is blocked, or none is active


@dataclass(frozen=True)
class ApiKey:
    api_key_id: uuid.UUID
    api_key: str = field(repr=False)  # never logged, never stored
    key_name: str | None
    model_preference: str | None


# The claim's JSON columns arrive as text and are decoded here, one row at a time: JSON that
# jsonb holds and Python cannot (an integer of 5,000 digits, nesting 3,000 deep) must fail
# its own task, not raise out of the claim and take every task claimed with it along.
_CLAIM_SQL = (
    "select task_id, claim_token, owner_id, stage_kind, prompt, input_data::text as input_data,"
    " ai_settings::text as ai_settings, output_schema::text as output_schema"
    " from public.claim_tasks(p_worker_id => %s::text, p_limit => %s::integer,"
    " p_lease_seconds => %s::integer)"
)

_UNREADABLE_MESSAGE_CHARS = 500


def _decode_claimed(row: Row) -> tuple[Any, dict[str, Any], dict[str, Any] | None, str | None]:
    """input_data, ai_settings and output_schema, decoded; or empty ones and why not."""
    decoded: dict[str, Any] = {}
    for column in ("input_data", "ai_settings", "output_schema"):
        text = row[column]
        try:
            decoded[column] = None if text is None else json_codec.loads(text.encode())
        except Exception as error:  # ValueError, RecursionError, MemoryError...: all of them
            reason = f"{column} cannot be decoded: {type(error).__name__}: {error}"
            return None, {}, None, reason[:_UNREADABLE_MESSAGE_CHARS]
    ai_settings = decoded["ai_settings"] or {}
    output_schema = decoded["output_schema"]
    if not isinstance(ai_settings, dict):
        return None, {}, None, "ai_settings is not a JSON object"
    if output_schema is not None and not isinstance(output_schema, dict):
        return None, {}, None, "output_schema is not a JSON object"
    return decoded["input_data"], ai_settings, output_schema, None


def _claimed(r: Row) -> ClaimedTask:
    input_data, ai_settings, output_schema, unreadable = _decode_claimed(r)
    return ClaimedTask(
        task_id=r["task_id"],
        claim_token=r["claim_token"],
        owner_id=r["owner_id"],
        stage_kind=r["stage_kind"],
        prompt=r["prompt"] or "",
        input_data=input_data,
        ai_settings=ai_settings,
        output_schema=output_schema,
        unreadable=unreadable,
    )


async def claim_tasks(
    conn: AsyncConnection, worker_id: str, limit: int, lease_seconds: int
) -> list[ClaimedTask]:
    """The tasks claimed, each with its lease and claim token; a task whose JSON cannot be
    decoded comes back with `unreadable` set, never as an exception."""
    rows = await _rows(conn, _CLAIM_SQL, (worker_id, limit, lease_seconds))
    return [_claimed(r) for r in rows]


async def report_task_failure(
    conn: AsyncConnection,
    task_id: uuid.UUID,
    claim_token: uuid.UUID,
    kind: FailureKind,
    error: str,
    provider: str | None = None,
) -> str:
    """Reports why the task did not complete; the database decides what follows and
    returns the task's new status: plan (retried after a backoff, or waiting for a key of
    `provider`, which NO_USABLE_KEY needs) or failed."""
    row = await _one(
        conn,
        "select public.report_task_failure(p_task_id => %s::uuid, p_claim_token => %s::uuid,"
        " p_kind => %s::text, p_error => %s::text, p_provider => %s::text) as status",
        (task_id, claim_token, str(kind), error, provider),
    )
    return str(row["status"])


async def extend_lease(
    conn: AsyncConnection, task_id: uuid.UUID, claim_token: uuid.UUID, lease_seconds: int
) -> dt.datetime:
    """Returns the new locked_until."""
    row = await _one(
        conn,
        "select public.extend_lease(p_task_id => %s::uuid, p_claim_token => %s::uuid,"
        " p_lease_seconds => %s::integer) as locked_until",
        (task_id, claim_token, lease_seconds),
    )
    locked_until: dt.datetime = row["locked_until"]
    return locked_until


async def release_task(
    conn: AsyncConnection,
    task_id: uuid.UUID,
    claim_token: uuid.UUID,
    delay_seconds: int = 0,
    reason: str | None = None,
) -> str:
    """Hands a claimed task back to plan without spending a retry; returns its status."""
    row = await _one(
        conn,
        "select public.release_task(p_task_id => %s::uuid, p_claim_token => %s::uuid,"
        " p_delay_seconds => %s::integer, p_reason => %s::text) as status",
        (task_id, claim_token, delay_seconds, reason),
    )
    return str(row["status"])


async def acquire_task_api_keys(
    conn: AsyncConnection,
    claims: list[tuple[uuid.UUID, uuid.UUID]],
    provider: str,
    model: str | None,
) -> list[ApiKey | None]:
    """A key for each call about to be made, named by its task and that task's claim token,
    in the order given: None for a call whose task the worker no longer holds, or whose
    owner has no usable key."""
    rows = await _rows(
        conn,
        "select * from public.acquire_task_api_keys(p_task_ids => %s::uuid[],"
        " p_claim_tokens => %s::uuid[], p_provider => %s::text, p_model => %s::text)",
        ([task for task, _ in claims], [token for _, token in claims], provider, model),
    )
    keys: list[ApiKey | None] = [None] * len(claims)
    for r in rows:
        keys[r["slot"]] = ApiKey(
            api_key_id=r["api_key_id"],
            api_key=r["api_key"],
            key_name=r["key_name"],
            model_preference=r["model_preference"],
        )
    return keys


@dataclass(frozen=True)
class KeyReport:
    """How one call with a key went, as report_api_key_result takes it. outcome: success,
    rate_limited, server_error, timeout or invalid_key."""

    api_key_id: uuid.UUID
    outcome: str
    retry_after_seconds: int | None = None
    error: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "api_key_id": str(self.api_key_id),
            "outcome": self.outcome,
            "retry_after_seconds": self.retry_after_seconds,
            "error": self.error,
        }


async def report_api_key_results(conn: AsyncConnection, reports: list[KeyReport]) -> None:
    """report_api_key_result for each report in one statement: key by key in the order of
    their ids (as acquire_api_keys locks them, so neither can deadlock the other), each
    key's reports in the order given, a run of successes written once."""
    await _one(
        conn,
        "select public.report_api_key_results(p_reports => %s::jsonb) as count",
        (json_codec.dumps([r.as_json() for r in reports]),),
    )


@dataclass(frozen=True)
class CallRecord:
    """One LLM call, as record_llm_call(s) takes it, and the claim it was made under (not
    sent: the writer holds back that claim's completion if the record is lost)."""

    task_id: uuid.UUID
    claim_token: uuid.UUID
    provider: str
    model: str
    outcome: str
    api_key_id: uuid.UUID | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int = 0
    thoughts_tokens: int = 0
    latency_ms: int | None = None
    http_status: int | None = None
    error: str | None = None
    response_id: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "task_id": str(self.task_id),
            "provider": self.provider,
            "model": self.model,
            "outcome": self.outcome,
            "api_key_id": str(self.api_key_id) if self.api_key_id else None,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "cached_tokens": self.cached_tokens,
            "thoughts_tokens": self.thoughts_tokens,
            "latency_ms": self.latency_ms,
            "http_status": self.http_status,
            "error": self.error,
            "response_id": self.response_id,
        }


@dataclass(frozen=True)
class Completion:
    """One task's result, as complete_task(s) takes it."""

    task_id: uuid.UUID
    claim_token: uuid.UUID
    output: Any
    usage: dict[str, Any] | None = None
    provenance: dict[str, Any] | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "task_id": str(self.task_id),
            "claim_token": str(self.claim_token),
            "output": self.output,
            "usage": self.usage,
            "provenance": self.provenance,
        }


async def record_llm_calls(conn: AsyncConnection, calls: list[CallRecord]) -> int:
    """Records many calls in one statement; returns how many."""
    row = await _one(
        conn,
        "select public.record_llm_calls(p_calls => %s::jsonb) as count",
        (json_codec.dumps([c.as_json() for c in calls]),),
    )
    return int(row["count"])


async def complete_tasks(conn: AsyncConnection, completions: list[Completion]) -> list[str]:
    """Completes many tasks in one statement; their statuses in order: completed, generated,
    failed (an output its split cannot use), stale (the claim is not ours: nothing changed)
    or not_found."""
    rows = await _rows(
        conn,
        "select status from public.complete_tasks(p_results => %s::jsonb)",
        (json_codec.dumps([c.as_json() for c in completions]),),
    )
    return [str(r["status"]) for r in rows]


@dataclass(frozen=True)
class TickResult:
    """What one tick() did: monitor runs and trigger launches started, interaction steps
    taken (reminders, escalations, timeouts) and rows retention deleted."""

    monitor_runs: int
    trigger_launches: int
    interaction_steps: int
    rows_deleted: int

    def __bool__(self) -> bool:
        return any(
            (self.monitor_runs, self.trigger_launches, self.interaction_steps, self.rows_deleted)
        )


async def tick(conn: AsyncConnection) -> TickResult:
    """Starts every monitor run and cron trigger launch that is due, takes the open
    interactions' due steps and, at most hourly, applies retention (safe from many workers
    at once: each due run and each step happens once)."""
    row = await _one(
        conn,
        "select monitor_runs, trigger_launches, interaction_steps, rows_deleted from public.tick()",
        (),
    )
    return TickResult(
        monitor_runs=int(row["monitor_runs"]),
        trigger_launches=int(row["trigger_launches"]),
        interaction_steps=int(row["interaction_steps"]),
        rows_deleted=int(row["rows_deleted"]),
    )


@dataclass(frozen=True)
class ClaimedDelivery:
    """A notification delivery as claim_notification_deliveries returned it: one try
    (`attempt`, from 1) of one notification to one endpoint. `delivery_id` is the
    webhook-id and the email's Message-ID, the same on every try. `unreadable` says why
    the payload could not be decoded (it is then None): the try fails, naming it."""

    delivery_id: uuid.UUID
    claim_token: uuid.UUID
    attempt: int
    endpoint_kind: str  # webhook, email or slack
    url: str | None = field(repr=False)  # may carry the receiver's token: never logged
    email_address: str | None = field(repr=False)
    # The webhook's whsec_ secret, or the Slack endpoint's bot token: never logged.
    secret: str | None = field(repr=False)
    notification_id: uuid.UUID
    notification_kind: str  # monitor.triggered, monitor.failing, interaction.requested...
    subject: str
    payload: Any
    created_at: dt.datetime
    unreadable: str | None = None
    slack_channel: str | None = None
    # An interaction's email: the answer link's token, minted for this try (only its hash
    # is kept); it answers the interaction, so it is never logged.
    link_token: str | None = field(default=None, repr=False)
    endpoint_id: uuid.UUID | None = None

    @property
    def is_interaction(self) -> bool:
        return self.notification_kind.startswith("interaction.")


_CLAIM_DELIVERIES_SQL = (
    "select delivery_id, claim_token, attempt, endpoint_kind, url, email_address, secret,"
    " notification_id, notification_kind, subject, payload::text as payload, created_at,"
    " slack_channel, link_token, endpoint_id"
    " from public.claim_notification_deliveries(p_worker_id => %s::text,"
    " p_limit => %s::integer, p_lease_seconds => %s::integer)"
)


def _claimed_delivery(r: Row) -> ClaimedDelivery:
    payload, unreadable = None, None
    try:
        payload = None if r["payload"] is None else json_codec.loads(r["payload"])
    except Exception as error:  # as for a task's JSON: this delivery fails, not the claim
        unreadable = f"payload cannot be decoded: {type(error).__name__}"
    return ClaimedDelivery(
        delivery_id=r["delivery_id"],
        claim_token=r["claim_token"],
        attempt=int(r["attempt"]),
        endpoint_kind=r["endpoint_kind"],
        url=r["url"],
        email_address=r["email_address"],
        secret=r["secret"],
        notification_id=r["notification_id"],
        notification_kind=r["notification_kind"],
        subject=r["subject"] or "",
        payload=payload,
        created_at=r["created_at"],
        unreadable=unreadable,
        slack_channel=r["slack_channel"],
        link_token=r["link_token"],
        endpoint_id=r["endpoint_id"],
    )


async def claim_notification_deliveries(
    conn: AsyncConnection, worker_id: str, limit: int, lease_seconds: int
) -> list[ClaimedDelivery]:
    """The deliveries due to active endpoints, each claimed for `lease_seconds`."""
    rows = await _rows(conn, _CLAIM_DELIVERIES_SQL, (worker_id, limit, lease_seconds))
    return [_claimed_delivery(r) for r in rows]


async def report_notification_delivery(
    conn: AsyncConnection,
    delivery_id: uuid.UUID,
    claim_token: uuid.UUID,
    outcome: str,
    status_code: int | None = None,
    error: str | None = None,
    retry_after_seconds: int | None = None,
    external_id: str | None = None,
) -> str:
    """How a try went (outcome: delivered, failed or gone; what the receiver calls what it
    got, if it says); the database decides what follows and returns the delivery's new
    status: delivered, pending (tried again later) or dead. A claim that is no longer ours
    raises StaleClaimError."""
    row = await _one(
        conn,
        "select public.report_notification_delivery(p_delivery_id => %s::uuid,"
        " p_claim_token => %s::uuid, p_outcome => %s::text, p_status_code => %s::integer,"
        " p_error => %s::text, p_retry_after_seconds => %s::integer,"
        " p_external_id => %s::text) as status",
        (delivery_id, claim_token, outcome, status_code, error, retry_after_seconds, external_id),
    )
    return str(row["status"])


TASKS_CHANNEL = "orchable_tasks"


async def listen_for_tasks(conn: AsyncConnection) -> None:
    """LISTEN on the channel the ai_tasks trigger notifies when tasks become runnable.
    Needs a direct or session-mode connection (not a transaction-mode pooler)."""
    await conn.execute(f"listen {TASKS_CHANNEL}")
