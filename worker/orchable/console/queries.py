"""The console's SQL: one function per read or action, each run inside `as_user`.

Reads go through the tables and views users may read (row-level security decides the
rows); every change is one of the existing RPCs, which check ownership and state. No
read counts a large table: the batch list reads task_batches' counters, and a batch's
task tree is read a page of inputs (root tasks) at a time through root_task_id."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import dict_row

Row = dict[str, Any]
Params = tuple[Any, ...] | dict[str, Any]


@asynccontextmanager
async def as_user(
    conn: AsyncConnection,
    claims: dict[str, Any],
    *,
    read_only: bool,
    statement_timeout_ms: int,
) -> AsyncIterator[None]:
    """One request as PostgREST runs it: a transaction (read only for reads) whose role is
    `authenticated` and whose `request.jwt.claims` are the user's, both set local. JIT is
    off: compiling a plan costs more than the console's reads through their indexes take
    (12 ms against the 20 ms of counting a 100,000-task batch)."""
    async with conn.transaction():
        if read_only:
            await conn.execute("set transaction read only")
        await conn.execute(
            "select set_config('role', 'authenticated', true),"
            " set_config('request.jwt.claims', %s::text, true),"
            " set_config('statement_timeout', %s::text, true),"
            " set_config('jit', 'off', true)",
            (json.dumps(claims), str(statement_timeout_ms)),
        )
        yield


async def sign_in_with_access_key(conn: AsyncConnection, key: str) -> Row:
    """Whom an access key with the console scope signs in (user_id, email), asked as
    orchable serve itself in a transaction of its own (it marks the key used); raises
    OR035 for a key that is not valid."""
    async with conn.transaction():
        row = await _one(conn, "select * from public.sign_in_with_access_key(%s)", (key,))
    assert row is not None  # the function raises rather than answering nothing
    return row


async def _one(conn: AsyncConnection, sql: str, params: Params = ()) -> Row | None:
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(sql, params)
        return await cur.fetchone()


async def _all(conn: AsyncConnection, sql: str, params: Params = ()) -> list[Row]:
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(sql, params)
        return await cur.fetchall()


# --- reads ---------------------------------------------------------------------------------

_BATCH_COLUMNS = (
    "b.id, b.name, b.status, b.status_reason, b.orchestrator_id, o.name as pipeline_name,"
    " b.total_tasks, b.completed_tasks, b.failed_tasks, b.spent_usd, b.config,"
    " b.created_at, b.updated_at, b.started_at, b.finished_at"
)


async def list_batches(
    conn: AsyncConnection,
    *,
    statuses: list[str] | None,
    pipeline_id: uuid.UUID | None,
    before: tuple[dt.datetime, uuid.UUID] | None,
    limit: int,
) -> list[Row]:
    """The user's batches, newest first, from task_batches' own counters; a page after
    the keyset `before` (created_at, id). Reads task_batches_owner_id_created_at_idx.
    A running batch's time left is its inputs left at the pace of its inputs so far, from
    the counters too (a batch's page has the pace of its last 5 minutes)."""
    before_at, before_id = before if before is not None else (None, None)
    return await _all(
        conn,
        f"select {_BATCH_COLUMNS},"
        " case when b.status = 'processing' and b.completed_tasks + b.failed_tasks > 0"
        " then round(extract(epoch from now() - coalesce(b.started_at, b.created_at))"
        " * (b.total_tasks - b.completed_tasks - b.failed_tasks)"
        " / (b.completed_tasks + b.failed_tasks))::float8 end as eta_seconds"
        " from public.task_batches as b"
        " join public.orchestrators as o on o.id = b.orchestrator_id"
        " where (%(statuses)s::text[] is null or b.status = any(%(statuses)s::text[]))"
        " and (%(pipeline)s::uuid is null or b.orchestrator_id = %(pipeline)s::uuid)"
        " and (%(before_at)s::timestamptz is null"
        " or (b.created_at, b.id) < (%(before_at)s::timestamptz, %(before_id)s::uuid))"
        " order by b.created_at desc, b.id desc"
        " limit %(limit)s::integer",
        {
            "statuses": statuses,
            "pipeline": pipeline_id,
            "before_at": before_at,
            "before_id": before_id,
            "limit": limit,
        },
    )


TASK_STATUSES = ("plan", "processing", "generated", "completed", "failed", "cancelled")


async def batch_stages(conn: AsyncConnection, batch_id: uuid.UUID) -> list[Row]:
    """Task counts by status for each stage of the batch, in the order of the tree: the
    batch's tasks are counted once, by stage and status, from
    ai_tasks_batch_id_owner_id_stage_key_status_idx alone (it includes step_number)."""
    rows = await _all(
        conn,
        "select t.stage_key, t.status, min(t.step_number) as step_number, count(*) as tasks"
        " from public.ai_tasks as t where t.batch_id = %s::uuid"
        " group by t.stage_key, t.status",
        (batch_id,),
    )
    stages: dict[str, Row] = {}
    for row in rows:
        stage = stages.setdefault(
            row["stage_key"],
            {
                "stage_key": row["stage_key"],
                "step_number": row["step_number"],
                "task_count": 0,
                **{f"{status}_count": 0 for status in TASK_STATUSES},
            },
        )
        stage["step_number"] = min(stage["step_number"], row["step_number"])
        stage["task_count"] += row["tasks"]
        stage[f"{row['status']}_count"] += row["tasks"]
    return sorted(stages.values(), key=lambda s: (s["step_number"], s["stage_key"]))


async def batch(conn: AsyncConnection, batch_id: uuid.UUID, stages: list[Row]) -> Row | None:
    """One batch: its row and counters, its calls, tokens and cost (summed from
    llm_calls_batch_id_owner_id_created_at_idx alone), its budget and pace, and its task
    counts by status and time left, from `stages` (batch_stages), as v_batch_progress has
    them without counting the batch's tasks a second time."""
    row = await _one(
        conn,
        f"select {_BATCH_COLUMNS},"
        " case when b.total_tasks = 0 then 0"
        " else round(100.0 * (b.completed_tasks + b.failed_tasks) / b.total_tasks, 1)"
        " end::numeric(5, 1) as percent_done,"
        " c.llm_call_count, c.input_tokens, c.output_tokens, c.cached_tokens, c.cost_usd,"
        " case when jsonb_typeof(b.config -> 'budget_usd') = 'number'"
        " then (b.config ->> 'budget_usd')::numeric end as budget_usd,"
        " r.tasks_per_minute"
        " from public.task_batches as b"
        " join public.orchestrators as o on o.id = b.orchestrator_id"
        " cross join lateral (select count(*) as llm_call_count,"
        " coalesce(sum(l.input_tokens), 0)::bigint as input_tokens,"
        " coalesce(sum(l.output_tokens), 0)::bigint as output_tokens,"
        " coalesce(sum(l.cached_tokens), 0)::bigint as cached_tokens,"
        " coalesce(sum(l.cost_usd), 0)::numeric(14, 8) as cost_usd"
        " from public.llm_calls as l where l.batch_id = b.id) as c"
        " cross join lateral (select round(count(*) / 5.0, 2) as tasks_per_minute"
        " from public.task_events as e where e.batch_id = b.id and e.event = 'task_status'"
        " and e.to_status = 'completed' and e.created_at >= now() - interval '5 minutes') as r"
        " where b.id = %s::uuid",
        (batch_id,),
    )
    if row is None:
        return None
    for status in TASK_STATUSES:
        row[f"{status}_count"] = sum(stage[f"{status}_count"] for stage in stages)
    left = row["plan_count"] + row["processing_count"] + row["generated_count"]
    pace = row["tasks_per_minute"]
    row["eta_seconds"] = round(left * 60 / float(pace)) if pace else None
    return row


async def batch_inputs(
    conn: AsyncConnection, batch_id: uuid.UUID, *, after: uuid.UUID | None, limit: int
) -> list[uuid.UUID]:
    """A page of the batch's inputs (root task ids) in launch order, after `after`
    (batch_inputs: from the batch's index of orchable.task_trees); OR005 if the batch is
    not the user's."""
    rows = await _all(
        conn,
        "select i.id from public.batch_inputs(%s::uuid, %s::uuid, %s::integer) as i (id)",
        (batch_id, after, limit),
    )
    return [row["id"] for row in rows]


async def trees(conn: AsyncConnection, root_ids: list[uuid.UUID]) -> list[Row]:
    """Every task of these inputs' trees (ai_tasks_root_task_id_idx), in the order they
    were made (so parents first), branches in split order."""
    return await _all(
        conn,
        "select t.id, t.parent_task_id, t.root_task_id, t.stage_key, t.status, t.step_number,"
        " t.branch_index, t.retry_count, t.error_message, t.created_at, t.updated_at,"
        " t.completed_at,"
        " case when t.parent_task_id is null then left(t.input_data::text, 160) end"
        " as input_preview"
        " from public.ai_tasks as t where t.root_task_id = any(%s::uuid[])"
        " order by t.created_at, t.branch_index nulls first, t.id",
        (root_ids,),
    )


async def batch_timeline(conn: AsyncConnection, batch_id: uuid.UUID, limit: int) -> list[Row]:
    """The batch's latest `limit` events (v_batch_timeline), in the order they happened."""
    rows = await _all(
        conn,
        "select e.event_id, e.created_at, e.event, e.category, e.level, e.message,"
        " e.stage_key, e.task_id, e.from_status, e.to_status, e.progress"
        " from public.v_batch_timeline as e where e.batch_id = %s::uuid"
        " order by e.event_id desc limit %s::integer",
        (batch_id, limit),
    )
    return rows[::-1]


async def task(conn: AsyncConnection, task_id: uuid.UUID) -> Row | None:
    return await _one(
        conn,
        "select t.id, t.batch_id, b.name as batch_name, b.status as batch_status,"
        " t.orchestrator_id, t.stage_key, t.task_type, t.status, t.input_data, t.output_data,"
        " t.error_message, t.error_code, t.prompt_template_id, t.parent_task_id,"
        " t.root_task_id, t.step_number, t.branch_index, t.requires_approval, t.approved_at,"
        " t.retry_count, t.max_retries, t.usage, t.created_at, t.updated_at, t.started_at,"
        " t.completed_at"
        " from public.ai_tasks as t join public.task_batches as b on b.id = t.batch_id"
        " where t.id = %s::uuid",
        (task_id,),
    )


async def stage_template(conn: AsyncConnection, template_id: str) -> Row | None:
    """The stage version a task ran: its prompt, schema, and how to show its output."""
    return await _one(
        conn,
        "select p.id, p.stage_key, p.name, p.description, p.template, p.version,"
        " p.output_schema, p.view_config, p.custom_component_id, p.requires_approval,"
        " p.stage_config, p.default_ai_settings"
        " from public.prompt_templates as p where p.id = %s::text",
        (template_id,),
    )


async def component(conn: AsyncConnection, component_id: uuid.UUID) -> Row | None:
    """A custom component the user may read (their own or a public one): its TSX."""
    return await _one(
        conn,
        "select c.id, c.name, c.description, c.code, c.is_public, c.created_by, c.updated_at"
        " from public.custom_components as c where c.id = %s::uuid",
        (component_id,),
    )


async def components(conn: AsyncConnection, limit: int) -> list[Row]:
    """The custom components the user may read: their own first, then the public ones, by
    name (custom_components_created_by_idx and custom_components_public_idx)."""
    return await _all(
        conn,
        "select c.id, c.name, c.description, c.code, c.mock_data, c.is_public, c.created_by,"
        " c.created_by = (select auth.uid()) as mine, c.created_at, c.updated_at"
        " from public.custom_components as c"
        " order by c.created_by = (select auth.uid()) desc, c.name, c.id limit %s::integer",
        (limit,),
    )


async def task_calls(conn: AsyncConnection, task_id: uuid.UUID) -> list[Row]:
    """The task's LLM calls, with the display prefix of the key each used (never a key)."""
    return await _all(
        conn,
        "select l.id, l.provider, l.model, l.attempt, l.outcome, l.http_status, l.error,"
        " l.input_tokens, l.output_tokens, l.cached_tokens, l.thoughts_tokens, l.latency_ms,"
        " l.cost_usd, l.created_at, k.key_prefix, k.key_name"
        " from public.llm_calls as l"
        " left join public.user_api_keys as k on k.id = l.api_key_id"
        " where l.task_id = %s::uuid order by l.created_at, l.id",
        (task_id,),
    )


async def task_events(conn: AsyncConnection, task_id: uuid.UUID) -> list[Row]:
    return await _all(
        conn,
        "select e.id, e.created_at, e.event, e.from_status, e.to_status, e.category, e.level,"
        " e.message, e.detail"
        " from public.task_events as e where e.task_id = %s::uuid order by e.id",
        (task_id,),
    )


async def task_interactions(conn: AsyncConnection, task_id: uuid.UUID) -> list[Row]:
    """The interactions the task asked, newest first."""
    return await _all(
        conn,
        "select i.id, i.interaction_type, i.status, i.priority, i.request_data,"
        " i.response_data, i.required_approvals, i.approvals, i.timeout_at, i.responded_at,"
        " i.created_at"
        " from public.human_interactions as i where i.task_id = %s::uuid"
        " order by i.created_at desc",
        (task_id,),
    )


async def task_children(conn: AsyncConnection, task_id: uuid.UUID, limit: int) -> list[Row]:
    return await _all(
        conn,
        "select t.id, t.stage_key, t.status, t.branch_index from public.ai_tasks as t"
        " where t.parent_task_id = %s::uuid"
        " order by t.stage_key, t.branch_index nulls first limit %s::integer",
        (task_id, limit),
    )


async def inbox(conn: AsyncConnection, limit: int) -> list[Row]:
    """The signed-in user's open interactions (v_my_interactions), oldest first."""
    return await _all(
        conn,
        "select i.id, i.interaction_type, i.priority, i.message, i.request_data,"
        " i.required_approvals, i.approvals, i.timeout_at, i.on_timeout, i.channels,"
        " i.batch_id, i.batch_name, i.task_id, i.stage_key, i.created_at"
        " from public.v_my_interactions as i order by i.created_at, i.id limit %s::integer",
        (limit,),
    )


async def search_suggestions(conn: AsyncConnection, run_id: uuid.UUID) -> str | None:
    """Google's search suggestions (HTML) of a monitor run of the user's, if it has any."""
    row = await _one(
        conn,
        "select e.search_entry_point from public.monitor_executions as e where e.id = %s::uuid",
        (run_id,),
    )
    return None if row is None else row["search_entry_point"]


async def task_prompt(conn: AsyncConnection, task_id: uuid.UUID) -> str | None:
    """The prompt the task is sent (task_prompt: its template version over its input, as
    claim_tasks renders it), or None when its input cannot fill the template."""
    row = await _one(conn, "select public.task_prompt(%s::uuid) as prompt", (task_id,))
    return None if row is None else row["prompt"]


async def pipelines(conn: AsyncConnection) -> list[Row]:
    return await _all(
        conn,
        "select o.id, o.name, o.description, o.entry_stage_key, o.created_at, o.updated_at"
        " from public.orchestrators as o order by o.name, o.id",
    )


async def open_stage_counts(conn: AsyncConnection) -> list[Row]:
    """Task counts by pipeline, stage and status over the user's unfinished batches, each
    read from its batch's status index: what is under way, never the whole history."""
    return await _all(
        conn,
        "select b.orchestrator_id, t.stage_key, t.status, count(*) as tasks"
        " from public.task_batches as b"
        " join public.ai_tasks as t on t.batch_id = b.id"
        " where b.status in ('pending', 'processing', 'paused')"
        " group by b.orchestrator_id, t.stage_key, t.status",
    )


async def pipeline_stages(conn: AsyncConnection) -> list[Row]:
    """The active stage of every pipeline, with the keys of the stages it leads to."""
    return await _all(
        conn,
        "select p.id, p.orchestrator_id, p.stage_key, p.name, p.version,"
        " p.stage_config ->> 'cardinality' as cardinality, p.requires_approval,"
        " p.custom_component_id, p.view_config,"
        " array(select n.stage_key from public.prompt_templates as n"
        " where n.id = any(p.next_stage_template_ids) order by n.stage_key) as next_stage_keys"
        " from public.prompt_templates as p where p.is_active"
        " order by p.orchestrator_id, p.stage_key",
    )


# --- monitors, costs, keys ------------------------------------------------------------------

_MONITOR_COLUMNS = (
    "m.id, m.name, m.state, m.schedule, m.timezone, m.notify_behavior, m.search_query,"
    " m.condition_description, m.condition_met, m.next_run_at, m.last_run_at,"
    " m.last_notified_at, m.muted, m.snoozed_until, m.consecutive_failures, m.created_at,"
    " m.updated_at"
)
# A run as the monitor list shows it (the latest), and as the monitor's page does (all).
_RUN_SUMMARY = (
    "e.id, e.status, e.dry_run, e.started_at, e.completed_at, e.condition_met, e.notified,"
    " e.notify_reason, e.change_summary, e.cost_usd, e.result ->> 'answer' as answer"
)
_RUN_COLUMNS = (
    "e.id, e.status, e.scheduled_for, e.dry_run, e.started_at, e.completed_at, e.result,"
    " e.error_message, e.condition_met, e.change_summary, e.grounded, e.grounding_sources,"
    " e.grounding_supports, e.search_queries, e.notified, e.notify_reason, e.cost_usd,"
    " e.batch_id, e.task_id, e.search_entry_point is not null as has_search_suggestions"
)


async def list_monitors(
    conn: AsyncConnection,
    *,
    before: tuple[dt.datetime, uuid.UUID] | None,
    limit: int,
) -> list[Row]:
    """The user's monitors, newest first, a page after the keyset `before` (created_at, id)
    (monitors_owner_id_created_at_idx), each with its latest run
    (monitor_executions_monitor_id_started_at_idx, one row each)."""
    before_at, before_id = before if before is not None else (None, None)
    return await _all(
        conn,
        f"select {_MONITOR_COLUMNS}, r.last_run from public.monitors as m"
        " left join lateral ("
        f" select to_jsonb(x) as last_run from (select {_RUN_SUMMARY}"
        " from public.monitor_executions as e where e.monitor_id = m.id"
        " order by e.started_at desc, e.id desc limit 1) as x"
        " ) as r on true"
        " where m.owner_id = (select auth.uid())"
        " and (%(before_at)s::timestamptz is null"
        " or (m.created_at, m.id) < (%(before_at)s::timestamptz, %(before_id)s::uuid))"
        " order by m.created_at desc, m.id desc limit %(limit)s::integer",
        {"before_at": before_at, "before_id": before_id, "limit": limit},
    )


async def monitor(conn: AsyncConnection, monitor_id: uuid.UUID) -> Row | None:
    return await _one(
        conn,
        f"select {_MONITOR_COLUMNS}, m.config, m.last_known_state, m.template_id"
        " from public.monitors as m where m.id = %s::uuid",
        (monitor_id,),
    )


async def monitor_runs(
    conn: AsyncConnection,
    monitor_id: uuid.UUID,
    *,
    before: tuple[dt.datetime, uuid.UUID] | None,
    limit: int,
) -> list[Row]:
    """A page of a monitor's runs, newest first, before the keyset `before` (started_at,
    id): what each answered, on which sources, and why it notified or not."""
    before_at, before_id = before if before is not None else (None, None)
    return await _all(
        conn,
        f"select {_RUN_COLUMNS} from public.monitor_executions as e"
        " where e.monitor_id = %(monitor)s::uuid"
        " and (%(before_at)s::timestamptz is null"
        " or (e.started_at, e.id) < (%(before_at)s::timestamptz, %(before_id)s::uuid))"
        " order by e.started_at desc, e.id desc limit %(limit)s::integer",
        {"monitor": monitor_id, "before_at": before_at, "before_id": before_id, "limit": limit},
    )


async def spend(conn: AsyncConnection, *, days: int, timezone: str) -> list[Row]:
    """The user's LLM spend of the last `days` days (today included, days as they fall in
    `timezone`): one row per pipeline, per provider and model, and per day (every day, 0
    when nothing was spent), each with its dimension. One pass over the user's calls of
    the period, read through llm_calls_owner_id_created_at_idx, grouped three ways; the
    calls are grouped by batch before they are joined to their pipeline."""
    today = "(now() at time zone %(tz)s)::date"
    first_day = f"({today} - %(days)s::integer + 1)"
    return await _all(
        conn,
        "with spend as ("
        " select case when grouping(c.batch_id) = 0 then 'batch'"
        " when grouping(c.model) = 0 then 'model' else 'day' end as dimension,"
        " c.batch_id, c.provider, c.model, c.day, count(*) as calls,"
        " sum(c.cost_usd) as cost_usd, sum(c.input_tokens)::bigint as input_tokens,"
        " sum(c.output_tokens)::bigint as output_tokens,"
        " count(*) filter (where c.outcome <> 'success') as failed_calls"
        " from (select l.batch_id, l.provider, l.model,"
        " (l.created_at at time zone %(tz)s)::date as day, l.cost_usd, l.input_tokens,"
        " l.output_tokens + l.thoughts_tokens as output_tokens, l.outcome"
        " from public.llm_calls as l where l.owner_id = (select auth.uid())"
        f" and l.created_at >= ({first_day}::timestamp at time zone %(tz)s)) as c"
        " group by grouping sets ((c.batch_id), (c.provider, c.model), (c.day)))"
        " select 'pipeline' as dimension, o.id as orchestrator_id, o.name as pipeline_name,"
        " null::text as provider, null::text as model, null::date as day,"
        " sum(s.calls)::bigint as calls, sum(s.cost_usd) as cost_usd,"
        " sum(s.input_tokens)::bigint as input_tokens,"
        " sum(s.output_tokens)::bigint as output_tokens,"
        " sum(s.failed_calls)::bigint as failed_calls"
        " from spend as s join public.task_batches as b on b.id = s.batch_id"
        " join public.orchestrators as o on o.id = b.orchestrator_id"
        " where s.dimension = 'batch' group by o.id, o.name"
        " union all"
        " select 'model', null, null, s.provider, s.model, null, s.calls, s.cost_usd,"
        " s.input_tokens, s.output_tokens, s.failed_calls"
        " from spend as s where s.dimension = 'model'"
        " union all"
        " select 'day', null, null, null, null, d.day::date, coalesce(s.calls, 0),"
        " coalesce(s.cost_usd, 0), coalesce(s.input_tokens, 0), coalesce(s.output_tokens, 0),"
        " coalesce(s.failed_calls, 0)"
        f" from generate_series({first_day}, {today}, interval '1 day') as d (day)"
        " left join spend as s on s.dimension = 'day' and s.day = d.day::date",
        {"tz": timezone, "days": days},
    )


async def key_pool(conn: AsyncConnection) -> list[Row]:
    """The user's provider keys as their owner may see them (the masked prefix, never the
    key or its ciphertext), with their health (api_key_health: cooldown, failures in a
    row, totals, last error) and their calls and failures of the last 24 hours (read
    through llm_calls_owner_id_created_at_idx)."""
    return await _all(
        conn,
        "select k.id, k.provider, k.key_name, k.key_prefix, k.is_active, k.priority,"
        " k.model_preference, k.created_at,"
        " case when not k.is_active then 'inactive'"
        " when h.blocked_until > now() then 'blocked' else 'ready' end as status,"
        " h.blocked_until, h.block_reason, h.consecutive_failures, h.failing_since,"
        " h.total_calls, h.total_failures, h.last_error, h.last_used_at,"
        " coalesce(c.calls, 0) as calls_24h, coalesce(c.failures, 0) as failures_24h,"
        " c.last_failure_at"
        " from public.user_api_keys as k"
        " left join public.api_key_health as h on h.user_api_key_id = k.id"
        " left join ("
        " select l.api_key_id, count(*) as calls,"
        " count(*) filter (where l.outcome <> 'success') as failures,"
        " max(l.created_at) filter (where l.outcome <> 'success') as last_failure_at"
        " from public.llm_calls as l where l.owner_id = (select auth.uid())"
        " and l.created_at >= now() - interval '24 hours' and l.api_key_id is not null"
        " group by l.api_key_id"
        " ) as c on c.api_key_id = k.id"
        " where k.owner_id = (select auth.uid())"
        " order by k.provider, k.is_active desc, k.priority desc, k.created_at, k.id",
    )


# --- actions: the RPCs ---------------------------------------------------------------------


async def _batch_rpc(conn: AsyncConnection, name: str, batch_id: uuid.UUID) -> Row:
    row = await _one(
        conn,
        f"select b.id, b.status, b.status_reason from public.{name}(p_batch_id => %s::uuid) as b",
        (batch_id,),
    )
    assert row is not None  # the RPC returns its batch or raises
    return row


async def pause_batch(conn: AsyncConnection, batch_id: uuid.UUID) -> Row:
    return await _batch_rpc(conn, "pause_batch", batch_id)


async def resume_batch(conn: AsyncConnection, batch_id: uuid.UUID) -> Row:
    return await _batch_rpc(conn, "resume_batch", batch_id)


async def cancel_batch(conn: AsyncConnection, batch_id: uuid.UUID) -> Row:
    return await _batch_rpc(conn, "cancel_batch", batch_id)


async def retry_batch(conn: AsyncConnection, batch_id: uuid.UUID) -> int:
    """Retries the batch's failed tasks; how many."""
    row = await _one(
        conn, "select public.retry_batch(p_batch_id => %s::uuid) as retried", (batch_id,)
    )
    return int(row["retried"]) if row is not None else 0


async def approve_task(conn: AsyncConnection, task_id: uuid.UUID, output: Any = None) -> str:
    row = await _one(
        conn,
        "select public.approve_task(p_task_id => %s::uuid, p_output => %s::jsonb) as status",
        (task_id, None if output is None else json.dumps(output)),
    )
    return str(row["status"]) if row is not None else ""


async def reject_task(
    conn: AsyncConnection, task_id: uuid.UUID, reason: str, regenerate: bool
) -> str:
    row = await _one(
        conn,
        "select public.reject_task(p_task_id => %s::uuid, p_reason => %s::text,"
        " p_regenerate => %s::boolean) as status",
        (task_id, reason, regenerate),
    )
    return str(row["status"]) if row is not None else ""


async def retry_task(conn: AsyncConnection, task_id: uuid.UUID) -> str:
    row = await _one(conn, "select public.retry_task(p_task_id => %s::uuid) as status", (task_id,))
    return str(row["status"]) if row is not None else ""


async def respond_to_interaction(
    conn: AsyncConnection, interaction_id: uuid.UUID, response: Any
) -> Row:
    """Answers as the signed-in user: outcome (settled, counted, late, duplicate), the
    interaction's status and its approvals so far."""
    row = await _one(
        conn,
        "select r.outcome, r.status, r.approvals, r.required_approvals"
        " from public.respond_to_interaction("
        "p_interaction_id => %s::uuid, p_response => %s::jsonb) as r",
        (interaction_id, json.dumps(response)),
    )
    assert row is not None
    return row


async def _monitor_rpc(conn: AsyncConnection, name: str, monitor_id: uuid.UUID) -> Row:
    row = await _one(
        conn,
        f"select m.id, m.state, m.next_run_at from public.{name}(p_monitor_id => %s::uuid) as m",
        (monitor_id,),
    )
    assert row is not None  # the RPC returns its monitor or raises
    return row


async def pause_monitor(conn: AsyncConnection, monitor_id: uuid.UUID) -> Row:
    return await _monitor_rpc(conn, "pause_monitor", monitor_id)


async def resume_monitor(conn: AsyncConnection, monitor_id: uuid.UUID) -> Row:
    return await _monitor_rpc(conn, "resume_monitor", monitor_id)


async def run_monitor_now(conn: AsyncConnection, monitor_id: uuid.UUID, notify: bool) -> Row:
    """Starts a run now (notify false: a dry run); the execution as it starts."""
    row = await _one(
        conn,
        "select e.id, e.status, e.dry_run, e.started_at, e.batch_id, e.task_id"
        " from public.run_monitor_now(p_monitor_id => %s::uuid, p_notify => %s::boolean) as e",
        (monitor_id, notify),
    )
    assert row is not None
    return row
