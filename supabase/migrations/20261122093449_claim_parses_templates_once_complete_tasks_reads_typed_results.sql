-- Delta from the sources below, written by scripts/new-migration.sh.
-- orchable._render_template now takes a parsed template (orchable._parse_template).
drop function orchable._render_template(text, jsonb);

-- functions/0115_parse_template.sql
-- A template is parsed once per claim, however many of the claim's tasks use it; each
-- task's prompt is then put together from the parts (orchable._render_template).
create or replace function orchable._parse_template(p_template text, out parts text[], out names text[])
language plpgsql
immutable
set search_path = ''
as $$
declare
    v_pattern constant text := '\{\{\s*([^{}\s]+)\s*\}\}';
begin
    parts := regexp_split_to_array(p_template, v_pattern);
    names := array(select m[1] from regexp_matches(p_template, v_pattern, 'g') as m);
end
$$;

comment on function orchable._parse_template(text) is
'Splits a prompt template at its {{dot.path}} placeholders: the text around them (parts, one more than names) and the placeholders'' dot paths (names), in order.';

-- functions/0120_render_template.sql
-- Puts a prompt together from a parsed template (orchable._parse_template): each
-- placeholder is the value at its path of the input, strings as they are, other JSON as
-- JSON text. A path that is missing from the input gives no text and names the variable.
create or replace function orchable._render_template(
    p_parts text[], p_names text[], p_input jsonb, out rendered text, out missing_variable text
)
language plpgsql
immutable
set search_path = ''
as $$
declare
    v_value jsonb;
begin
    rendered := p_parts[1];
    for v_index in 1 .. coalesce(cardinality(p_names), 0) loop
        -- A name is never empty (the placeholder pattern needs a character), so this is
        -- the path orchable._path gives, without a call per placeholder.
        v_value := p_input #> string_to_array(p_names[v_index], '.');
        if v_value is null then
            rendered := null;
            missing_variable := p_names[v_index];
            return;
        end if;
        rendered := rendered
            || case when jsonb_typeof(v_value) = 'string' then v_value #>> '{}' else v_value::text end
            || p_parts[v_index + 1];
    end loop;
end
$$;

comment on function orchable._render_template(text[], text[], jsonb) is
'Renders a parsed prompt template''s {{dot.path}} placeholders over a task input; names the first missing variable.';

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
    -- again) and its template parsed once per claim: a task whose input lacks a template
    -- variable fails naming it, the others are returned with their prompt.
    with templates as materialized (
        select p.id, t.parts, t.names
        from public.prompt_templates as p
        cross join lateral orchable._parse_template(p.template) as t
        where p.id in (select c.prompt_template_id from unnest(v_tasks) as c)
    )
    select array_agg(c.id), array_agg(r.rendered), array_agg(r.missing_variable)
    into v_ids, v_prompts, v_missing_variables
    from unnest(v_tasks) as c
    join templates as p on p.id = c.prompt_template_id
    cross join lateral orchable._render_template(p.parts, p.names, c.input_data) as r
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
    v_task_ids uuid [];
    v_claim_tokens uuid [];
    v_outputs jsonb [];
    v_usages jsonb [];
    v_provenances jsonb [];
    v_malformed boolean := false;
    v_bad record;
begin
    if jsonb_typeof(p_results) is distinct from 'array' or jsonb_array_length(p_results) > 1000 then
        raise exception 'complete_tasks takes a JSON array of at most 1000 results'
            using errcode = 'OR010',
            detail = format('got %s', case when jsonb_typeof(p_results) = 'array'
                then jsonb_array_length(p_results) || ' elements' else coalesce(jsonb_typeof(p_results), 'SQL null') end),
            hint = 'split the results into calls of 1000 or fewer';
    end if;

    if jsonb_array_length(p_results) = 0 then
        return;
    end if;

    -- Read once into arrays (in input order), typed; the statements below work on them.
    begin
        select
            array_agg(r.task_id order by r.ordinality), array_agg(r.claim_token order by r.ordinality),
            array_agg(r.output order by r.ordinality), array_agg(r.usage order by r.ordinality),
            array_agg(r.provenance order by r.ordinality)
        into v_task_ids, v_claim_tokens, v_outputs, v_usages, v_provenances
        from rows from (jsonb_to_recordset(p_results) as (
            task_id uuid, claim_token uuid, output jsonb, usage jsonb, provenance jsonb
        )) with ordinality as r;
    exception when invalid_text_representation or invalid_parameter_value then
        v_malformed := true;
    end;

    -- A malformed element is a worker bug: refuse the whole call, naming the first one.
    -- The elements are inspected one by one only then, as that costs as much as the read.
    if v_malformed or array_position(v_task_ids, null) is not null or array_position(v_claim_tokens, null) is not null
        or array_position(v_outputs, null) is not null
        or exists (
            select from unnest(v_provenances) as p (provenance)
            where jsonb_typeof(p.provenance) <> 'object' or jsonb_path_exists(p.provenance, 'lax $.**.api_key')
        ) then
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
        raise exception 'p_results has a malformed element: nothing was changed'
            using errcode = 'OR011',
            hint = 'each element is {"task_id", "claim_token", "output", "usage", "provenance"} with a non-null output';
    end if;

    perform
    from public.ai_tasks as t
    where t.id = any(v_task_ids)
    order by t.id
    for update;

    return query
    with results as (
        select r.position, r.task_id, r.claim_token, r.output, r.usage, r.provenance
        from unnest(v_task_ids, v_claim_tokens, v_outputs, v_usages, v_provenances) with ordinality
            as r (task_id, claim_token, output, usage, provenance, position)
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

-- functions/0230_tg_ai_tasks__log_events.sql
create or replace function orchable.tg_ai_tasks__log_events()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
    if tg_op = 'INSERT' then
        insert into public.task_events (owner_id, batch_id, task_id, event, from_status, to_status, detail)
        select n.owner_id, n.batch_id, n.id, 'task_status', null, n.status,
            jsonb_build_object('stage_key', n.stage_key)
        from new_tasks as n;
    else
        insert into public.task_events (owner_id, batch_id, task_id, event, from_status, to_status, detail)
        select n.owner_id, n.batch_id, n.id, 'task_status', o.status, n.status,
            -- The detail of a claim and of a completion, most of the events, is built
            -- directly, at about half the cost of the general form with its nulls stripped.
            case
                when n.retry_count = o.retry_count and n.status = 'processing' and n.locked_by is not null
                    then jsonb_build_object('stage_key', n.stage_key, 'worker', n.locked_by)
                when n.retry_count = o.retry_count and n.status in ('generated', 'completed', 'cancelled')
                    then jsonb_build_object('stage_key', n.stage_key)
                else jsonb_strip_nulls(jsonb_build_object(
                    'stage_key', n.stage_key,
                    'worker', case when n.status = 'processing' then n.locked_by end,
                    'retry_count', case when n.retry_count <> o.retry_count then n.retry_count end,
                    'error', case when n.status in ('plan', 'failed') then n.error_message end,
                    'error_code', case when n.status = 'failed' then n.error_code end
                ))
            end
        from new_tasks as n
        join old_tasks as o on o.id = n.id
        where n.status is distinct from o.status;
    end if;
    return null;
end
$$;

comment on function orchable.tg_ai_tasks__log_events() is
'Statement trigger: appends a task_events row for every task created and every task status change.';

drop trigger if exists ai_tasks_30_log_events_inserted on public.ai_tasks;
create trigger ai_tasks_30_log_events_inserted
after insert on public.ai_tasks
referencing new table as new_tasks
for each statement
execute function orchable.tg_ai_tasks__log_events();

drop trigger if exists ai_tasks_30_log_events_updated on public.ai_tasks;
create trigger ai_tasks_30_log_events_updated
after update on public.ai_tasks
referencing old table as old_tasks new table as new_tasks
for each statement
execute function orchable.tg_ai_tasks__log_events();

-- New functions of orchable are out of the API roles' reach, as policies/0160_orchable_internals.sql makes every other.
revoke all on function orchable._parse_template(text), orchable._render_template(text[], text[], jsonb)
from public, anon, authenticated, service_role;
