"""The RPCs and reads an operator uses (the CLI): one function each, SQL only here.

They run as the connection's role. Connected directly (psql-style, as postgres or
service_role) there is no signed-in user, so the functions that need an owner take one.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import time
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import dict_row

Row = dict[str, Any]
Params = tuple[Any, ...] | dict[str, Any]


async def _one(conn: AsyncConnection, sql: str, params: Params = ()) -> Row:
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(sql, params)
        row = await cur.fetchone()
    if row is None:
        raise LookupError("the query returned no row")
    return row


async def _all(conn: AsyncConnection, sql: str, params: Params = ()) -> list[Row]:
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(sql, params)
        return await cur.fetchall()


async def upsert_orchestrator(conn: AsyncConnection, definition: dict[str, Any]) -> Row:
    return await _one(
        conn,
        "select * from public.upsert_orchestrator(p_definition => %s::jsonb)",
        (json.dumps(definition),),
    )


async def find_orchestrator(
    conn: AsyncConnection, name_or_id: str, owner_id: uuid.UUID | None = None
) -> Row | None:
    """The pipeline with this id or name (of owner_id, when given); LookupError when
    several owners' pipelines share the name."""
    rows = await _all(
        conn,
        "select id, name, owner_id from public.orchestrators"
        " where (id::text = %s::text or name = %s::text)"
        " and (%s::uuid is null or owner_id = %s::uuid) order by updated_at desc",
        (name_or_id, name_or_id, owner_id, owner_id),
    )
    if len(rows) > 1:
        owners = ", ".join(str(r["owner_id"]) for r in rows)
        raise LookupError(
            f"several pipelines are named {name_or_id!r} (owners {owners}): use the id"
        )
    return rows[0] if rows else None


async def launch_batch(
    conn: AsyncConnection,
    orchestrator_id: uuid.UUID,
    inputs: list[Any],
    name: str | None = None,
    config: dict[str, Any] | None = None,
    idempotency_key: str | None = None,
) -> Row:
    return await _one(
        conn,
        "select * from public.launch_batch(p_orchestrator_id => %s::uuid, p_inputs => %s::jsonb,"
        " p_name => %s::text, p_config => %s::jsonb, p_idempotency_key => %s::text)",
        (orchestrator_id, json.dumps(inputs), name, json.dumps(config or {}), idempotency_key),
    )


async def batch_progress(
    conn: AsyncConnection, batch_ids: list[uuid.UUID] | None = None
) -> list[Row]:
    """v_batch_progress rows: every batch, or the given ones, newest first."""
    return await _all(
        conn,
        "select p.*, b.created_at from public.v_batch_progress as p"
        " join public.task_batches as b on b.id = p.batch_id"
        " where %s::uuid[] is null or p.batch_id = any(%s::uuid[])"
        " order by b.created_at desc limit 20",
        (batch_ids, batch_ids),
    )


async def stage_progress(conn: AsyncConnection, batch_id: uuid.UUID) -> list[Row]:
    return await _all(
        conn,
        "select s.* from public.v_stage_progress as s"
        " where s.batch_id = %s::uuid order by s.step_number, s.stage_key",
        (batch_id,),
    )


async def tasks_awaiting_approval(conn: AsyncConnection, batch_id: uuid.UUID) -> list[Row]:
    return await _all(
        conn,
        "select id, stage_key, input_data, output_data from public.ai_tasks"
        " where batch_id = %s::uuid and status = 'generated' order by created_at",
        (batch_id,),
    )


async def approve_task(conn: AsyncConnection, task_id: uuid.UUID, output: Any = None) -> str:
    row = await _one(
        conn,
        "select public.approve_task(p_task_id => %s::uuid, p_output => %s::jsonb) as status",
        (task_id, None if output is None else json.dumps(output)),
    )
    return str(row["status"])


async def reject_task(
    conn: AsyncConnection, task_id: uuid.UUID, reason: str, regenerate: bool
) -> str:
    row = await _one(
        conn,
        "select public.reject_task(p_task_id => %s::uuid, p_reason => %s::text,"
        " p_regenerate => %s::boolean) as status",
        (task_id, reason, regenerate),
    )
    return str(row["status"])


async def retry_task(conn: AsyncConnection, task_id: uuid.UUID) -> str:
    row = await _one(conn, "select public.retry_task(p_task_id => %s::uuid) as status", (task_id,))
    return str(row["status"])


async def retry_batch(conn: AsyncConnection, batch_id: uuid.UUID) -> int:
    row = await _one(
        conn, "select public.retry_batch(p_batch_id => %s::uuid) as count", (batch_id,)
    )
    return int(row["count"])


async def add_api_key(
    conn: AsyncConnection,
    provider: str,
    api_key: str,
    key_name: str | None,
    priority: int,
    model_preference: str | None,
    owner_id: uuid.UUID | None,
) -> Row:
    return await _one(
        conn,
        "select id, key_name, key_prefix, provider, priority from public.add_api_key("
        "p_provider => %s::text, p_api_key => %s::text, p_key_name => %s::text,"
        " p_priority => %s::integer, p_model_preference => %s::text, p_owner_id => %s::uuid)",
        (provider, api_key, key_name, priority, model_preference, owner_id),
    )


async def list_api_keys(conn: AsyncConnection, owner_id: uuid.UUID | None) -> list[Row]:
    return await _all(
        conn,
        "select k.id, k.owner_id, k.provider, k.key_name, k.key_prefix, k.is_active, k.priority,"
        " k.model_preference, h.consecutive_failures, h.blocked_until, h.block_reason,"
        " h.last_used_at"
        " from public.user_api_keys as k"
        " left join public.api_key_health as h on h.user_api_key_id = k.id"
        " where %s::uuid is null or k.owner_id = %s::uuid"
        " order by k.provider, k.priority desc, k.key_name",
        (owner_id, owner_id),
    )


async def cost_by_model(conn: AsyncConnection, batch_ids: list[uuid.UUID]) -> list[Row]:
    return await _all(
        conn,
        "select provider, model, count(*) as calls,"
        " count(*) filter (where outcome = 'success') as succeeded,"
        " sum(input_tokens) as input_tokens, sum(output_tokens) as output_tokens,"
        " sum(cost_usd) as cost_usd"
        " from public.llm_calls where batch_id = any(%s::uuid[])"
        " group by provider, model order by provider, model",
        (batch_ids,),
    )


async def batch_outputs(conn: AsyncConnection, batch_id: uuid.UUID, stage_key: str) -> list[Row]:
    return await _all(
        conn,
        "select t.id, r.input_data as root_input, t.output_data, t.status"
        " from public.ai_tasks as t join public.ai_tasks as r on r.id = t.root_task_id"
        " where t.batch_id = %s::uuid and t.stage_key = %s::text order by r.created_at",
        (batch_id, stage_key),
    )


# --- monitors, templates and triggers ----------------------------------------------------
# Times an owner reads are also returned on the wall clock of the row's time zone
# (`*_local`, naive timestamps), as the database, which schedules them, reads that zone.

_MONITOR_COLUMNS = (
    "m.id, m.owner_id, m.name, m.state, m.schedule, m.timezone, m.notify_behavior, m.config,"
    " m.search_query, m.condition_description, m.condition_met, m.consecutive_failures,"
    " m.template_id, m.next_run_at, m.next_run_at at time zone m.timezone as next_run_local,"
    " m.last_notified_at at time zone m.timezone as last_notified_local"
)


async def create_monitor(
    conn: AsyncConnection,
    name: str,
    search_query: str,
    condition_description: str,
    schedule: str,
    timezone: str,
    notify_behavior: str,
    config: dict[str, Any],
    owner_id: uuid.UUID | None,
) -> Row:
    return await _one(
        conn,
        f"select {_MONITOR_COLUMNS} from public.create_monitor("
        "p_name => %s::text, p_search_query => %s::text, p_condition_description => %s::text,"
        " p_schedule => %s::text, p_timezone => %s::text, p_notify_behavior => %s::text,"
        " p_config => %s::jsonb, p_owner_id => %s::uuid) as m",
        (
            name,
            search_query,
            condition_description,
            schedule,
            timezone,
            notify_behavior,
            json.dumps(config),
            owner_id,
        ),
    )


async def create_monitor_from_template(
    conn: AsyncConnection,
    template_id: uuid.UUID,
    values: dict[str, str],
    name: str | None,
    schedule: str | None,
    timezone: str,
    owner_id: uuid.UUID | None,
) -> Row:
    return await _one(
        conn,
        f"select {_MONITOR_COLUMNS} from public.create_monitor_from_template("
        "p_template_id => %s::uuid, p_values => %s::jsonb, p_name => %s::text,"
        " p_schedule => %s::text, p_timezone => %s::text, p_owner_id => %s::uuid) as m",
        (template_id, json.dumps(values), name, schedule, timezone, owner_id),
    )


async def _find_named(
    conn: AsyncConnection,
    what: str,
    select: str,
    alias: str,
    name_or_id: str,
    owner_id: uuid.UUID | None,
) -> Row | None:
    """The row `select` (whose table is aliased `alias`) reads with this id or name, of
    owner_id when given; LookupError naming the ids when several share the name."""
    rows = await _all(
        conn,
        f"{select} where ({alias}.id::text = %s::text or {alias}.name = %s::text)"
        f" and (%s::uuid is null or {alias}.owner_id = %s::uuid)"
        f" order by {alias}.created_at desc",
        (name_or_id, name_or_id, owner_id, owner_id),
    )
    if len(rows) > 1:
        ids = ", ".join(str(r["id"]) for r in rows)
        raise LookupError(f"several {what} are named {name_or_id!r} ({ids}): use the id")
    return rows[0] if rows else None


async def find_monitor(
    conn: AsyncConnection, name_or_id: str, owner_id: uuid.UUID | None = None
) -> Row | None:
    """The monitor with this id or name (of owner_id, when given); LookupError when several
    share the name."""
    return await _find_named(
        conn,
        "monitors",
        f"select {_MONITOR_COLUMNS} from public.monitors as m",
        "m",
        name_or_id,
        owner_id,
    )


async def list_monitors(conn: AsyncConnection, owner_id: uuid.UUID | None) -> list[Row]:
    return await _all(
        conn,
        f"select {_MONITOR_COLUMNS} from public.monitors as m"
        " where %s::uuid is null or m.owner_id = %s::uuid"
        " order by m.owner_id, m.name, m.created_at",
        (owner_id, owner_id),
    )


async def pause_monitor(conn: AsyncConnection, monitor_id: uuid.UUID) -> Row:
    return await _one(
        conn,
        f"select {_MONITOR_COLUMNS} from public.pause_monitor(p_monitor_id => %s::uuid) as m",
        (monitor_id,),
    )


async def resume_monitor(conn: AsyncConnection, monitor_id: uuid.UUID) -> Row:
    return await _one(
        conn,
        f"select {_MONITOR_COLUMNS} from public.resume_monitor(p_monitor_id => %s::uuid) as m",
        (monitor_id,),
    )


async def run_monitor_now(conn: AsyncConnection, monitor_id: uuid.UUID, notify: bool) -> Row:
    return await _one(
        conn,
        "select e.id, e.batch_id, e.task_id, e.status, e.dry_run"
        " from public.run_monitor_now(p_monitor_id => %s::uuid, p_notify => %s::boolean) as e",
        (monitor_id, notify),
    )


async def monitor_executions(conn: AsyncConnection, monitor_id: uuid.UUID, limit: int) -> list[Row]:
    """The monitor's latest executions, newest first."""
    return await _all(
        conn,
        "select e.id, e.status, e.dry_run, e.started_at at time zone m.timezone as started_local,"
        " e.condition_met, e.notified, e.notify_reason, e.grounded, e.change_summary,"
        " e.error_message, e.cost_usd, e.batch_id"
        " from public.monitor_executions as e join public.monitors as m on m.id = e.monitor_id"
        " where e.monitor_id = %s::uuid order by e.started_at desc, e.id desc limit %s::integer",
        (monitor_id, limit),
    )


async def list_templates(conn: AsyncConnection) -> list[Row]:
    """The active templates, each with its {placeholder}s in the order they first appear."""
    return await _all(
        conn,
        "select t.id, t.name, t.category, t.description, t.search_query,"
        " t.condition_description, t.schedule, t.notify_behavior,"
        " array(select r.found[1] from regexp_matches("
        r" t.search_query || ' ' || t.condition_description, '\{([A-Za-z_][A-Za-z0-9_]*)\}', 'g')"
        " with ordinality as r (found, n) group by r.found[1] order by min(r.n)) as placeholders"
        " from public.monitor_templates as t where t.state = 'active' order by t.category, t.name",
    )


async def find_template(conn: AsyncConnection, name_or_id: str) -> Row | None:
    """The template with this id or name (its exact name first, then ignoring case);
    LookupError when several names differ only in case."""
    rows = await _all(
        conn,
        "select t.id, t.name, t.state from public.monitor_templates as t"
        " where t.id::text = %s::text or lower(t.name) = lower(%s::text) order by t.name",
        (name_or_id, name_or_id),
    )
    exact = [r for r in rows if str(r["id"]) == name_or_id or r["name"] == name_or_id]
    if exact:
        return exact[0]
    if len(rows) > 1:
        names = ", ".join(repr(r["name"]) for r in rows)
        raise LookupError(f"several templates match {name_or_id!r} ({names}): use the exact name")
    return rows[0] if rows else None


async def next_runs(
    conn: AsyncConnection, schedule: str, timezone: str, after: Any, count: int
) -> list[Any]:
    """The next `count` times the schedule fires after `after` (a timestamptz), on the wall
    clock of `timezone`, by cron_next_run."""
    rows = await _all(
        conn,
        "with recursive runs (n, at) as ("
        " select 1, public.cron_next_run(%(schedule)s::text, %(after)s::timestamptz,"
        " %(timezone)s::text)"
        " union all"
        " select n + 1, public.cron_next_run(%(schedule)s::text, at, %(timezone)s::text)"
        " from runs where n < %(count)s::integer and at is not null)"
        " select at at time zone %(timezone)s::text as local_at from runs"
        " where at is not null order by n",
        {"schedule": schedule, "timezone": timezone, "after": after, "count": count},
    )
    return [r["local_at"] for r in rows]


_TRIGGER_COLUMNS = (
    "t.id, t.owner_id, t.name, t.kind, t.schedule, t.timezone, t.state, t.inputs, t.config,"
    " t.next_run_at, t.next_run_at at time zone t.timezone as next_run_local,"
    " t.last_run_at at time zone t.timezone as last_run_local, t.last_batch_id, t.last_error"
)


async def add_trigger(
    conn: AsyncConnection,
    orchestrator_id: uuid.UUID,
    name: str,
    kind: str,
    schedule: str | None,
    timezone: str,
    inputs: list[Any],
    config: dict[str, Any],
    access_key_id: uuid.UUID | None = None,
) -> Row:
    return await _one(
        conn,
        f"select {_TRIGGER_COLUMNS} from public.add_trigger("
        "p_orchestrator_id => %s::uuid, p_name => %s::text, p_kind => %s::text,"
        " p_schedule => %s::text, p_timezone => %s::text, p_inputs => %s::jsonb,"
        " p_config => %s::jsonb, p_access_key_id => %s::uuid) as t",
        (
            orchestrator_id,
            name,
            kind,
            schedule,
            timezone,
            json.dumps(inputs),
            json.dumps(config),
            access_key_id,
        ),
    )


async def list_triggers(conn: AsyncConnection, owner_id: uuid.UUID | None) -> list[Row]:
    return await _all(
        conn,
        f"select {_TRIGGER_COLUMNS}, o.name as pipeline,"
        " k.name as access_key_name, k.key_prefix as access_key_prefix,"
        " k.revoked_at is not null as access_key_revoked"
        " from public.triggers as t join public.orchestrators as o on o.id = t.orchestrator_id"
        " left join public.access_keys as k on k.id = t.access_key_id"
        " where %s::uuid is null or t.owner_id = %s::uuid"
        " order by o.name, t.name",
        (owner_id, owner_id),
    )


# --- access keys and notifications -------------------------------------------------------
# Only the columns every API role may read: never access_keys.key_hash, nor an endpoint's
# encrypted secret. Times an owner reads are returned in UTC (`*_utc`, naive timestamps).


async def create_access_key(
    conn: AsyncConnection,
    name: str,
    owner_id: uuid.UUID | None,
    scopes: list[str] | None = None,
) -> Row:
    """The new key's id, the key (the only time it is shown) and its prefix."""
    return await _one(
        conn,
        "select k.id, k.key, k.key_prefix from public.create_access_key(p_name => %s::text,"
        " p_scopes => coalesce(%s::text[], '{trigger_webhook}'), p_owner_id => %s::uuid) as k",
        (name, scopes, owner_id),
    )


_ACCESS_KEY_COLUMNS = (
    "k.id, k.owner_id, k.name, k.key_prefix, k.scopes, k.created_at at time zone 'UTC' as"
    " created_utc, k.last_used_at at time zone 'UTC' as last_used_utc,"
    " k.revoked_at, k.revoked_at at time zone 'UTC' as revoked_utc"
)


async def find_access_key(
    conn: AsyncConnection, name_or_id: str, owner_id: uuid.UUID | None = None
) -> Row | None:
    """The access key with this id, or the unrevoked one with this name (of owner_id, when
    given); LookupError when several share the name."""
    rows = await _all(
        conn,
        f"select {_ACCESS_KEY_COLUMNS} from public.access_keys as k"
        " where (k.id::text = %s::text or (k.name = %s::text and k.revoked_at is null))"
        " and (%s::uuid is null or k.owner_id = %s::uuid)"
        " order by k.created_at desc",
        (name_or_id, name_or_id, owner_id, owner_id),
    )
    if len(rows) > 1:
        ids = ", ".join(str(r["id"]) for r in rows)
        raise LookupError(f"several access keys are named {name_or_id!r} ({ids}): use the id")
    return rows[0] if rows else None


async def list_access_keys(conn: AsyncConnection, owner_id: uuid.UUID | None) -> list[Row]:
    """Access keys (the unrevoked first), each with the webhook trigger it launches."""
    return await _all(
        conn,
        f"select {_ACCESS_KEY_COLUMNS}, t.name as trigger_name, o.name as pipeline"
        " from public.access_keys as k"
        " left join public.triggers as t on t.access_key_id = k.id"
        " left join public.orchestrators as o on o.id = t.orchestrator_id"
        " where %s::uuid is null or k.owner_id = %s::uuid"
        " order by k.owner_id, k.revoked_at is not null, k.name, k.created_at",
        (owner_id, owner_id),
    )


async def revoke_access_key(conn: AsyncConnection, access_key_id: uuid.UUID) -> Row:
    return await _one(
        conn,
        f"select {_ACCESS_KEY_COLUMNS}"
        " from public.revoke_access_key(p_access_key_id => %s::uuid) as k",
        (access_key_id,),
    )


async def add_notification_endpoint(
    conn: AsyncConnection,
    kind: str,
    name: str,
    url: str | None,
    email_address: str | None,
    secret: str | None,
    quiet_hours_start: time | None,
    quiet_hours_end: time | None,
    quiet_hours_timezone: str,
    owner_id: uuid.UUID | None,
) -> Row:
    """The new endpoint's id and, for a webhook, its signing secret (the only time it is
    shown)."""
    return await _one(
        conn,
        "select e.id, e.secret from public.add_notification_endpoint("
        "p_kind => %s::text, p_name => %s::text, p_url => %s::text,"
        " p_email_address => %s::text, p_secret => %s::text, p_quiet_hours_start => %s::time,"
        " p_quiet_hours_end => %s::time, p_quiet_hours_timezone => %s::text,"
        " p_owner_id => %s::uuid) as e",
        (
            kind,
            name,
            url,
            email_address,
            secret,
            quiet_hours_start,
            quiet_hours_end,
            quiet_hours_timezone,
            owner_id,
        ),
    )


_ENDPOINT_COLUMNS = (
    "e.id, e.owner_id, e.kind, e.name, e.url, e.email_address, e.secret_prefix, e.is_active,"
    " e.disabled_reason, e.quiet_hours_start, e.quiet_hours_end, e.quiet_hours_timezone"
)


async def find_endpoint(
    conn: AsyncConnection, name_or_id: str, owner_id: uuid.UUID | None = None
) -> Row | None:
    """The notification endpoint with this id or name (of owner_id, when given);
    LookupError when several owners' endpoints share the name."""
    return await _find_named(
        conn,
        "endpoints",
        f"select {_ENDPOINT_COLUMNS} from public.notification_endpoints as e",
        "e",
        name_or_id,
        owner_id,
    )


async def list_endpoints(conn: AsyncConnection, owner_id: uuid.UUID | None) -> list[Row]:
    return await _all(
        conn,
        f"select {_ENDPOINT_COLUMNS} from public.notification_endpoints as e"
        " where %s::uuid is null or e.owner_id = %s::uuid"
        " order by e.owner_id, e.name",
        (owner_id, owner_id),
    )


async def send_test_notification(conn: AsyncConnection, endpoint_id: uuid.UUID) -> Row:
    """The test notification's id and its one delivery's (read by a second statement: the
    first one's snapshot does not see the rows the function writes)."""
    sent = await _one(
        conn,
        "select public.send_test_notification(p_endpoint_id => %s::uuid) as notification_id",
        (endpoint_id,),
    )
    delivery = await _one(
        conn,
        "select d.id as delivery_id from public.notification_deliveries as d"
        " where d.notification_id = %s::uuid and d.endpoint_id = %s::uuid",
        (sent["notification_id"], endpoint_id),
    )
    return {**sent, **delivery}


async def list_notifications(
    conn: AsyncConnection, owner_id: uuid.UUID | None, limit: int
) -> list[Row]:
    """The latest `limit` notifications, newest first: one row per delivery (one with no
    delivery when it went to no endpoint), each delivery's endpoint named."""
    return await _all(
        conn,
        "with n as (select n.id, n.kind, n.subject, n.created_at from public.notifications as n"
        " where %s::uuid is null or n.owner_id = %s::uuid"
        " order by n.created_at desc, n.id desc limit %s::integer)"
        " select n.id, n.kind, n.subject, n.created_at at time zone 'UTC' as created_utc,"
        " d.id as delivery_id, e.name as endpoint, d.status, d.attempts,"
        " d.next_attempt_at > now() as waiting,"
        " d.next_attempt_at at time zone 'UTC' as next_attempt_utc,"
        " d.last_status_code, d.last_error"
        " from n left join public.notification_deliveries as d on d.notification_id = n.id"
        " left join public.notification_endpoints as e on e.id = d.endpoint_id"
        " order by n.created_at desc, n.id desc, e.name, d.id",
        (owner_id, owner_id, limit),
    )


async def redeliver_notification(conn: AsyncConnection, delivery_id: uuid.UUID) -> Row:
    return await _one(
        conn,
        "select d.id, d.notification_id, d.status, d.attempts, e.name as endpoint"
        " from public.redeliver_notification(p_delivery_id => %s::uuid) as d"
        " join public.notification_endpoints as e on e.id = d.endpoint_id",
        (delivery_id,),
    )


@asynccontextmanager
async def signed_in_as(conn: AsyncConnection, user_id: uuid.UUID) -> AsyncIterator[None]:
    """Runs the block as `user_id` exactly as PostgREST would (role authenticated, the
    user's claims), in one transaction: row-level security and auth.uid() see that user.
    The connection's login must be able to SET ROLE authenticated (postgres can)."""
    claims = json.dumps({"sub": str(user_id), "role": "authenticated"})
    async with conn.transaction():
        await conn.execute("set local role authenticated")
        await conn.execute("select set_config('request.jwt.claims', %s, true)", (claims,))
        yield


async def my_interactions(conn: AsyncConnection) -> list[Row]:
    """The signed-in user's open interactions, oldest first (use within signed_in_as)."""
    return await _all(conn, "select * from public.v_my_interactions order by created_at, id")


async def my_interaction(conn: AsyncConnection, interaction_id: uuid.UUID) -> Row | None:
    rows = await _all(
        conn, "select * from public.v_my_interactions where id = %s::uuid", (interaction_id,)
    )
    return rows[0] if rows else None


async def respond_to_interaction(
    conn: AsyncConnection, interaction_id: uuid.UUID, response: dict[str, Any]
) -> Row:
    """Answers as the signed-in user (use within signed_in_as): outcome settled, counted,
    late or duplicate, the interaction's status and its approvals so far."""
    return await _one(
        conn,
        "select * from public.respond_to_interaction("
        "p_interaction_id => %s::uuid, p_response => %s::jsonb)",
        (interaction_id, json.dumps(response)),
    )
