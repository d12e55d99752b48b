-- Delta from the sources below, written by scripts/new-migration.sh.

-- Written by hand: task_events loses its owner index (sql/0150_table_task_events.sql) and
-- _llm_call_cost takes the model's price row instead of looking it up per call.
drop index if exists public.task_events_owner_id_id_idx;
drop function if exists orchable._llm_call_cost(text, text, integer, integer, integer, integer);

-- functions/0120_render_template.sql
-- Replaces every {{dot.path}} placeholder with the value at that path of the input:
-- strings as they are, other JSON as JSON text. A path that is missing from the input
-- gives no text and names the variable instead.
create or replace function orchable._render_template(
    p_template text, p_input jsonb, out rendered text, out missing_variable text
)
language plpgsql
immutable
set search_path = ''
as $$
declare
    v_pattern constant text := '\{\{\s*([^{}\s]+)\s*\}\}';
    v_parts text [] := regexp_split_to_array(p_template, v_pattern);
    v_name text;
    v_value jsonb;
begin
    rendered := v_parts[1];
    -- The n-th placeholder with regexp_substr: plain expressions, so no query (and no
    -- executor) runs per prompt, as a loop over regexp_matches would.
    for v_index in 2 .. cardinality(v_parts) loop
        v_name := regexp_substr(p_template, v_pattern, 1, v_index - 1, '', 1);
        v_value := p_input #> orchable._path(v_name);
        if v_value is null then
            rendered := null;
            missing_variable := v_name;
            return;
        end if;
        rendered := rendered
            || case when jsonb_typeof(v_value) = 'string' then v_value #>> '{}' else v_value::text end
            || v_parts[v_index];
    end loop;
end
$$;

comment on function orchable._render_template(text, jsonb) is
'Renders a prompt template''s {{dot.path}} placeholders over a task input; names the first missing variable.';

-- functions/0195_llm_call_cost.sql
-- The one place an LLM call is priced, for record_llm_call and record_llm_calls, from the
-- model's ai_models row (the callers look it up, once per statement). Cached tokens are
-- part of the input; thinking tokens are billed as output. An unknown model (a null row),
-- or an unknown price, costs 0.
-- PL/pgSQL returning one expression: it runs without a query, row after row.
create or replace function orchable._llm_call_cost(
    p_price public.ai_models,
    p_input_tokens integer,
    p_output_tokens integer,
    p_cached_tokens integer,
    p_thoughts_tokens integer
)
returns numeric
language plpgsql
immutable
set search_path = ''
as $$
begin
    return (
        greatest(coalesce(p_input_tokens, 0) - coalesce(p_cached_tokens, 0), 0)
        * coalesce(p_price.input_usd_per_million, 0)
        + coalesce(p_cached_tokens, 0)
        * coalesce(p_price.cached_input_usd_per_million, p_price.input_usd_per_million, 0)
        -- bigint: two integer counts can add up beyond the integer range.
        + (coalesce(p_output_tokens, 0)::bigint + coalesce(p_thoughts_tokens, 0))
        * coalesce(p_price.output_usd_per_million, 0)
    ) / 1000000;
end
$$;

comment on function orchable._llm_call_cost(public.ai_models, integer, integer, integer, integer) is
'The cost in USD of one LLM call at the prices of its ai_models row: input (cached tokens at the cached price), output and thinking tokens; 0 for an unknown model (a null row).';

-- functions/0330_claim_tasks.sql
-- SECURITY DEFINER: the worker role has no table privileges; this is how it takes work.
-- One claim shape: lock due rows of v_runnable_tasks in index order, skipping rows other
-- workers hold, then lease them. A task whose lease keeps expiring fails as poison, and
-- one whose prompt names a variable its input lacks fails naming it; neither is returned.
create or replace function public.claim_tasks(
    p_worker_id text,
    p_limit integer default 1,
    p_lease_seconds integer default 300
)
returns table (
    task_id uuid,
    claim_token uuid,
    locked_until timestamptz,
    owner_id uuid,
    batch_id uuid,
    root_task_id uuid,
    stage_key text,
    task_type text,
    prompt_template_id text,
    prompt text,
    input_data jsonb,
    ai_settings jsonb,
    output_schema jsonb,
    retry_count integer,
    max_retries integer
)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_max_lease_expiries constant integer := 5;
    v_tasks public.ai_tasks [];
    v_poisoned boolean;
    v_ids uuid [];
    v_prompts text [];
    v_missing_variables text [];
begin
    if coalesce(btrim(p_worker_id), '') = '' or p_limit is null or p_limit not between 1 and 1000
        or p_lease_seconds is null or p_lease_seconds not between 1 and 86400 then
        raise exception 'claim_tasks needs a worker id, a limit from 1 to 1000 and a lease from 1 to 86400 seconds'
            using errcode = 'OR010',
            detail = format('p_worker_id=%s p_limit=%s p_lease_seconds=%s', p_worker_id, p_limit, p_lease_seconds),
            hint = 'for example claim_tasks(''worker-1'', 10, 300)';
    end if;

    with candidates as (
        select r.id, r.status
        from public.v_runnable_tasks as r
        order by r.available_at
        limit p_limit
        for update skip locked
    ),
    leased as (
        update public.ai_tasks as t
        set
            status = 'processing',
            claim_token = gen_random_uuid(),
            locked_by = p_worker_id,
            locked_until = now() + make_interval(secs => p_lease_seconds),
            claim_count = t.claim_count + 1,
            lease_expired_count = t.lease_expired_count + (c.status = 'processing')::integer,
            started_at = coalesce(t.started_at, now()),
            updated_at = now()
        from candidates as c
        where t.id = c.id
        returning t as task
    )
    select coalesce(array_agg(task), '{}'), coalesce(bool_or((task).lease_expired_count >= v_max_lease_expiries), false)
    into v_tasks, v_poisoned
    from leased;

    -- Statement triggers fire even for an update of no row: run these only when needed.
    if v_poisoned then
        update public.ai_tasks as t
        set
            status = 'failed',
            error_code = 'OR014',
            error_message = format('poison task: its lease expired %s times without a result', t.lease_expired_count),
            claim_token = null, locked_by = null, locked_until = null, updated_at = now()
        from unnest(v_tasks) as c
        where t.id = c.id and c.lease_expired_count >= v_max_lease_expiries;
    end if;

    -- Each prompt is rendered once, from the rows the claim returned (ai_tasks is not read
    -- again): a task whose input lacks a template variable fails naming it, the others are
    -- returned with their prompt.
    select array_agg(c.id), array_agg(r.rendered), array_agg(r.missing_variable)
    into v_ids, v_prompts, v_missing_variables
    from unnest(v_tasks) as c
    join public.prompt_templates as p on p.id = c.prompt_template_id
    cross join lateral orchable._render_template(p.template, c.input_data) as r
    where c.lease_expired_count < v_max_lease_expiries;
    if exists (select from unnest(v_missing_variables) as m (missing_variable) where m.missing_variable is not null) then
        update public.ai_tasks as t
        set
            status = 'failed',
            error_code = 'OR008',
            error_message = format('template variable "%s" is missing from the task input', m.missing_variable),
            claim_token = null, locked_by = null, locked_until = null, updated_at = now()
        from unnest(v_ids, v_missing_variables) as m (id, missing_variable)
        where t.id = m.id and m.missing_variable is not null;
    end if;

    return query
    select
        t.id, t.claim_token, t.locked_until, t.owner_id, t.batch_id, t.root_task_id, t.stage_key,
        t.task_type, t.prompt_template_id, c.prompt, t.input_data,
        p.default_ai_settings || coalesce(b.config -> 'ai_settings', '{}'::jsonb),
        p.output_schema, t.retry_count, t.max_retries
    from unnest(v_tasks) as t
    join unnest(v_ids, v_prompts, v_missing_variables) as c (id, prompt, missing_variable) on c.id = t.id
    join public.prompt_templates as p on p.id = t.prompt_template_id
    join public.task_batches as b on b.id = t.batch_id
    where c.missing_variable is null;
end
$$;

comment on function public.claim_tasks(text, integer, integer) is
'Worker only. Claims up to p_limit runnable tasks (FOR UPDATE SKIP LOCKED) with a lease and a new claim token each; returns the rendered prompt, AI settings and output_schema.';

revoke all on function public.claim_tasks(text, integer, integer) from public, anon, authenticated, service_role;
grant execute on function public.claim_tasks(text, integer, integer) to orchable_worker, service_role;

-- functions/0355_complete_tasks.sql
-- SECURITY DEFINER: workers have no table privileges. The bulk complete_task: the tasks
-- are locked in id order (so concurrent calls never deadlock), then one UPDATE stores
-- every accepted result, so the counter, event and notify triggers run once per call and
-- each batch row is updated once. An element whose claim is stale changes nothing.
create or replace function public.complete_tasks(p_results jsonb)
returns table (task_id uuid, status text)
language plpgsql
volatile
security definer
set search_path = ''
as $$
#variable_conflict use_column
declare
    v_uuid constant text := '^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$';
    v_bad record;
begin
    if jsonb_typeof(p_results) is distinct from 'array' or jsonb_array_length(p_results) > 1000 then
        raise exception 'complete_tasks takes a JSON array of at most 1000 results'
            using errcode = 'OR010',
            detail = format('got %s', case when jsonb_typeof(p_results) = 'array'
                then jsonb_array_length(p_results) || ' elements' else coalesce(jsonb_typeof(p_results), 'SQL null') end),
            hint = 'split the results into calls of 1000 or fewer';
    end if;

    -- A malformed element is a worker bug: refuse the whole call, naming the first one.
    select e.position - 1 as position, v.reason into v_bad
    from jsonb_array_elements(p_results) with ordinality as e (element, position)
    cross join lateral (
        select case
            when jsonb_typeof(e.element) <> 'object' then 'is not an object'
            when coalesce(e.element ->> 'task_id', '') !~ v_uuid then 'has no task_id (a uuid)'
            when coalesce(e.element ->> 'claim_token', '') !~ v_uuid then 'has no claim_token (a uuid)'
            when coalesce(jsonb_typeof(e.element -> 'output'), 'null') = 'null' then 'has no output'
            when jsonb_typeof(e.element -> 'provenance') not in ('object', 'null') then 'has a provenance that is not an object'
            -- A key never reaches the database in clear: refuse one named api_key at any depth.
            when jsonb_path_exists(e.element -> 'provenance', 'lax $.**.api_key') then 'has a provenance naming an api_key'
        end as reason
    ) as v
    where v.reason is not null
    order by e.position
    limit 1;
    if found then
        raise exception 'element % of p_results %: nothing was changed', v_bad.position, v_bad.reason
            using errcode = 'OR011', detail = format('p_results[%s] = %s', v_bad.position, p_results -> v_bad.position::integer),
            hint = 'each element is {"task_id", "claim_token", "output", "usage", "provenance"} with a non-null output; '
                'pass the key''s id as api_key_id, never the key';
    end if;

    perform
    from public.ai_tasks as t
    where t.id in (select (e.element ->> 'task_id')::uuid from jsonb_array_elements(p_results) as e (element))
    order by t.id
    for update;

    return query
    with results as (
        select
            e.position,
            (e.element ->> 'task_id')::uuid as task_id,
            (e.element ->> 'claim_token')::uuid as claim_token,
            e.element -> 'output' as output,
            nullif(e.element -> 'usage', 'null'::jsonb) as usage,
            nullif(e.element -> 'provenance', 'null'::jsonb) as provenance
        from jsonb_array_elements(p_results) with ordinality as e (element, position)
    ),
    -- The templates of these tasks that a 1:N stage follows, looked up once per template:
    -- only their outputs need a split check.
    split_templates as (
        select s.template_id
        from (
            select distinct t.prompt_template_id as template_id
            from results as r
            join public.ai_tasks as t on t.id = r.task_id
        ) as s
        where exists (
            select from orchable._next_stages(s.template_id) as n where n.stage_config ->> 'cardinality' = '1:N'
        )
    ),
    -- As if applied in order: the first element carrying a task's current claim wins,
    -- any other element for that task is stale.
    accepted as (
        select distinct on (r.task_id)
            r.position, r.task_id, r.output, r.usage, t.requires_approval,
            case when p.id is not null then coalesce(r.provenance, '{}'::jsonb)
                || jsonb_build_object('template_id', p.id, 'template_version', p.version) end as provenance,
            -- An output its split cannot use fails the task, unless a person approves it first.
            case when not t.requires_approval and t.prompt_template_id in (select template_id from split_templates)
                then orchable._split_error(t.prompt_template_id, r.output)
            end as split_error
        from results as r
        join public.ai_tasks as t on t.id = r.task_id
        left join public.prompt_templates as p on p.id = t.prompt_template_id
        -- A claim token is set exactly while the task is processing (ai_tasks_processing_has_lease);
        -- naming the status too would let the planner read every queued task through
        -- ai_tasks_runnable_idx instead of these tasks by primary key.
        where t.claim_token = r.claim_token
        order by r.task_id, r.position
    ),
    updated as (
        update public.ai_tasks as t
        set
            status = case
                when a.split_error is not null then 'failed'
                when a.requires_approval then 'generated'
                else 'completed'
            end,
            output_data = a.output,
            usage = a.usage,
            provenance = a.provenance,
            error_code = case when a.split_error is not null then 'OR009' end,
            error_message = a.split_error,
            claim_token = null,
            locked_by = null,
            locked_until = null,
            completed_at = case
                when a.split_error is not null then t.completed_at
                when a.requires_approval then null
                else now()
            end,
            updated_at = now()
        from accepted as a
        where t.id = a.task_id
        returning a.position, t.status
    )
    select
        r.task_id,
        coalesce(u.status, case when exists (select from public.ai_tasks as t where t.id = r.task_id)
            then 'stale' else 'not_found' end)
    from results as r
    left join updated as u on u.position = r.position
    order by r.position;
end
$$;

comment on function public.complete_tasks(jsonb) is
'Worker only. Completes up to 1000 claimed tasks in one statement: p_results is a JSON array of {"task_id", "claim_token", "output", "usage", "provenance"}.
Returns one row per element, in input order: completed, generated (awaiting approval), failed (an output its split cannot use, OR009), stale (the claim is not current: nothing changed) or not_found.
A malformed element (no task_id or claim_token, a null output, a provenance not an object or naming an api_key) refuses the whole call (OR011); more than 1000 elements raise OR010.';

revoke all on function public.complete_tasks(jsonb) from public, anon, authenticated, service_role;
grant execute on function public.complete_tasks(jsonb) to orchable_worker, service_role;

-- functions/0560_record_llm_call.sql
-- SECURITY DEFINER: the worker has no table privileges. No claim token: a call that was
-- made cost money even if the claim went stale meanwhile, and is recorded all the same.
create or replace function public.record_llm_call(
    p_task_id uuid,
    p_provider text,
    p_model text,
    p_outcome text,
    p_api_key_id uuid default null,
    p_input_tokens integer default 0,
    p_output_tokens integer default 0,
    p_cached_tokens integer default 0,
    p_thoughts_tokens integer default 0,
    p_latency_ms integer default null,
    p_http_status integer default null,
    p_error text default null,
    p_response_id text default null
)
returns public.llm_calls
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_task public.ai_tasks;
    v_input integer := coalesce(p_input_tokens, 0);
    v_output integer := coalesce(p_output_tokens, 0);
    v_cached integer := coalesce(p_cached_tokens, 0);
    v_thoughts integer := coalesce(p_thoughts_tokens, 0);
    v_cost numeric(14, 8) := 0;
    v_call public.llm_calls;
    v_api_key_id uuid;
    v_budget numeric;
    v_budget_json jsonb;
begin
    if p_outcome is null or p_outcome not in (
        'success', 'rate_limited', 'overloaded', 'server_error', 'timeout',
        'invalid_output', 'invalid_key', 'invalid_request'
    ) then
        raise exception 'unknown LLM call outcome %', coalesce(quote_literal(p_outcome), 'null')
            using errcode = 'OR016',
            detail = 'p_outcome is not one of the outcomes a call can have.',
            hint = 'Use success, rate_limited, overloaded, server_error, timeout, invalid_output, invalid_key or invalid_request.';
    end if;
    if coalesce(btrim(p_provider), '') = '' or coalesce(btrim(p_model), '') = ''
        or least(v_input, v_output, v_cached, v_thoughts) < 0 or p_latency_ms < 0 then
        raise exception 'record_llm_call needs a provider, a model and token counts and latency of zero or more'
            using errcode = 'OR010',
            detail = format('p_provider=%s p_model=%s tokens=%s/%s/%s/%s p_latency_ms=%s',
                p_provider, p_model, v_input, v_output, v_cached, v_thoughts, p_latency_ms),
            hint = 'pass the usage the provider reported; 0 for a count it did not report';
    end if;

    select * into v_task from public.ai_tasks where id = p_task_id;
    if not found then
        raise exception 'task % not found', p_task_id
            using errcode = 'OR004', detail = 'the call cannot be recorded without its task',
            hint = 'the task or its batch was deleted; drop this record';
    end if;

    -- A key deleted meanwhile (or not the owner's) is not named; the call is still recorded.
    select k.id into v_api_key_id
    from public.user_api_keys as k
    where k.id = p_api_key_id and k.owner_id = v_task.owner_id;

    v_cost := orchable._llm_call_cost(
        (select m from public.ai_models as m where m.provider = p_provider and m.model = p_model),
        v_input, v_output, v_cached, v_thoughts
    );

    insert into public.llm_calls (
        owner_id, batch_id, task_id, api_key_id, provider, model, attempt, outcome, http_status, error,
        input_tokens, output_tokens, cached_tokens, thoughts_tokens, latency_ms, cost_usd, response_id
    )
    values (
        v_task.owner_id, v_task.batch_id, v_task.id, v_api_key_id, p_provider, p_model, v_task.retry_count,
        p_outcome, p_http_status, p_error, v_input, v_output, v_cached, v_thoughts, p_latency_ms, v_cost,
        p_response_id
    )
    returning * into v_call;

    -- The spend, and the budget: a batch that reaches config.budget_usd pauses itself, so
    -- no task of it is claimed again until its owner resumes it. One update computes both
    -- from the row it locks (no key update: it never waits on the key share locks that the
    -- inserts of concurrent calls hold), and a call that costs nothing in a batch without
    -- a budget does not touch the batch at all.
    select b.config -> 'budget_usd' into v_budget_json from public.task_batches as b where b.id = v_task.batch_id;
    if jsonb_typeof(v_budget_json) = 'number' then
        v_budget := (v_budget_json #>> '{}')::numeric;
    end if;
    if v_cost <> 0 or v_budget is not null then
        update public.task_batches as b
        set
            spent_usd = b.spent_usd + v_cost,
            status = case
                when b.spent_usd + v_cost >= v_budget and b.status in ('pending', 'processing') then 'paused'
                else b.status
            end,
            status_reason = case
                when b.spent_usd + v_cost >= v_budget and b.status in ('pending', 'processing')
                    then format('budget of %s USD reached (%s USD spent)', v_budget, trim_scale(b.spent_usd + v_cost))
                else b.status_reason
            end,
            updated_at = now()
        where b.id = v_task.batch_id;
    end if;

    return v_call;
end
$$;

comment on function public.record_llm_call(
    uuid, text, text, text, uuid, integer, integer, integer, integer, integer, integer, text, text
) is
'Worker only. Records one LLM call of a task (whatever its claim): tokens, latency, key id, outcome, and its cost
from ai_models (cached tokens at the cached price, the other input tokens at the input price, output and thinking
tokens at the output price; 0 for an unknown model). Adds the cost to the batch''s spent_usd; a pending or processing
batch whose spend reaches config.budget_usd pauses itself. Errors: OR004 unknown task, OR010 bad counts, OR016 unknown outcome.';

revoke all on function public.record_llm_call(
    uuid, text, text, text, uuid, integer, integer, integer, integer, integer, integer, text, text
) from public, anon, authenticated, service_role;
grant execute on function public.record_llm_call(
    uuid, text, text, text, uuid, integer, integer, integer, integer, integer, integer, text, text
) to orchable_worker, service_role;

-- functions/0565_record_llm_calls.sql
-- SECURITY DEFINER: the worker has no table privileges. The bulk record_llm_call: one
-- INSERT for every call, then one UPDATE of spent_usd per batch (locked in id order, so
-- concurrent calls never deadlock), with the same cost and budget pause rules.
create or replace function public.record_llm_calls(p_calls jsonb)
returns integer
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_uuid constant text := '^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$';
    v_task_ids uuid [];
    v_providers text [];
    v_models text [];
    v_outcomes text [];
    v_api_key_ids uuid [];
    v_input integer [];
    v_output integer [];
    v_cached integer [];
    v_thoughts integer [];
    v_latency integer [];
    v_http_status integer [];
    v_errors text [];
    v_response_ids text [];
    v_costs numeric [];
    v_bad record;
begin
    if jsonb_typeof(p_calls) is distinct from 'array' or jsonb_array_length(p_calls) > 1000 then
        raise exception 'record_llm_calls takes a JSON array of at most 1000 calls'
            using errcode = 'OR010',
            detail = format('got %s', case when jsonb_typeof(p_calls) = 'array'
                then jsonb_array_length(p_calls) || ' elements' else coalesce(jsonb_typeof(p_calls), 'SQL null') end),
            hint = 'split the calls into calls of 1000 or fewer';
    end if;
    if jsonb_array_length(p_calls) = 0 then
        return 0;
    end if;

    -- A malformed element is a worker bug: refuse the whole call, naming the first one,
    -- before any member is cast to its column type.
    select e.position - 1 as position, v.reason into v_bad
    from jsonb_array_elements(p_calls) with ordinality as e (element, position)
    cross join lateral (
        select case
            when jsonb_typeof(e.element) <> 'object' then 'is not an object'
            when jsonb_typeof(e.element -> 'task_id') is distinct from 'string'
                or e.element ->> 'task_id' !~ v_uuid then 'has no task_id (a uuid)'
            when jsonb_typeof(e.element -> 'api_key_id') not in ('string', 'null')
                or e.element ->> 'api_key_id' !~ v_uuid then 'has an api_key_id that is not a uuid'
            when exists (
                select from jsonb_each(e.element) as m (name, value)
                where m.name in (
                    'input_tokens', 'output_tokens', 'cached_tokens', 'thoughts_tokens', 'latency_ms', 'http_status'
                )
                and jsonb_typeof(m.value) <> 'null'
                and case when m.value #>> '{}' ~ '^-?[0-9]{1,10}$'
                    then (m.value #>> '{}')::bigint not between -2147483648 and 2147483647 else true end
            ) then 'has a count, latency or http_status that is not a whole number of at most 2147483647'
        end as reason
    ) as v
    where v.reason is not null
    order by e.position
    limit 1;
    if found then
        raise exception 'element % of p_calls %: nothing was recorded', v_bad.position, v_bad.reason
            using errcode = 'OR010', detail = format('p_calls[%s] = %s', v_bad.position, p_calls -> v_bad.position::integer),
            hint = 'each element is an object with task_id (a uuid), provider, model, outcome and whole-number counts';
    end if;

    -- Read once into arrays (in input order); the statements below work on the arrays.
    select
        array_agg(c.task_id order by c.ordinality), array_agg(c.provider order by c.ordinality),
        array_agg(c.model order by c.ordinality), array_agg(c.outcome order by c.ordinality),
        array_agg(c.api_key_id order by c.ordinality), array_agg(coalesce(c.input_tokens, 0) order by c.ordinality),
        array_agg(coalesce(c.output_tokens, 0) order by c.ordinality),
        array_agg(coalesce(c.cached_tokens, 0) order by c.ordinality),
        array_agg(coalesce(c.thoughts_tokens, 0) order by c.ordinality), array_agg(c.latency_ms order by c.ordinality),
        array_agg(c.http_status order by c.ordinality), array_agg(c.error order by c.ordinality),
        array_agg(c.response_id order by c.ordinality),
        array_agg(orchable._llm_call_cost(m, c.input_tokens, c.output_tokens, c.cached_tokens, c.thoughts_tokens)
            order by c.ordinality)
    into v_task_ids, v_providers, v_models, v_outcomes, v_api_key_ids, v_input, v_output, v_cached, v_thoughts,
        v_latency, v_http_status, v_errors, v_response_ids, v_costs
    from rows from (jsonb_to_recordset(p_calls) as (
        task_id uuid, provider text, model text, outcome text, api_key_id uuid, input_tokens integer,
        output_tokens integer, cached_tokens integer, thoughts_tokens integer, latency_ms integer,
        http_status integer, error text, response_id text
    )) with ordinality as c
    left join public.ai_models as m on m.provider = c.provider and m.model = c.model;

    -- The checks of record_llm_call, naming the first element that fails each.
    select c.position - 1 as position, c.outcome into v_bad
    from unnest(v_outcomes) with ordinality as c (outcome, position)
    where c.outcome is null or c.outcome not in (
        'success', 'rate_limited', 'overloaded', 'server_error', 'timeout',
        'invalid_output', 'invalid_key', 'invalid_request'
    )
    order by c.position
    limit 1;
    if found then
        raise exception 'unknown LLM call outcome % in element % of p_calls',
            coalesce(quote_literal(v_bad.outcome), 'null'), v_bad.position
            using errcode = 'OR016',
            detail = 'outcome is not one of the outcomes a call can have; nothing was recorded.',
            hint = 'Use success, rate_limited, overloaded, server_error, timeout, invalid_output, invalid_key or invalid_request.';
    end if;

    select c.position - 1 as position, c.provider, c.model into v_bad
    from unnest(v_providers, v_models, v_input, v_output, v_cached, v_thoughts, v_latency) with ordinality
        as c (provider, model, input_tokens, output_tokens, cached_tokens, thoughts_tokens, latency_ms, position)
    where coalesce(btrim(c.provider), '') = '' or coalesce(btrim(c.model), '') = ''
        or least(c.input_tokens, c.output_tokens, c.cached_tokens, c.thoughts_tokens) < 0 or c.latency_ms < 0
    order by c.position
    limit 1;
    if found then
        raise exception 'element % of p_calls needs a provider, a model and token counts and latency of zero or more',
            v_bad.position
            using errcode = 'OR010', detail = format('p_calls[%s] = %s', v_bad.position, p_calls -> v_bad.position::integer),
            hint = 'pass the usage the provider reported; 0 for a count it did not report';
    end if;

    select c.position - 1 as position, c.task_id into v_bad
    from unnest(v_task_ids) with ordinality as c (task_id, position)
    where not exists (select from public.ai_tasks as t where t.id = c.task_id)
    order by c.position
    limit 1;
    if found then
        raise exception 'task % of element % of p_calls not found', v_bad.task_id, v_bad.position
            using errcode = 'OR004', detail = 'the call cannot be recorded without its task; nothing was recorded',
            hint = 'the task or its batch was deleted; drop this record';
    end if;

    -- The batches whose spend changes, or that have a budget, are locked in id order
    -- before the one INSERT and the one UPDATE. The others are left alone: calls that cost
    -- nothing do not make one batch's completions wait for each other here.
    perform
    from public.task_batches as b
    join (
        select t.batch_id, sum(c.cost) as cost
        from unnest(v_task_ids, v_costs) as c (task_id, cost)
        join public.ai_tasks as t on t.id = c.task_id
        group by t.batch_id
    ) as s on s.batch_id = b.id
    where s.cost <> 0 or jsonb_typeof(b.config -> 'budget_usd') = 'number'
    order by b.id
    for no key update of b;

    -- The spend, and the budget (the rules of record_llm_call): a call that costs nothing
    -- in a batch without a budget leaves the batch alone. A key deleted meanwhile (or not
    -- the owner's) is not named; the call is still recorded.
    with inserted as (
        insert into public.llm_calls (
            owner_id, batch_id, task_id, api_key_id, provider, model, attempt, outcome, http_status, error,
            input_tokens, output_tokens, cached_tokens, thoughts_tokens, latency_ms, cost_usd, response_id
        )
        select
            t.owner_id, t.batch_id, t.id, k.id, c.provider, c.model, t.retry_count, c.outcome, c.http_status,
            c.error, c.input_tokens, c.output_tokens, c.cached_tokens, c.thoughts_tokens, c.latency_ms,
            c.cost_usd, c.response_id
        from unnest(
            v_task_ids, v_providers, v_models, v_outcomes, v_api_key_ids, v_input, v_output, v_cached, v_thoughts,
            v_latency, v_http_status, v_errors, v_response_ids, v_costs
        ) with ordinality as c (
            task_id, provider, model, outcome, api_key_id, input_tokens, output_tokens, cached_tokens,
            thoughts_tokens, latency_ms, http_status, error, response_id, cost_usd, position
        )
        join public.ai_tasks as t on t.id = c.task_id
        left join public.user_api_keys as k on k.id = c.api_key_id and k.owner_id = t.owner_id
        order by c.position
        returning batch_id, cost_usd
    ),
    spend as (
        select i.batch_id, sum(i.cost_usd) as cost,
            case when jsonb_typeof(b.config -> 'budget_usd') = 'number'
                then (b.config ->> 'budget_usd')::numeric end as budget
        from inserted as i
        join public.task_batches as b on b.id = i.batch_id
        group by i.batch_id, b.config
    )
    update public.task_batches as b
    set
        spent_usd = b.spent_usd + s.cost,
        status = case
            when b.spent_usd + s.cost >= s.budget and b.status in ('pending', 'processing') then 'paused'
            else b.status
        end,
        status_reason = case
            when b.spent_usd + s.cost >= s.budget and b.status in ('pending', 'processing')
                then format('budget of %s USD reached (%s USD spent)', s.budget, trim_scale(b.spent_usd + s.cost))
            else b.status_reason
        end,
        updated_at = now()
    from spend as s
    where b.id = s.batch_id and (s.cost <> 0 or s.budget is not null);

    return cardinality(v_task_ids);
end
$$;

comment on function public.record_llm_calls(jsonb) is
'Worker only. Records up to 1000 LLM calls in one statement: p_calls is a JSON array of objects with the parameters of record_llm_call without their p_ prefix (task_id, provider, model, outcome, api_key_id, input_tokens, ...).
Costs, spend and budget pause as record_llm_call, one update per batch. Returns how many calls were recorded. Errors (nothing recorded): OR004 unknown task, OR010 an element that is not an object, a task_id or api_key_id that is not a uuid, bad counts or more than 1000 calls, OR016 unknown outcome.';

revoke all on function public.record_llm_calls(jsonb) from public, anon, authenticated, service_role;
grant execute on function public.record_llm_calls(jsonb) to orchable_worker, service_role;

-- policies/0160_orchable_internals.sql, for the new signature of _llm_call_cost.
revoke all on function orchable._llm_call_cost(public.ai_models, integer, integer, integer, integer)
from public, anon, authenticated, service_role;
