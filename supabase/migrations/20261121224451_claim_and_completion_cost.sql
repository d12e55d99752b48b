-- Delta from the sources below, written by scripts/new-migration.sh.

-- functions/0195_llm_call_cost.sql
-- The one place an LLM call is priced, for record_llm_call and record_llm_calls. Cached
-- tokens are part of the input; thinking tokens are billed as output. An unknown model,
-- or an unknown price, costs 0.
-- PL/pgSQL: a SQL function with its own search_path is planned anew at every call.
create or replace function orchable._llm_call_cost(
    p_provider text,
    p_model text,
    p_input_tokens integer,
    p_output_tokens integer,
    p_cached_tokens integer,
    p_thoughts_tokens integer
)
returns numeric
language plpgsql
stable
set search_path = ''
as $$
begin
    return coalesce((
        select (
            greatest(coalesce(p_input_tokens, 0) - coalesce(p_cached_tokens, 0), 0)
            * coalesce(m.input_usd_per_million, 0)
            + coalesce(p_cached_tokens, 0) * coalesce(m.cached_input_usd_per_million, m.input_usd_per_million, 0)
            -- bigint: two integer counts can add up beyond the integer range.
            + (coalesce(p_output_tokens, 0)::bigint + coalesce(p_thoughts_tokens, 0)) * coalesce(m.output_usd_per_million, 0)
        ) / 1000000
        from public.ai_models as m
        where m.provider = p_provider and m.model = p_model
    ), 0);
end
$$;

comment on function orchable._llm_call_cost(text, text, integer, integer, integer, integer) is
'The cost in USD of one LLM call from ai_models: input (cached tokens at the cached price), output and thinking tokens; 0 for an unknown model.';

-- functions/0210_tg_ai_tasks__fan_out.sql
-- Runs once per statement that completes tasks, before the event and counter triggers:
-- for every task that has just completed and whose stage has next stages (in id order),
-- creates the children of every next stage. 1:1 gets the output as input; 1:N one child
-- per element at split_path; N:1 counts this branch's arrival in its split's merge
-- group, and the arrival that completes the group (its row lock serialises them) creates
-- the one merge task. A merge task's parent is the split task, so like every child it is
-- one step below its parent, whether the split was empty or not.
create or replace function orchable.tg_ai_tasks__fan_out()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
    v_task public.ai_tasks;
    v_next public.prompt_templates;
    v_merge public.prompt_templates;
    v_split public.ai_tasks;
    v_group orchable.merge_groups;
    v_items jsonb;
    v_input jsonb;
begin
    for v_task in
        select n.*
        from new_tasks as n
        join old_tasks as o on o.id = n.id
        join public.prompt_templates as p on p.id = n.prompt_template_id
        where n.status = 'completed' and o.status is distinct from 'completed'
            and jsonb_array_length(p.stage_config -> 'next') > 0
        order by n.id
    loop
        for v_next in select * from orchable._next_stages(v_task.prompt_template_id) loop
            case v_next.stage_config ->> 'cardinality'
            when '1:1' then
                v_input := v_task.output_data;
                if coalesce(v_next.stage_config -> 'input_mapping', '{}'::jsonb) <> '{}'::jsonb then
                    if jsonb_typeof(v_input) <> 'object' then
                        v_input := jsonb_build_object('output', v_input);
                    end if;
                    v_input := v_input || orchable._mapped_input(
                        v_next.stage_config -> 'input_mapping', v_task.input_data, v_task.output_data);
                end if;
                perform orchable._insert_child(v_task, v_next, v_input, v_task.step_number + 1,
                    v_task.split_task_id, v_task.branch_index);

            when '1:N' then
                v_items := v_task.output_data #> orchable._path(v_next.stage_config ->> 'split_path');
                if jsonb_typeof(v_items) is distinct from 'array' then
                    raise exception 'split_path "%" of stage "%" is not an array in the output of task %',
                        v_next.stage_config ->> 'split_path', v_next.stage_key, v_task.id
                        using errcode = 'OR009',
                        hint = 'complete_task fails such a task instead of completing it; this is a bug';
                end if;
                insert into public.ai_tasks (
                    owner_id, orchestrator_id, batch_id, launch_id, task_type, stage_key, input_data,
                    prompt_template_id, parent_task_id, root_task_id, hierarchy_path, step_number,
                    requires_approval, max_retries, split_task_id, branch_index
                )
                select
                    v_task.owner_id, v_task.orchestrator_id, v_task.batch_id, v_task.launch_id,
                    coalesce(v_next.stage_config ->> 'task_type', v_next.stage_key), v_next.stage_key,
                    jsonb_build_object('item', e.item, 'item_index', e.position - 1)
                    || orchable._mapped_input(v_next.stage_config -> 'input_mapping', v_task.input_data, v_task.output_data),
                    v_next.id, v_task.id, v_task.root_task_id, v_task.hierarchy_path || to_jsonb(v_task.id),
                    v_task.step_number + 1, v_next.requires_approval, v_next.max_retries, v_task.id, (e.position - 1)::integer
                from jsonb_array_elements(v_items) with ordinality as e (item, position);

                for v_merge in
                    select m.* from jsonb_array_elements_text(v_next.stage_config -> 'merge_stage_keys') as k (stage_key)
                    join public.prompt_templates as m
                        on m.orchestrator_id = v_task.orchestrator_id and m.stage_key = k.stage_key and m.is_active
                loop
                    if jsonb_array_length(v_items) = 0 then
                        perform orchable._insert_child(v_task, v_merge,
                            orchable._nest_at_path(v_merge.stage_config ->> 'merge_path', '[]'::jsonb)
                            || orchable._mapped_input(v_merge.stage_config -> 'input_mapping', v_task.input_data, v_task.output_data),
                            v_task.step_number + 1, v_task.split_task_id, v_task.branch_index);
                    else
                        insert into orchable.merge_groups (split_task_id, merge_stage_key, expected_count)
                        values (v_task.id, v_merge.stage_key, jsonb_array_length(v_items));
                    end if;
                end loop;

            when 'N:1' then
                update orchable.merge_groups as g
                set arrived_count = g.arrived_count + 1
                where g.split_task_id = v_task.split_task_id and g.merge_stage_key = v_next.stage_key
                returning * into v_group;
                if not found then
                    raise exception 'task % reached merge stage "%" outside of any split', v_task.id, v_next.stage_key
                        using errcode = 'OR015',
                        hint = 'upsert_orchestrator refuses an N:1 stage with no 1:N above it; this is a bug';
                end if;
                if v_group.arrived_count = v_group.expected_count then
                    select * into strict v_split from public.ai_tasks where id = v_task.split_task_id;
                    perform orchable._insert_child(
                        v_split, v_next,
                        orchable._nest_at_path(v_next.stage_config ->> 'merge_path', (
                            select coalesce(jsonb_agg(b.output_data order by b.branch_index), '[]'::jsonb)
                            from public.ai_tasks as b
                            where b.split_task_id = v_task.split_task_id and b.stage_key = v_task.stage_key
                                and b.status = 'completed'
                        ))
                        || orchable._mapped_input(v_next.stage_config -> 'input_mapping', v_split.input_data, v_split.output_data),
                        v_split.step_number + 1, v_split.split_task_id, v_split.branch_index);
                    update orchable.merge_groups as g
                    set merged_at = now()
                    where g.split_task_id = v_group.split_task_id and g.merge_stage_key = v_group.merge_stage_key;
                end if;
            end case;
        end loop;
    end loop;
    return null;
end
$$;

comment on function orchable.tg_ai_tasks__fan_out() is
'Statement trigger: creates the children of the tasks a statement has just completed: 1:1, 1:N (split) and N:1 (merge, exactly once per split).';

drop trigger if exists ai_tasks_10_fan_out on public.ai_tasks;
create trigger ai_tasks_10_fan_out
after update on public.ai_tasks
referencing old table as old_tasks new table as new_tasks
for each statement
execute function orchable.tg_ai_tasks__fan_out();

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
    v_claimed uuid [];
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
        returning t.id, t.lease_expired_count
    )
    select coalesce(array_agg(id), '{}'), coalesce(bool_or(lease_expired_count >= v_max_lease_expiries), false)
    into v_claimed, v_poisoned
    from leased;

    -- Statement triggers fire even for an update of no row: run these only when needed.
    if v_poisoned then
        update public.ai_tasks as t
        set
            status = 'failed',
            error_code = 'OR014',
            error_message = format('poison task: its lease expired %s times without a result', t.lease_expired_count),
            claim_token = null, locked_by = null, locked_until = null, updated_at = now()
        where t.id = any(v_claimed) and t.lease_expired_count >= v_max_lease_expiries;
    end if;

    -- Each prompt is rendered once: a task whose input lacks a template variable fails
    -- naming it, the others are returned with their prompt.
    select array_agg(t.id), array_agg(r.rendered), array_agg(r.missing_variable)
    into v_ids, v_prompts, v_missing_variables
    from public.ai_tasks as t
    join public.prompt_templates as p on p.id = t.prompt_template_id
    cross join lateral orchable._render_template(p.template, t.input_data) as r
    where t.id = any(v_claimed) and t.status = 'processing';
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
    from unnest(v_ids, v_prompts, v_missing_variables) as c (id, prompt, missing_variable)
    join public.ai_tasks as t on t.id = c.id
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
        where t.status = 'processing' and t.claim_token = r.claim_token
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

-- functions/0530_acquire_api_key.sql
-- SECURITY DEFINER: the worker has no privileges on the key tables, and the plain key is
-- decrypted with a key-encryption key nobody but the owner of this function may read.
-- PL/pgSQL, not SQL: a SQL function with its own search_path is planned anew at every call.
create or replace function public.acquire_api_key(
    p_owner_id uuid,
    p_provider text,
    p_model text default null,
    p_now timestamptz default null
)
returns table (api_key_id uuid, api_key text, key_name text, model_preference text)
language plpgsql
volatile
security definer
set search_path = ''
as $$
#variable_conflict use_column
begin
    -- The only write is last_used_at, a rotation hint: the commit need not wait for the
    -- disk, so the key's row lock is held for microseconds, not a WAL flush.
    perform set_config('synchronous_commit', 'off', true);
    return query
    with chosen as (
        select h.user_api_key_id
        from public.user_api_keys as k
        inner join public.api_key_health as h on h.user_api_key_id = k.id
        where
            k.owner_id = p_owner_id
            and k.provider = p_provider
            and k.is_active
            and (h.blocked_until is null or h.blocked_until <= coalesce(p_now, now()))
        order by
            -- For a given model: keys meant for it, or for no model in particular, first.
            (p_model is not null and k.model_preference is not null and k.model_preference <> p_model),
            k.priority desc,
            h.last_used_at asc nulls first,
            k.id
        limit 1
        -- Wait for a key another worker is taking rather than skip it: a skipped key
        -- would read as "no usable key" and send the task back to wait for nothing.
        for update of h
    ),

    used as (
        update public.api_key_health as h
        set last_used_at = coalesce(p_now, now()), updated_at = coalesce(p_now, now())
        from chosen
        where h.user_api_key_id = chosen.user_api_key_id
        returning h.user_api_key_id
    )

    select k.id, orchable._decrypt_api_key(k.api_key_encrypted), k.key_name, k.model_preference
    from used
    inner join public.user_api_keys as k on k.id = used.user_api_key_id;
end
$$;

comment on function public.acquire_api_key(uuid, text, text, timestamptz) is
'Hands the worker the healthiest usable key of an owner for a provider, in clear, and marks it used.
Usable: active and not blocked. Order: meant for p_model (or for no model) first, then priority (higher first),
then least recently used. Concurrent callers wait for each other, so none reads a key being taken as none usable.
Returns no row when no key is usable: wait and try again.';
revoke all on function public.acquire_api_key(uuid, text, text, timestamptz)
from public, anon, authenticated, service_role;
grant execute on function public.acquire_api_key(uuid, text, text, timestamptz) to orchable_worker, service_role;

-- functions/0540_report_api_key_result.sql
-- SECURITY DEFINER: the worker has no privileges on the key tables; this is its only way
-- to write a key's health.
create or replace function public.report_api_key_result(
    p_api_key_id uuid,
    p_outcome text,
    p_retry_after_seconds integer default null,
    p_error text default null,
    p_now timestamptz default null
)
returns public.api_key_health
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_now timestamptz := coalesce(p_now, now());
    v_health public.api_key_health;
    v_failures integer;
    v_cooldown interval;
    v_reason text;
    v_deactivate boolean := false;
begin
    if p_outcome is null
        or p_outcome not in ('success', 'rate_limited', 'server_error', 'timeout', 'invalid_key') then
        raise exception 'unknown outcome %', coalesce(quote_literal(p_outcome), 'null')
            using errcode = 'OR102',
            detail = 'p_outcome is not one of the outcomes a call can have.',
            hint = 'Use success, rate_limited, server_error, timeout or invalid_key.';
    end if;
    if p_retry_after_seconds < 0 then
        raise exception 'negative retry-after: % seconds', p_retry_after_seconds
            using errcode = 'OR100',
            detail = 'p_retry_after_seconds must be zero or more.',
            hint = 'Pass the Retry-After the provider sent, or null.';
    end if;

    -- Key health is advice for the next acquire: its commit need not wait for the disk,
    -- so the key's row lock is held for microseconds, not a WAL flush. A crash loses at
    -- most the last moment of it, and the next call learns it again.
    perform set_config('synchronous_commit', 'off', true);

    select h.* into v_health
    from public.api_key_health as h
    where h.user_api_key_id = p_api_key_id
    for update;
    if not found then
        raise exception 'API key % not found', p_api_key_id
            using errcode = 'OR101',
            detail = 'No user_api_keys row has this id.',
            hint = 'Report the api_key_id acquire_api_key returned; the key may have been deleted.';
    end if;

    if p_outcome = 'success' then
        update public.api_key_health as h
        set
            consecutive_failures = 0,
            blocked_until = null,
            -- A deactivated key keeps the reason it was deactivated for.
            block_reason = case when k.is_active then null else h.block_reason end,
            total_calls = h.total_calls + 1,
            updated_at = v_now
        from public.user_api_keys as k
        where h.user_api_key_id = p_api_key_id and k.id = h.user_api_key_id
        returning h.* into v_health;
        return v_health;
    end if;

    v_failures := v_health.consecutive_failures + 1;
    v_reason := p_outcome;
    if p_outcome = 'rate_limited' then
        v_cooldown := make_interval(secs => coalesce(
            p_retry_after_seconds, least(30 * power(2, least(v_failures, 20) - 1), 3600)
        ));
    elsif p_outcome in ('server_error', 'timeout') then
        v_cooldown := make_interval(secs => least(5 * power(2, least(v_failures, 20) - 1), 300));
    else
        v_deactivate := true;
    end if;
    if v_failures >= 10 and not v_deactivate then
        v_deactivate := true;
        v_reason := 'too_many_failures: ' || coalesce(p_error, p_outcome);
    end if;

    update public.api_key_health as h
    set
        consecutive_failures = v_failures,
        -- A cooldown never shortens a longer block already in force.
        blocked_until = greatest(h.blocked_until, v_now + v_cooldown),
        block_reason = v_reason,
        total_calls = h.total_calls + 1,
        total_failures = h.total_failures + 1,
        last_error = coalesce(p_error, h.last_error),
        updated_at = v_now
    where h.user_api_key_id = p_api_key_id
    returning h.* into v_health;

    if v_deactivate then
        update public.user_api_keys as k
        set is_active = false, updated_at = v_now
        where k.id = p_api_key_id;
    end if;
    return v_health;
end
$$;

comment on function public.report_api_key_result(uuid, text, integer, text, timestamptz) is
'Records how a call with a key went, and blocks or deactivates the key accordingly.
success resets the failure streak and clears the block. rate_limited blocks for p_retry_after_seconds,
else 30 s * 2^(streak - 1) up to 1 hour; server_error and timeout block for 5 s * 2^(streak - 1) up to 5 minutes;
invalid_key deactivates the key at once; a streak of 10 failures deactivates it (too_many_failures: <error>).
Errors: OR100 negative retry-after, OR101 key not found, OR102 unknown outcome.';
revoke all on function public.report_api_key_result(uuid, text, integer, text, timestamptz)
from public, anon, authenticated, service_role;
grant execute on function public.report_api_key_result(uuid, text, integer, text, timestamptz)
to orchable_worker, service_role;
