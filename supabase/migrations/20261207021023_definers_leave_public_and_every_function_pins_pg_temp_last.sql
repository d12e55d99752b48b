-- Delta from the sources below, written by scripts/new-migration.sh.

-- sql/0000_schema_orchable.sql
-- orchable's private schema: internal state (task trees, merge groups) and helper
-- functions. PostgREST does not expose it; only the SECURITY DEFINER implementations of
-- the RPCs (schema orchable_rpc) reach it.
create schema if not exists orchable;
revoke all on schema orchable from public;

comment on schema orchable is
'orchable internals: task tree and merge bookkeeping, helpers and trigger functions. Not exposed through PostgREST.';

-- sql/0020_schema_orchable_rpc.sql
-- The RPCs' implementations: SECURITY DEFINER functions, each reached only through its
-- SECURITY INVOKER namesake in public (what PostgREST exposes) or by the roles granted it.
-- Keeping them out of public is Supabase's rule for definers: an exposed schema holds
-- none, so the Security Advisor (splinter) finds nothing, and every rule is still
-- enforced inside the implementation whatever path a call takes.
create schema if not exists orchable_rpc;
revoke all on schema orchable_rpc from public;
grant usage on schema orchable_rpc to authenticated, service_role, orchable_worker;

comment on schema orchable_rpc is
'The SECURITY DEFINER implementations of orchable''s RPCs; not exposed through PostgREST. Call the namesakes in public.';

-- functions/0100_caller_owns.sql
-- Whether the caller may act on rows owned by p_owner_id. API callers (anon,
-- authenticated) act only for their own user id; the RPCs that use this are granted to
-- nobody else but service_role and the owner, which act for every user.
create or replace function orchable._caller_owns(p_owner_id uuid)
returns boolean
language plpgsql
stable
set search_path = pg_catalog, pg_temp
as $$
begin
    if coalesce(current_setting('role', true), 'none') in ('anon', 'authenticated') then
        return coalesce(p_owner_id = auth.uid(), false);
    end if;
    return true;
end
$$;

comment on function orchable._caller_owns(uuid) is
'True when the calling user owns the row, or the caller is service_role or the schema owner.';

-- functions/0105_time_ordered_uuid.sql
-- A UUID whose first 48 bits are the Unix time in milliseconds (the UUIDv7 layout of
-- RFC 9562; PostgreSQL 18 has uuidv7(), 15 has not), the rest random. Task ids are made
-- with it: tasks created together sit together in every index keyed by a task id (the
-- primary key, task_events and llm_calls by task), so a claim or a completion of 64 tasks
-- touches a few index pages instead of 64 scattered ones.
create or replace function orchable.time_ordered_uuid()
returns uuid
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
    v_bytes bytea := uuid_send(gen_random_uuid());  -- random, with the RFC variant bits
begin
    v_bytes := overlay(v_bytes placing substring(int8send(floor(extract(epoch from clock_timestamp()) * 1000)::bigint) from 3)
        from 1 for 6);
    v_bytes := set_byte(v_bytes, 6, (get_byte(v_bytes, 6) & 15) | 112);  -- version 7
    return encode(v_bytes, 'hex')::uuid;
end
$$;

comment on function orchable.time_ordered_uuid() is
'A version 7 UUID: Unix milliseconds in its first 48 bits, random after. The id of every task orchable creates.';

-- functions/0110_path.sql
create or replace function orchable._path(p_dot_path text)
returns text[]
language plpgsql
immutable
set search_path = pg_catalog, pg_temp
as $$
begin
    return case when coalesce(p_dot_path, '') = '' then '{}'::text [] else string_to_array(p_dot_path, '.') end;
end
$$;

comment on function orchable._path(text) is
'Turns a dot path (questions.0.text) into the text[] path the #> operator takes.';

-- functions/0115_parse_template.sql
-- A template is parsed once per claim, however many of the claim's tasks use it; each
-- task's prompt is then put together from the parts (orchable._render_template).
create or replace function orchable._parse_template(p_template text, out parts text[], out names text[])
language plpgsql
immutable
set search_path = pg_catalog, pg_temp
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
set search_path = pg_catalog, pg_temp
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

-- functions/0130_retry_delay.sql
create or replace function orchable._retry_delay(p_retry_count integer)
returns interval
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
begin
    return make_interval(secs => least(3600, 10 * power(2, greatest(p_retry_count - 1, 0))) * (0.5 + random()));
end
$$;

comment on function orchable._retry_delay(integer) is
'Exponential backoff with jitter before retry n: 10 s * 2^(n-1), capped at an hour, times 0.5 to 1.5.';

-- functions/0150_batch_status.sql
create or replace function orchable._batch_status(
    p_status text, p_total integer, p_completed integer, p_failed integer
)
returns text
language plpgsql
immutable
set search_path = pg_catalog, pg_temp
as $$
begin
    return case
        when p_status in ('paused', 'cancelled') then p_status
        when p_total > 0 and p_completed = p_total then 'completed'
        when p_total > 0 and p_completed + p_failed = p_total then 'failed'
        when p_status = 'pending' then 'pending'
        else 'processing'
    end;
end
$$;

comment on function orchable._batch_status(text, integer, integer, integer) is
'A batch''s status from its counters; paused and cancelled stay until resume_batch or forever.';

-- functions/0160_next_stages.sql
create or replace function orchable._next_stages(p_template_id text)
returns setof public.prompt_templates
language plpgsql
stable
set search_path = pg_catalog, pg_temp
as $$
begin
    return query
    select n.*
    from public.prompt_templates as t
    cross join lateral jsonb_array_elements_text(t.stage_config -> 'next') with ordinality as k (stage_key, position)
    join public.prompt_templates as n
        on n.orchestrator_id = t.orchestrator_id and n.stage_key = k.stage_key and n.is_active
    where t.id = p_template_id
    order by k.position;
end
$$;

comment on function orchable._next_stages(text) is
'The active templates of the stages that follow a template''s stage, in the order its definition lists them.';

-- functions/0170_split_error.sql
create or replace function orchable._split_error(p_template_id text, p_output jsonb)
returns text
language plpgsql
stable
set search_path = pg_catalog, pg_temp
as $$
begin
    return (
        select format(
            'split_path "%s" of stage "%s" is %s in the output; it must be an array',
            n.stage_config ->> 'split_path', n.stage_key,
            coalesce('a ' || jsonb_typeof(p_output #> orchable._path(n.stage_config ->> 'split_path')), 'missing')
        )
        from orchable._next_stages(p_template_id) as n
        where
            n.stage_config ->> 'cardinality' = '1:N'
            and jsonb_typeof(p_output #> orchable._path(n.stage_config ->> 'split_path')) is distinct from 'array'
        limit 1
    );
end
$$;

comment on function orchable._split_error(text, jsonb) is
'Why an output cannot be split by a following 1:N stage (its split_path is missing or not an array), or null.';

-- functions/0180_mapped_input.sql
-- input_mapping {"child_key": "input.a.b" | "output.a.b"}: values read from the source
-- task's input or output; a path that is missing gives JSON null.
create or replace function orchable._mapped_input(p_mapping jsonb, p_input jsonb, p_output jsonb)
returns jsonb
language plpgsql
immutable
set search_path = pg_catalog, pg_temp
as $$
begin
    if p_mapping is null or p_mapping = '{}'::jsonb then
        return '{}'::jsonb;
    end if;
    return (
        select jsonb_object_agg(
            m.key,
            coalesce(
                case split_part(m.value, '.', 1)
                    when 'input' then p_input
                    when 'output' then p_output
                end #> (orchable._path(m.value))[2:],
                'null'::jsonb
            )
        )
        from jsonb_each_text(p_mapping) as m
    );
end
$$;

comment on function orchable._mapped_input(jsonb, jsonb, jsonb) is
'The keys a stage''s input_mapping adds to a child''s input, read from the source task''s input or output.';

-- functions/0190_nest_at_path.sql
create or replace function orchable._nest_at_path(p_dot_path text, p_value jsonb)
returns jsonb
language plpgsql
immutable
set search_path = pg_catalog, pg_temp
as $$
declare
    v_path text [] := orchable._path(p_dot_path);
    v_result jsonb := p_value;
begin
    for i in reverse coalesce(array_length(v_path, 1), 0)..1 loop
        v_result := jsonb_build_object(v_path[i], v_result);
    end loop;
    return v_result;
end
$$;

comment on function orchable._nest_at_path(text, jsonb) is
'Wraps a value in objects along a dot path: (a.b, 1) gives {"a": {"b": 1}}.';

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
set search_path = pg_catalog, pg_temp
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

-- functions/0198_report_api_key_calls.sql
-- How calls with a key went, for report_api_key_result and report_api_key_results: the
-- key's health row is locked, and the key blocked or deactivated as the outcome says.
-- p_calls is how many calls in a row had this outcome; only successes come in runs (a
-- failure changes the streak, so each is reported alone). The callers set
-- synchronous_commit.
create or replace function orchable._report_api_key_calls(
    p_api_key_id uuid,
    p_outcome text,
    p_calls integer,
    p_retry_after_seconds integer,
    p_error text,
    p_now timestamptz
)
returns public.api_key_health
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
    v_now timestamptz := coalesce(p_now, now());
    v_health public.api_key_health;
    v_failures integer;
    v_cooldown interval;
    v_reason text;
    v_deactivate boolean := false;
    v_rate_limited boolean;
begin
    if p_outcome is null
        or p_outcome not in ('success', 'rate_limited', 'server_error', 'timeout', 'invalid_key') then
        raise exception 'unknown outcome %', coalesce(quote_literal(p_outcome), 'null')
            using errcode = 'OR102',
            detail = 'p_outcome is not one of the outcomes a call can have.',
            hint = 'Use success, rate_limited, server_error, timeout or invalid_key.';
    end if;
    if p_calls is null or p_calls < 1 or (p_calls > 1 and p_outcome <> 'success') then
        raise exception 'a run of % % calls', p_calls, p_outcome
            using errcode = 'OR010',
            detail = 'Only successes are reported in runs; each failure is reported alone.',
            hint = 'Report failures one by one, in the order they happened.';
    end if;
    if p_retry_after_seconds < 0 then
        raise exception 'negative retry-after: % seconds', p_retry_after_seconds
            using errcode = 'OR100',
            detail = 'p_retry_after_seconds must be zero or more.',
            hint = 'Pass the Retry-After the provider sent, or null.';
    end if;

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
        v_rate_limited := coalesce(v_health.block_reason = 'rate_limited' and v_health.blocked_until > v_now, false);
        -- A success ends the streak and a cooldown for errors, but not a rate limit's: a
        -- call in flight when the quota ran out says nothing about when it comes back.
        update public.api_key_health as h
        set
            consecutive_failures = 0,
            blocked_until = case when v_rate_limited then h.blocked_until end,
            failing_since = null,
            -- A deactivated key keeps the reason it was deactivated for.
            block_reason = case when not k.is_active or v_rate_limited then h.block_reason end,
            total_calls = h.total_calls + p_calls,
            updated_at = v_now
        from public.user_api_keys as k
        where h.user_api_key_id = p_api_key_id and k.id = h.user_api_key_id
        returning h.* into v_health;
        return v_health;
    end if;

    v_reason := p_outcome;
    if v_health.blocked_until > v_now then
        -- The key is blocked: this call was in flight when the block began (acquire hands
        -- out no blocked key), and it failed for the same cause. The block already counts
        -- that failure: a burst of them neither lengthens the streak nor the cooldown, or
        -- one stumble of the provider would block every key for minutes. Only a
        -- Retry-After the provider sent is honoured.
        v_failures := v_health.consecutive_failures;
        v_cooldown := make_interval(secs => p_retry_after_seconds);
        v_deactivate := p_outcome = 'invalid_key';
        if not v_deactivate and v_health.blocked_until >= v_now + coalesce(v_cooldown, interval '0') then
            v_reason := v_health.block_reason;  -- the block stands as it was
        end if;
    else
        v_failures := v_health.consecutive_failures + 1;
        if p_outcome = 'rate_limited' then
            v_cooldown := make_interval(secs => coalesce(
                p_retry_after_seconds, least(30 * power(2, least(v_failures, 20) - 1), 3600)
            ));
        elsif p_outcome in ('server_error', 'timeout') then
            v_cooldown := make_interval(secs => least(5 * power(2, least(v_failures, 20) - 1), 300));
        else
            v_deactivate := true;
        end if;
    end if;
    -- Too many failures: 10 in a row over 10 minutes or more, and not rate limits (a quota
    -- comes back; its cooldown is enough). A burst does not count however long it is:
    -- the calls in flight on a key when the provider stumbles all fail within seconds, and
    -- an outage must not switch off the whole pool.
    if v_failures >= 10
        and p_outcome <> 'rate_limited'
        and v_now - coalesce(v_health.failing_since, v_now) >= interval '10 minutes'
        and not v_deactivate then
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
        updated_at = v_now,
        failing_since = coalesce(h.failing_since, v_now)
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

comment on function orchable._report_api_key_calls(uuid, text, integer, integer, text, timestamptz) is
'Records p_calls calls in a row with one outcome on a key (only successes come in runs): the body of report_api_key_result(s).
Private; nobody is granted execute.';
revoke all on function orchable._report_api_key_calls(uuid, text, integer, integer, text, timestamptz)
from public, anon, authenticated, service_role;

-- functions/0200_insert_child.sql
create or replace function orchable._insert_child(
    p_parent public.ai_tasks,
    p_stage public.prompt_templates,
    p_input jsonb,
    p_step_number integer,
    p_split_task_id uuid,
    p_branch_index integer
)
returns void
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
begin
    insert into public.ai_tasks (
        id, owner_id, orchestrator_id, batch_id, launch_id, task_type, stage_key, input_data,
        prompt_template_id, parent_task_id, root_task_id, hierarchy_path, step_number,
        requires_approval, max_retries, split_task_id, branch_index
    )
    values (
        orchable.time_ordered_uuid(), p_parent.owner_id, p_parent.orchestrator_id, p_parent.batch_id, p_parent.launch_id,
        coalesce(p_stage.stage_config ->> 'task_type', p_stage.stage_key), p_stage.stage_key, p_input,
        p_stage.id, p_parent.id, p_parent.root_task_id, p_parent.hierarchy_path || to_jsonb(p_parent.id),
        p_step_number, p_stage.requires_approval, p_stage.max_retries, p_split_task_id, p_branch_index
    );
end
$$;

comment on function orchable._insert_child(public.ai_tasks, public.prompt_templates, jsonb, integer, uuid, integer) is
'Creates one child task of a stage under a parent; batch, launch, root and hierarchy come from the parent.';

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
set search_path = pg_catalog, pg_temp
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
                    id, owner_id, orchestrator_id, batch_id, launch_id, task_type, stage_key, input_data,
                    prompt_template_id, parent_task_id, root_task_id, hierarchy_path, step_number,
                    requires_approval, max_retries, split_task_id, branch_index
                )
                select
                    orchable.time_ordered_uuid(), v_task.owner_id, v_task.orchestrator_id, v_task.batch_id,
                    v_task.launch_id, coalesce(v_next.stage_config ->> 'task_type', v_next.stage_key), v_next.stage_key,
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

-- functions/0220_tg_ai_tasks__count.sql
-- Keeps orchable.task_trees (open, failed and cancelled tasks per input) and the batch
-- counters in step with task statuses, once per statement: a bulk change costs one update
-- per tree and one per batch. An input is completed when its tree has nothing open and
-- nothing failed, failed as soon as one of its tasks failed for good.
--
-- The transition tables are read once into arrays: statements that name a transition
-- table are planned anew at every call, statements over array parameters keep their plan.
-- Every counter is computed in the SET of the UPDATE from the row it locked, so two
-- transactions that finish inputs of one batch at once both count. It fires last of the
-- statement's triggers (90): the batch row stays locked from here to the commit, and
-- other completions of the batch wait for it, so nothing else should run in between.
create or replace function orchable.tg_ai_tasks__count()
returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
    v_root_ids uuid [];
    v_batch_ids uuid [];
    v_open_deltas integer [];
    v_failed_deltas integer [];
    v_cancelled_deltas integer [];
    v_started boolean [];
    v_root_counts integer [];
begin
    if tg_op = 'INSERT' then
        select array_agg(root_task_id), array_agg(batch_id), array_agg(task_count), array_agg(root_count)
        into v_root_ids, v_batch_ids, v_open_deltas, v_root_counts
        from (
            select n.root_task_id, n.batch_id, count(*)::integer as task_count,
                count(*) filter (where n.parent_task_id is null)::integer as root_count
            from new_tasks as n
            group by n.root_task_id, n.batch_id
        ) as c;

        insert into orchable.task_trees as t (root_task_id, batch_id, open_count)
        select c.root_task_id, c.batch_id, c.task_count
        from unnest(v_root_ids, v_batch_ids, v_open_deltas) as c (root_task_id, batch_id, task_count)
        on conflict (root_task_id) do update set open_count = t.open_count + excluded.open_count;

        update public.task_batches as b
        set total_tasks = b.total_tasks + r.root_count, updated_at = now()
        from (
            select c.batch_id, sum(c.root_count)::integer as root_count
            from unnest(v_batch_ids, v_root_counts) as c (batch_id, root_count)
            group by c.batch_id
            having sum(c.root_count) > 0
        ) as r
        where b.id = r.batch_id;
        return null;
    end if;

    select array_agg(root_task_id), array_agg(batch_id), array_agg(open_delta), array_agg(failed_delta),
        array_agg(cancelled_delta), array_agg(started)
    into v_root_ids, v_batch_ids, v_open_deltas, v_failed_deltas, v_cancelled_deltas, v_started
    from (
        select
            n.root_task_id,
            n.batch_id,
            sum((n.status in ('plan', 'processing', 'generated'))::integer
                - (o.status in ('plan', 'processing', 'generated'))::integer)::integer as open_delta,
            sum((n.status = 'failed')::integer - (o.status = 'failed')::integer)::integer as failed_delta,
            sum((n.status = 'cancelled')::integer - (o.status = 'cancelled')::integer)::integer as cancelled_delta,
            bool_or(n.status = 'processing' and o.status = 'plan') as started
        from new_tasks as n
        join old_tasks as o on o.id = n.id
        where n.status is distinct from o.status
        group by n.root_task_id, n.batch_id
    ) as c;
    if v_root_ids is null then
        return null;
    end if;

    with trees as (
        update orchable.task_trees as t
        set
            open_count = t.open_count + d.open_delta,
            failed_count = t.failed_count + d.failed_delta,
            cancelled_count = t.cancelled_count + d.cancelled_delta
        from unnest(v_root_ids, v_open_deltas, v_failed_deltas, v_cancelled_deltas)
            as d (root_task_id, open_delta, failed_delta, cancelled_delta)
        where t.root_task_id = d.root_task_id
            and (d.open_delta <> 0 or d.failed_delta <> 0 or d.cancelled_delta <> 0)
        returning
            t.batch_id, t.open_count, t.failed_count, t.cancelled_count,
            d.open_delta as open_change, d.failed_delta as failed_change, d.cancelled_delta as cancelled_change
    ),
    -- An input is failed as soon as a task of it failed for good, completed when nothing
    -- of it is open, failed or cancelled; its outcome before this statement and after it.
    outcome_deltas as (
        select
            batch_id,
            sum(
                (failed_count = 0 and open_count = 0 and cancelled_count = 0)::integer
                - (failed_count = failed_change and open_count = open_change and cancelled_count = cancelled_change)::integer
            )::integer as completed_delta,
            sum((failed_count > 0)::integer - (failed_count > failed_change)::integer)::integer as failed_delta
        from trees
        group by batch_id
    ),
    started_batches as (
        select distinct s.batch_id from unnest(v_batch_ids, v_started) as s (batch_id, started) where s.started
    ),
    deltas as (
        select
            coalesce(o.batch_id, s.batch_id) as batch_id,
            coalesce(o.completed_delta, 0) as completed_delta,
            coalesce(o.failed_delta, 0) as failed_delta,
            s.batch_id is not null as started
        from outcome_deltas as o
        full join started_batches as s on s.batch_id = o.batch_id
    )
    update public.task_batches as b
    set
        completed_tasks = b.completed_tasks + d.completed_delta,
        failed_tasks = b.failed_tasks + d.failed_delta,
        status = orchable._batch_status(
            case when d.started and b.status = 'pending' then 'processing' else b.status end,
            b.total_tasks, b.completed_tasks + d.completed_delta, b.failed_tasks + d.failed_delta),
        started_at = case when d.started then coalesce(b.started_at, now()) else b.started_at end,
        finished_at = case
            when orchable._batch_status(
                case when d.started and b.status = 'pending' then 'processing' else b.status end,
                b.total_tasks, b.completed_tasks + d.completed_delta, b.failed_tasks + d.failed_delta
            ) in ('completed', 'failed', 'cancelled') then coalesce(b.finished_at, now())
        end,
        updated_at = now()
    from deltas as d
    where b.id = d.batch_id
        and (d.completed_delta <> 0 or d.failed_delta <> 0 or (d.started and b.status = 'pending'));
    return null;
end
$$;

comment on function orchable.tg_ai_tasks__count() is
'Statement trigger: updates task tree counts and batch counters and status from the tasks a statement created or changed.';

drop trigger if exists ai_tasks_90_count_inserted on public.ai_tasks;
create trigger ai_tasks_90_count_inserted
after insert on public.ai_tasks
referencing new table as new_tasks
for each statement
execute function orchable.tg_ai_tasks__count();

drop trigger if exists ai_tasks_90_count_updated on public.ai_tasks;
create trigger ai_tasks_90_count_updated
after update on public.ai_tasks
referencing old table as old_tasks new table as new_tasks
for each statement
execute function orchable.tg_ai_tasks__count();

-- functions/0230_tg_ai_tasks__log_events.sql
create or replace function orchable.tg_ai_tasks__log_events()
returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
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

-- functions/0240_tg_ai_tasks__notify.sql
-- Wakes idle workers (LISTEN orchable_tasks) when a statement makes tasks runnable.
-- NOTIFY is delivered on commit and coalesced per transaction: a hint to poll, no more.
create or replace function orchable.tg_ai_tasks__notify()
returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
begin
    if exists (select from new_tasks as n where n.status = 'plan') then
        perform pg_notify('orchable_tasks', 'runnable');
    end if;
    return null;
end
$$;

comment on function orchable.tg_ai_tasks__notify() is
'Statement trigger: NOTIFY orchable_tasks when tasks are created or put back to plan.';

drop trigger if exists ai_tasks_40_notify_inserted on public.ai_tasks;
create trigger ai_tasks_40_notify_inserted
after insert on public.ai_tasks
referencing new table as new_tasks
for each statement
execute function orchable.tg_ai_tasks__notify();

drop trigger if exists ai_tasks_40_notify_updated on public.ai_tasks;
create trigger ai_tasks_40_notify_updated
after update on public.ai_tasks
referencing new table as new_tasks
for each statement
execute function orchable.tg_ai_tasks__notify();

-- functions/0250_tg_task_batches__log_events.sql
create or replace function orchable.tg_task_batches__log_events()
returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
begin
    if tg_op = 'INSERT' then
        insert into public.task_events (owner_id, batch_id, event, from_status, to_status, detail)
        select n.owner_id, n.id, 'batch_status', null, n.status, jsonb_build_object('name', n.name)
        from new_batches as n;
    else
        insert into public.task_events (owner_id, batch_id, event, from_status, to_status, detail)
        select n.owner_id, n.id, 'batch_status', o.status, n.status,
            jsonb_strip_nulls(jsonb_build_object(
                'reason', n.status_reason,
                'completed_tasks', n.completed_tasks,
                'failed_tasks', n.failed_tasks
            ))
        from new_batches as n
        join old_batches as o on o.id = n.id
        where n.status is distinct from o.status;
    end if;
    return null;
end
$$;

comment on function orchable.tg_task_batches__log_events() is
'Statement trigger: appends a task_events row for every batch created and every batch status change.';

drop trigger if exists task_batches_30_log_events_inserted on public.task_batches;
create trigger task_batches_30_log_events_inserted
after insert on public.task_batches
referencing new table as new_batches
for each statement
execute function orchable.tg_task_batches__log_events();

drop trigger if exists task_batches_30_log_events_updated on public.task_batches;
create trigger task_batches_30_log_events_updated
after update on public.task_batches
referencing old table as old_batches new table as new_batches
for each statement
execute function orchable.tg_task_batches__log_events();

-- functions/0255_tg_task_batches__delete_events.sql
-- task_events has no foreign key to task_batches (see its table): this takes the events of
-- deleted batches along, once per statement, whether the batch was deleted by delete_batch
-- or by a cascade from its pipeline or its owner. SECURITY DEFINER, like the cascade of a
-- foreign key: whoever may delete a batch takes its events along.
create or replace function orchable.tg_task_batches__delete_events()
returns trigger
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    delete from public.task_events as e
    where e.batch_id in (select o.id from old_batches as o);
    return null;
end
$$;

comment on function orchable.tg_task_batches__delete_events() is
'Statement trigger: deletes the events of the batches a statement deleted.';

drop trigger if exists task_batches_40_delete_events on public.task_batches;
create trigger task_batches_40_delete_events
after delete on public.task_batches
referencing old table as old_batches
for each statement
execute function orchable.tg_task_batches__delete_events();

-- functions/0256_tg_task_batches__delete_llm_calls.sql
-- llm_calls has no foreign keys (see its table): this takes the calls of deleted batches
-- along, once per statement, whether the batch was deleted by delete_batch or by a cascade
-- from its pipeline or its owner. A call being recorded for the batch meanwhile holds its
-- task FOR KEY SHARE, so the batch's tasks are deleted after that transaction ends and
-- this statement, run after them, sees its calls. SECURITY DEFINER, like the cascade of a
-- foreign key: whoever may delete a batch takes its calls along.
create or replace function orchable.tg_task_batches__delete_llm_calls()
returns trigger
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    delete from public.llm_calls as c
    where c.batch_id in (select o.id from old_batches as o);
    return null;
end
$$;

comment on function orchable.tg_task_batches__delete_llm_calls() is
'Statement trigger: deletes the LLM calls of the batches a statement deleted.';

drop trigger if exists task_batches_41_delete_llm_calls on public.task_batches;
create trigger task_batches_41_delete_llm_calls
after delete on public.task_batches
referencing old table as old_batches
for each statement
execute function orchable.tg_task_batches__delete_llm_calls();

-- functions/0257_tg_user_api_keys__forget_in_llm_calls.sql
-- llm_calls has no foreign keys (see its table): this does what the key's "on delete set
-- null" did, once per statement. A call being recorded with the key meanwhile holds it
-- FOR KEY SHARE, so the key is deleted after that transaction ends and this statement
-- sees the call. SECURITY DEFINER: an owner deletes their key, not rows of llm_calls.
create or replace function orchable.tg_user_api_keys__forget_in_llm_calls()
returns trigger
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    update public.llm_calls as c
    set api_key_id = null
    where c.api_key_id in (select o.id from old_keys as o);
    return null;
end
$$;

comment on function orchable.tg_user_api_keys__forget_in_llm_calls() is
'Statement trigger: the LLM calls made with the keys a statement deleted no longer name them.';

drop trigger if exists user_api_keys_40_forget_in_llm_calls on public.user_api_keys;
create trigger user_api_keys_40_forget_in_llm_calls
after delete on public.user_api_keys
referencing old table as old_keys
for each statement
execute function orchable.tg_user_api_keys__forget_in_llm_calls();

-- functions/0258_tg_prompt_templates__keep_versions.sql
-- ai_tasks.prompt_template_id has no foreign key (see its table): a stage version stays
-- as long as its pipeline and its owner do, and goes with them (their deletes cascade to
-- the pipeline's tasks too), so no task names a version that is gone. SECURITY DEFINER:
-- the check reads auth.users, which the deleting role may not.
create or replace function orchable.tg_prompt_templates__keep_versions()
returns trigger
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_template_id text;
begin
    select o.id into v_template_id
    from old_templates as o
    where exists (select from public.orchestrators as p where p.id = o.orchestrator_id)
        and exists (select from auth.users as u where u.id = o.owner_id)
    order by o.id
    limit 1;
    if found then
        raise exception 'stage version % cannot be deleted while its pipeline exists', v_template_id
            using errcode = 'OR017',
            detail = 'A stage version is the record of what its tasks ran (ai_tasks.prompt_template_id).',
            hint = 'Delete the pipeline (orchestrators), which takes its versions, batches and tasks, '
                || 'or change the stage with upsert_orchestrator, which makes a new version.';
    end if;
    return null;
end
$$;

comment on function orchable.tg_prompt_templates__keep_versions() is
'Statement trigger: refuses to delete a stage version while its pipeline and its owner exist.';

drop trigger if exists prompt_templates_10_keep_versions on public.prompt_templates;
create trigger prompt_templates_10_keep_versions
after delete on public.prompt_templates
referencing old table as old_templates
for each statement
execute function orchable.tg_prompt_templates__keep_versions();

-- functions/0300_validate_stages.sql
-- Checks a pipeline definition's stages and returns them normalised, keyed by stage key,
-- with the derived keys each stage needs at run time: a 1:N stage's merge_stage_keys
-- (the N:1 stages that close its split) and an N:1 stage's split_stage_key. Raises OR001
-- naming the stage and the problem: unknown next stage, cycle, N:1 with no 1:N above it,
-- a split without split_path, and the like.
create or replace function orchable._validate_stages(p_definition jsonb)
returns jsonb
language plpgsql
immutable
set search_path = pg_catalog, pg_temp
as $$
declare
    v_stages jsonb := '{}';
    v_stage jsonb;
    v_key text;
    v_next text;
    v_entry text := p_definition ->> 'entry';
    v_indegree jsonb := '{}';
    v_queue text [];
    v_order text [] := '{}';
    v_splits jsonb := '{}';
    v_stack jsonb;
    v_child_stack jsonb;
    v_card text;
    v_problem text;
begin
    if jsonb_typeof(p_definition -> 'stages') is distinct from 'array'
        or jsonb_array_length(p_definition -> 'stages') = 0 then
        raise exception 'the pipeline definition has no stages'
            using errcode = 'OR001', detail = 'stages must be a non-empty JSON array',
            hint = 'add "stages": [{"key": "...", "template": "..."}]';
    end if;

    for v_stage in select s from jsonb_array_elements(p_definition -> 'stages') as s loop
        v_key := v_stage ->> 'key';
        v_card := coalesce(v_stage ->> 'cardinality', '1:1');
        v_problem := case
            when jsonb_typeof(v_stage) <> 'object' then 'is not a JSON object'
            when v_key is null or v_key !~ '^[a-z][a-z0-9_]*$' then
                'has no key or a key that is not snake_case ([a-z][a-z0-9_]*)'
            when v_stages ? v_key then 'is defined twice'
            when coalesce(btrim(v_stage ->> 'template'), '') = '' then 'has no template'
            when v_card not in ('1:1', '1:N', 'N:1') then
                format('has cardinality "%s"; it must be 1:1, 1:N or N:1', v_card)
            when v_card = '1:N' and coalesce(v_stage ->> 'split_path', '') = '' then
                'is a split (1:N) without split_path'
            when v_card = '1:N' and v_stage ->> 'split_path' !~ '^[^.]+(\.[^.]+)*$' then
                'is a split (1:N) whose split_path is not a dot path (a.b.c)'
            when v_stage ? 'next' and jsonb_typeof(v_stage -> 'next') <> 'array' then
                'has a next that is not an array of stage keys'
            when exists (
                select from jsonb_array_elements(v_stage -> 'next') as n (stage_key)
                where jsonb_typeof(n.stage_key) <> 'string'
            ) then 'has a next with an element that is not a stage key (a string)'
            when exists (
                select from jsonb_array_elements_text(v_stage -> 'next') as n (stage_key)
                group by n.stage_key having count(*) > 1
            ) then format('lists next stage "%s" more than once', (
                select n.stage_key from jsonb_array_elements_text(v_stage -> 'next') as n (stage_key)
                group by n.stage_key having count(*) > 1 order by n.stage_key limit 1
            ))
            when v_card = 'N:1' and v_stage ? 'merge_path'
                and coalesce(v_stage ->> 'merge_path', '') !~ '^[^.]+(\.[^.]+)*$' then
                'is a merge (N:1) whose merge_path is not a dot path (a.b.c)'
            when v_stage ? 'input_mapping' and jsonb_typeof(v_stage -> 'input_mapping') <> 'object' then
                'has an input_mapping that is not an object'
            when exists (
                select from jsonb_each(coalesce(v_stage -> 'input_mapping', '{}')) as m
                where jsonb_typeof(m.value) <> 'string' or m.value #>> '{}' !~ '^(input|output)(\.[^.]+)*$'
            ) then 'has an input_mapping value that is not "input.<path>" or "output.<path>"'
            when v_stage ? 'ai_settings' and jsonb_typeof(v_stage -> 'ai_settings') <> 'object' then
                'has ai_settings that are not an object'
            when jsonb_typeof(v_stage -> 'output_schema') not in ('object', 'null') then
                'has an output_schema that is not an object'
            when jsonb_typeof(v_stage -> 'input_schema') not in ('object', 'null') then
                'has an input_schema that is not an object'
            when jsonb_typeof(v_stage -> 'requires_approval') not in ('boolean', 'null') then
                'has a requires_approval that is not a boolean'
            when v_stage ? 'max_retries' and case
                when jsonb_typeof(v_stage -> 'max_retries') <> 'number' then true
                else (v_stage ->> 'max_retries')::numeric not between 0 and 100
                    or (v_stage ->> 'max_retries')::numeric <> trunc((v_stage ->> 'max_retries')::numeric)
            end then
                'has a max_retries that is not a whole number from 0 to 100'
        end;
        if v_problem is not null then
            raise exception 'stage "%" %', coalesce(v_key, '?'), v_problem
                using errcode = 'OR001', detail = v_stage::text,
                hint = 'fix the stage in the pipeline definition and apply it again';
        end if;
        v_stages := v_stages || jsonb_build_object(v_key, jsonb_build_object(
            'key', v_key,
            'template', v_stage ->> 'template',
            'name', coalesce(v_stage ->> 'name', v_key),
            'description', v_stage ->> 'description',
            'task_type', coalesce(v_stage ->> 'task_type', v_key),
            'next', coalesce(v_stage -> 'next', '[]'),
            'cardinality', v_card,
            'split_path', v_stage ->> 'split_path',
            'merge_path', case when v_card = 'N:1' then coalesce(v_stage ->> 'merge_path', 'items') end,
            'input_mapping', coalesce(v_stage -> 'input_mapping', '{}'),
            'input_schema', v_stage -> 'input_schema',
            'output_schema', v_stage -> 'output_schema',
            'requires_approval', coalesce((v_stage ->> 'requires_approval')::boolean, false),
            'ai_settings', coalesce(v_stage -> 'ai_settings', '{}'),
            -- A whole number may be written 5.0, which the integer cast alone refuses.
            'max_retries', coalesce((v_stage ->> 'max_retries')::numeric::integer, 3)
        ));
        v_indegree := v_indegree || jsonb_build_object(v_key, 0);
    end loop;

    if coalesce(v_entry, '') = '' then
        raise exception 'the pipeline definition has no entry stage'
            using errcode = 'OR001', detail = 'entry must name one of the stages',
            hint = 'add "entry": the key of the stage each input starts at';
    end if;
    if not v_stages ? v_entry then
        raise exception 'entry stage "%" is not one of the stages', v_entry
            using errcode = 'OR001', hint = 'set "entry" to the key of the first stage';
    end if;
    if v_stages -> v_entry ->> 'cardinality' <> '1:1' then
        raise exception 'stage "%" is the entry but has cardinality %', v_entry, v_stages -> v_entry ->> 'cardinality'
            using errcode = 'OR001', hint = 'the entry stage gets one task per input: make it 1:1';
    end if;

    -- Unknown next stages, and in-degrees for the cycle check.
    for v_key, v_stage in select * from jsonb_each(v_stages) loop
        for v_next in select jsonb_array_elements_text(v_stage -> 'next') loop
            if not v_stages ? v_next then
                raise exception 'stage "%" has next stage "%", which is not defined', v_key, v_next
                    using errcode = 'OR001', hint = 'define the stage or remove it from next';
            end if;
            v_indegree := jsonb_set(v_indegree, array[v_next], to_jsonb((v_indegree ->> v_next)::integer + 1));
        end loop;
    end loop;
    for v_key in select k from jsonb_each_text(v_indegree) as d (k, n) where n::integer > 1 loop
        if v_stages -> v_key ->> 'cardinality' = 'N:1' then
            raise exception 'stage "%" merges (N:1) but more than one stage leads to it', v_key
                using errcode = 'OR001', hint = 'an N:1 stage follows exactly one stage';
        end if;
    end loop;

    -- Kahn's algorithm: whatever cannot be ordered lies on a cycle.
    select coalesce(array_agg(k order by k), '{}') into v_queue from jsonb_each_text(v_indegree) as d (k, n) where n = '0';
    while cardinality(v_queue) > 0 loop
        v_key := v_queue[1];
        v_queue := v_queue[2:];
        v_order := v_order || v_key;
        for v_next in select jsonb_array_elements_text(v_stages -> v_key -> 'next') loop
            v_indegree := jsonb_set(v_indegree, array[v_next], to_jsonb((v_indegree ->> v_next)::integer - 1));
            if (v_indegree ->> v_next)::integer = 0 then
                v_queue := v_queue || v_next;
            end if;
        end loop;
    end loop;
    if cardinality(v_order) < (select count(*) from jsonb_object_keys(v_stages)) then
        select min(k) into v_key from jsonb_object_keys(v_stages) as k where k <> all(v_order);
        raise exception 'stage "%" is part of a cycle', v_key
            using errcode = 'OR001', hint = 'a pipeline is a directed acyclic graph: remove the next link that loops back';
    end if;

    -- Open splits along every path, in topological order: a 1:N pushes its key, an N:1
    -- pops the split it closes. Every stage must be reached with one stack.
    v_splits := jsonb_build_object(v_entry, '[]'::jsonb);
    foreach v_key in array v_order loop
        v_stack := v_splits -> v_key;
        if v_stack is null then
            raise exception 'stage "%" cannot be reached from the entry stage "%"', v_key, v_entry
                using errcode = 'OR001', hint = 'link it from another stage''s next, or remove it';
        end if;
        for v_next in select jsonb_array_elements_text(v_stages -> v_key -> 'next') loop
            v_card := v_stages -> v_next ->> 'cardinality';
            if v_card = 'N:1' and jsonb_array_length(v_stack) = 0 then
                raise exception 'stage "%" merges (N:1) but no split (1:N) above it is open', v_next
                    using errcode = 'OR001', hint = 'put a 1:N stage before it, or make it 1:1';
            end if;
            v_child_stack := case v_card
                when '1:N' then v_stack || to_jsonb(v_next)
                when 'N:1' then v_stack - (jsonb_array_length(v_stack) - 1)
                else v_stack
            end;
            if v_splits ? v_next and v_splits -> v_next <> v_child_stack then
                raise exception 'stage "%" is reached inside different splits', v_next
                    using errcode = 'OR001', hint = 'every path to a stage must cross the same 1:N and N:1 stages';
            end if;
            v_splits := v_splits || jsonb_build_object(v_next, v_child_stack);
            if v_card = 'N:1' then
                v_stages := jsonb_set(v_stages, array[v_next, 'split_stage_key'], v_stack -> -1);
                v_stages := jsonb_set(v_stages, array[v_stack ->> -1, 'merge_stage_keys'],
                    coalesce(v_stages -> (v_stack ->> -1) -> 'merge_stage_keys', '[]') || to_jsonb(v_next));
            end if;
        end loop;
    end loop;
    return v_stages;
end
$$;

comment on function orchable._validate_stages(jsonb) is
'Validates a pipeline definition''s stage graph and returns the stages normalised and keyed, with derived merge/split keys.';

-- functions/0310_upsert_orchestrator.sql
-- SECURITY DEFINER: users may not write prompt_templates directly, so that every stage
-- change goes through validation and versioning here.
create or replace function orchable_rpc.upsert_orchestrator(p_definition jsonb)
returns public.orchestrators
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_owner_id uuid := auth.uid();
    v_stages jsonb;
    v_stage jsonb;
    v_key text;
    v_orchestrator public.orchestrators;
    v_current public.prompt_templates;
    v_stage_config jsonb;
    v_version integer;
begin
    if jsonb_typeof(p_definition) is distinct from 'object' then
        raise exception 'the pipeline definition must be a JSON object'
            using errcode = 'OR001', hint = 'pass {"name": ..., "entry": ..., "stages": [...]}';
    end if;
    if coalesce(btrim(p_definition ->> 'name'), '') = '' then
        raise exception 'the pipeline definition has no name'
            using errcode = 'OR001', hint = 'add "name": a pipeline is updated in place by its name';
    end if;
    if length(p_definition ->> 'name') > 200 then
        raise exception 'the pipeline name is % characters long; at most 200', length(p_definition ->> 'name')
            using errcode = 'OR001', hint = 'use a shorter name; put the rest in "description"';
    end if;
    if v_owner_id is null then
        if coalesce(current_setting('role', true), 'none') in ('anon', 'authenticated') then
            raise exception 'upsert_orchestrator needs a signed-in user'
                using errcode = '42501', hint = 'call it with a user''s JWT';
        end if;
        if p_definition ->> 'owner_id' !~* '^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$' then
            raise exception 'owner_id "%" is not a user id', p_definition ->> 'owner_id'
                using errcode = 'OR001', hint = 'pass the uuid of a row of auth.users';
        end if;
        v_owner_id := (p_definition ->> 'owner_id')::uuid;
        if v_owner_id is null then
            raise exception 'the pipeline has no owner'
                using errcode = 'OR001', hint = 'called without a user (service_role, psql): add "owner_id" to the definition';
        end if;
    end if;

    v_stages := orchable._validate_stages(p_definition);

    insert into public.orchestrators as o (owner_id, name, description, entry_stage_key, definition)
    values (v_owner_id, p_definition ->> 'name', p_definition ->> 'description', p_definition ->> 'entry', p_definition)
    on conflict (owner_id, name) do update set
        description = excluded.description,
        entry_stage_key = excluded.entry_stage_key,
        definition = excluded.definition,
        updated_at = now()
    returning o.* into v_orchestrator;

    for v_key, v_stage in select * from jsonb_each(v_stages) loop
        v_stage_config := jsonb_strip_nulls(jsonb_build_object(
            'cardinality', v_stage -> 'cardinality',
            'split_path', v_stage -> 'split_path',
            'merge_path', v_stage -> 'merge_path',
            'input_mapping', v_stage -> 'input_mapping',
            'next', v_stage -> 'next',
            'task_type', v_stage -> 'task_type',
            'merge_stage_keys', v_stage -> 'merge_stage_keys',
            'split_stage_key', v_stage -> 'split_stage_key'
        ));
        select * into v_current from public.prompt_templates as t
        where t.orchestrator_id = v_orchestrator.id and t.stage_key = v_key and t.is_active;

        if found and v_current.template = v_stage ->> 'template'
            and v_current.name = v_stage ->> 'name'
            and v_current.description is not distinct from v_stage ->> 'description'
            and v_current.default_ai_settings = v_stage -> 'ai_settings'
            and v_current.input_schema is not distinct from v_stage -> 'input_schema'
            and v_current.output_schema is not distinct from v_stage -> 'output_schema'
            and v_current.stage_config = v_stage_config
            and v_current.requires_approval = (v_stage ->> 'requires_approval')::boolean
            and v_current.max_retries = (v_stage ->> 'max_retries')::integer then
            continue;
        end if;

        update public.prompt_templates set is_active = false
        where orchestrator_id = v_orchestrator.id and stage_key = v_key and is_active;
        select coalesce(max(t.version), 0) + 1 into v_version
        from public.prompt_templates as t
        where t.orchestrator_id = v_orchestrator.id and t.stage_key = v_key;

        insert into public.prompt_templates (
            id, orchestrator_id, owner_id, stage_key, name, description, template, version,
            default_ai_settings, input_schema, output_schema, stage_config, requires_approval,
            max_retries, organization_code
        )
        values (
            format('%s_%s_%s', v_orchestrator.id, v_key, v_version), v_orchestrator.id, v_owner_id,
            v_key, v_stage ->> 'name', v_stage ->> 'description', v_stage ->> 'template', v_version,
            v_stage -> 'ai_settings', v_stage -> 'input_schema', v_stage -> 'output_schema',
            v_stage_config, (v_stage ->> 'requires_approval')::boolean,
            (v_stage ->> 'max_retries')::integer, v_orchestrator.id::text
        );
    end loop;

    -- Stages no longer in the definition: their tasks finish, no new ones are created.
    update public.prompt_templates as t set is_active = false
    where t.orchestrator_id = v_orchestrator.id and t.is_active and not v_stages ? t.stage_key;

    update public.prompt_templates as t
    set next_stage_template_ids = coalesce((
        select array_agg(n.id order by k.position)
        from jsonb_array_elements_text(t.stage_config -> 'next') with ordinality as k (stage_key, position)
        join public.prompt_templates as n
            on n.orchestrator_id = t.orchestrator_id and n.stage_key = k.stage_key and n.is_active
    ), '{}')
    where t.orchestrator_id = v_orchestrator.id and t.is_active;

    return v_orchestrator;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create or replace function public.upsert_orchestrator(p_definition jsonb)
returns public.orchestrators
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.upsert_orchestrator(p_definition);
end
$$;

comment on function orchable_rpc.upsert_orchestrator(jsonb) is
'The implementation of public.upsert_orchestrator, run with its owner''s rights; callable by the roles that may call public.upsert_orchestrator.';

comment on function public.upsert_orchestrator(jsonb) is
'Creates or updates a pipeline and its stages from one JSON document (name, description, entry, stages); idempotent by (owner, name). A changed stage gets a new template version; tasks already created keep theirs. A malformed definition raises OR001 naming the stage.';

revoke all on function orchable_rpc.upsert_orchestrator(jsonb) from public, anon, authenticated, service_role;
revoke all on function public.upsert_orchestrator(jsonb) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.upsert_orchestrator(jsonb) to authenticated, service_role;
grant execute on function public.upsert_orchestrator(jsonb) to authenticated, service_role;

-- functions/0320_launch_batch.sql
-- SECURITY DEFINER: users cannot insert batches or tasks directly; this is the one way in.
create or replace function orchable_rpc.launch_batch(
    p_orchestrator_id uuid,
    p_inputs jsonb,
    p_name text default null,
    p_config jsonb default '{}',
    p_idempotency_key text default null
)
returns public.task_batches
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_orchestrator public.orchestrators;
    v_entry public.prompt_templates;
    v_batch public.task_batches;
begin
    select * into v_orchestrator from public.orchestrators where id = p_orchestrator_id;
    if not found or not orchable._caller_owns(v_orchestrator.owner_id) then
        raise exception 'orchestrator % not found', p_orchestrator_id
            using errcode = 'OR002', hint = 'create it with upsert_orchestrator, or check the id';
    end if;
    if jsonb_typeof(p_inputs) is distinct from 'array' or jsonb_array_length(p_inputs) = 0 then
        raise exception 'p_inputs must be a non-empty JSON array'
            using errcode = 'OR003', detail = format('got %s', coalesce(jsonb_typeof(p_inputs), 'null')),
            hint = 'pass one element per input: [{"topic": "..."}, ...]';
    end if;
    if length(p_name) > 200 or length(p_idempotency_key) > 200 then
        raise exception 'p_name and p_idempotency_key are at most 200 characters long'
            using errcode = 'OR003',
            detail = format('p_name: %s, p_idempotency_key: %s', length(p_name), length(p_idempotency_key)),
            hint = 'use a shorter name, or a hash of what identifies the launch as its key';
    end if;
    if jsonb_typeof(p_config) is distinct from 'object'
        or jsonb_typeof(p_config -> 'ai_settings') not in ('object', 'null') then
        raise exception 'p_config must be a JSON object, and its ai_settings an object'
            using errcode = 'OR003', hint = 'pass {} or {"ai_settings": {"model": "..."}}';
    end if;
    select * into v_entry from public.prompt_templates
    where orchestrator_id = v_orchestrator.id and stage_key = v_orchestrator.entry_stage_key and is_active;

    insert into public.task_batches (owner_id, orchestrator_id, name, config, idempotency_key)
    values (
        v_orchestrator.owner_id, v_orchestrator.id,
        coalesce(p_name, format('%s %s', v_orchestrator.name, to_char(now(), 'YYYY-MM-DD HH24:MI:SS'))),
        p_config, p_idempotency_key
    )
    on conflict (owner_id, idempotency_key) do nothing
    returning * into v_batch;
    if not found then
        select * into strict v_batch from public.task_batches
        where owner_id = v_orchestrator.owner_id and idempotency_key = p_idempotency_key;
        return v_batch;
    end if;

    insert into public.ai_tasks (
        id, root_task_id, owner_id, orchestrator_id, batch_id, launch_id, task_type, stage_key,
        input_data, prompt_template_id, requires_approval, max_retries
    )
    select
        i.id, i.id, v_batch.owner_id, v_batch.orchestrator_id, v_batch.id, v_batch.launch_id,
        coalesce(v_entry.stage_config ->> 'task_type', v_entry.stage_key), v_entry.stage_key,
        i.input, v_entry.id, v_entry.requires_approval, v_entry.max_retries
    from (
        select orchable.time_ordered_uuid() as id, e.input, e.position
        from jsonb_array_elements(p_inputs) with ordinality as e (input, position)
    ) as i
    order by i.position;

    select * into strict v_batch from public.task_batches where id = v_batch.id;
    return v_batch;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create or replace function public.launch_batch(
    p_orchestrator_id uuid,
    p_inputs jsonb,
    p_name text default null,
    p_config jsonb default '{}',
    p_idempotency_key text default null
)
returns public.task_batches
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.launch_batch(p_orchestrator_id, p_inputs, p_name, p_config, p_idempotency_key);
end
$$;

comment on function orchable_rpc.launch_batch(uuid, jsonb, text, jsonb, text) is
'The implementation of public.launch_batch, run with its owner''s rights; callable by the roles that may call public.launch_batch.';

comment on function public.launch_batch(uuid, jsonb, text, jsonb, text) is
'Launches a batch: one root task of the entry stage per element of p_inputs, all or nothing. The same p_idempotency_key from the same owner returns the first batch.';

revoke all on function orchable_rpc.launch_batch(uuid, jsonb, text, jsonb, text)
from public, anon, authenticated, service_role;
revoke all on function public.launch_batch(uuid, jsonb, text, jsonb, text)
from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.launch_batch(uuid, jsonb, text, jsonb, text) to authenticated, service_role;
grant execute on function public.launch_batch(uuid, jsonb, text, jsonb, text) to authenticated, service_role;

-- functions/0330_claim_tasks.sql
-- SECURITY DEFINER: the worker role has no table privileges; this is how it takes work.
-- One claim shape: lock due rows of v_runnable_tasks in index order, skipping rows other
-- workers hold, then lease them. A task whose lease keeps expiring fails as poison, and
-- one whose prompt names a variable its input lacks fails naming it; neither is returned.
create or replace function orchable_rpc.claim_tasks(
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
set search_path = pg_catalog, pg_temp
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

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
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
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return query select * from orchable_rpc.claim_tasks(p_worker_id, p_limit, p_lease_seconds);
end
$$;

comment on function orchable_rpc.claim_tasks(text, integer, integer) is
'The implementation of public.claim_tasks, run with its owner''s rights; callable by the roles that may call public.claim_tasks.';

comment on function public.claim_tasks(text, integer, integer) is
'Worker only. Claims up to p_limit runnable tasks (FOR UPDATE SKIP LOCKED) with a lease and a new claim token each; returns the rendered prompt, AI settings and output_schema.';

revoke all on function orchable_rpc.claim_tasks(text, integer, integer) from public, anon, authenticated, service_role;
revoke all on function public.claim_tasks(text, integer, integer) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.claim_tasks(text, integer, integer) to orchable_worker, service_role;
grant execute on function public.claim_tasks(text, integer, integer) to orchable_worker, service_role;

-- functions/0340_lock_claimed_task.sql
-- Locks a task a worker reports on and checks that the report carries the current claim:
-- the task is processing and the token is the one its last claim handed out. A report
-- after the lease expired is still taken while no one else has claimed the task.
create or replace function orchable._lock_claimed_task(p_task_id uuid, p_claim_token uuid)
returns public.ai_tasks
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
    v_task public.ai_tasks;
begin
    select * into v_task from public.ai_tasks where id = p_task_id for update;
    if not found then
        raise exception 'task % not found', p_task_id
            using errcode = 'OR004', hint = 'the task or its batch was deleted; drop this result';
    end if;
    if v_task.status <> 'processing' or v_task.claim_token is distinct from p_claim_token then
        raise exception 'stale claim on task %: nothing was changed', p_task_id
            using errcode = 'OR006',
            detail = case
                when v_task.status <> 'processing' then format('the task is %s', v_task.status)
                else 'another claim has replaced this one'
            end,
            hint = 'the lease expired and the task was claimed again, or its batch was cancelled; drop this result';
    end if;
    return v_task;
end
$$;

comment on function orchable._lock_claimed_task(uuid, uuid) is
'Locks a processing task and checks the claim token a worker reports with; raises OR004 or OR006 (stale claim).';

-- functions/0350_complete_task.sql
-- SECURITY DEFINER: workers have no table privileges. Completing fires the fan-out,
-- counter and event triggers in this same transaction.
create or replace function orchable_rpc.complete_task(
    p_task_id uuid,
    p_claim_token uuid,
    p_output jsonb,
    p_usage jsonb default null,
    p_provenance jsonb default null
)
returns text
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_status text;
begin
    if p_output is null or jsonb_typeof(p_output) = 'null' then
        raise exception 'task % cannot complete without an output', p_task_id
            using errcode = 'OR011', detail = format('got %s', coalesce(p_output::text, 'SQL null')),
            hint = 'pass the model''s JSON output, or call fail_task';
    end if;
    if p_provenance is not null and jsonb_typeof(p_provenance) <> 'object' then
        raise exception 'the provenance of task % is not a JSON object', p_task_id
            using errcode = 'OR011', detail = format('got %s', jsonb_typeof(p_provenance)),
            hint = 'pass {"provider": ..., "model": ..., "api_key_id": ..., "response_id": ...}, or null';
    end if;
    -- A key never reaches the database in clear: refuse one named api_key at any depth.
    if jsonb_path_exists(p_provenance, 'lax $.**.api_key') then
        raise exception 'the provenance of task % contains an API key', p_task_id
            using errcode = 'OR011', detail = 'a member named api_key was found in p_provenance',
            hint = 'pass the key''s id as api_key_id, never the key';
    end if;
    -- The task exists and the claim is current, or this raises OR004 / OR006 saying why.
    perform orchable._lock_claimed_task(p_task_id, p_claim_token);
    -- One definition of completing (split check, approval, provenance, the update):
    -- complete_tasks', with this one result.
    select c.status into v_status
    from orchable_rpc.complete_tasks(jsonb_build_array(jsonb_build_object(
        'task_id', p_task_id, 'claim_token', p_claim_token, 'output', p_output,
        'usage', p_usage, 'provenance', p_provenance
    ))) as c;
    return v_status;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create or replace function public.complete_task(
    p_task_id uuid,
    p_claim_token uuid,
    p_output jsonb,
    p_usage jsonb default null,
    p_provenance jsonb default null
)
returns text
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.complete_task(p_task_id, p_claim_token, p_output, p_usage, p_provenance);
end
$$;

comment on function orchable_rpc.complete_task(uuid, uuid, jsonb, jsonb, jsonb) is
'The implementation of public.complete_task, run with its owner''s rights; callable by the roles that may call public.complete_task.';

comment on function public.complete_task(uuid, uuid, jsonb, jsonb, jsonb) is
'Worker only. Stores a claimed task''s output: completed (children created at once) or generated when its stage requires approval. Returns the new status; a stale claim token raises OR006 and changes nothing; an output its split cannot use fails the task (OR009).
p_provenance (provider, model, api_key_id, response_id) is stored with the template id and version; one naming an api_key is refused (OR011).';

revoke all on function orchable_rpc.complete_task(uuid, uuid, jsonb, jsonb, jsonb)
from public, anon, authenticated, service_role;
revoke all on function public.complete_task(uuid, uuid, jsonb, jsonb, jsonb)
from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.complete_task(uuid, uuid, jsonb, jsonb, jsonb) to orchable_worker, service_role;
grant execute on function public.complete_task(uuid, uuid, jsonb, jsonb, jsonb) to orchable_worker, service_role;

-- functions/0355_complete_tasks.sql
-- SECURITY DEFINER: workers have no table privileges. The bulk complete_task: the tasks
-- are locked in id order (so concurrent calls never deadlock), then one UPDATE stores
-- every accepted result, so the counter, event and notify triggers run once per call and
-- each batch row is updated once. An element whose claim is stale changes nothing.
create or replace function orchable_rpc.complete_tasks(p_results jsonb)
returns table (task_id uuid, status text)
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
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

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create or replace function public.complete_tasks(p_results jsonb)
returns table (task_id uuid, status text)
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return query select * from orchable_rpc.complete_tasks(p_results);
end
$$;

comment on function orchable_rpc.complete_tasks(jsonb) is
'The implementation of public.complete_tasks, run with its owner''s rights; callable by the roles that may call public.complete_tasks.';

comment on function public.complete_tasks(jsonb) is
'Worker only. Completes up to 1000 claimed tasks in one statement: p_results is a JSON array of {"task_id", "claim_token", "output", "usage", "provenance"}.
Returns one row per element, in input order: completed, generated (awaiting approval), failed (an output its split cannot use, OR009), stale (the claim is not current: nothing changed) or not_found.
A malformed element (no task_id or claim_token, a null output, a provenance not an object or naming an api_key) refuses the whole call (OR011); more than 1000 elements raise OR010.';

revoke all on function orchable_rpc.complete_tasks(jsonb) from public, anon, authenticated, service_role;
revoke all on function public.complete_tasks(jsonb) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.complete_tasks(jsonb) to orchable_worker, service_role;
grant execute on function public.complete_tasks(jsonb) to orchable_worker, service_role;

-- functions/0360_fail_task.sql
-- SECURITY DEFINER: workers have no table privileges.
create or replace function orchable_rpc.fail_task(
    p_task_id uuid,
    p_claim_token uuid,
    p_error text,
    p_retryable boolean default true
)
returns text
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_task public.ai_tasks;
    v_retry boolean;
begin
    v_task := orchable._lock_claimed_task(p_task_id, p_claim_token);
    v_retry := coalesce(p_retryable, true) and v_task.retry_count < v_task.max_retries;

    update public.ai_tasks
    set
        status = case when v_retry then 'plan' else 'failed' end,
        retry_count = v_task.retry_count + v_retry::integer,
        run_after = case when v_retry then now() + orchable._retry_delay(v_task.retry_count + 1) else run_after end,
        error_message = coalesce(p_error, 'failed without a message'),
        error_code = null,
        claim_token = null,
        locked_by = null,
        locked_until = null,
        updated_at = now()
    where id = p_task_id;
    return case when v_retry then 'plan' else 'failed' end;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create or replace function public.fail_task(
    p_task_id uuid,
    p_claim_token uuid,
    p_error text,
    p_retryable boolean default true
)
returns text
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.fail_task(p_task_id, p_claim_token, p_error, p_retryable);
end
$$;

comment on function orchable_rpc.fail_task(uuid, uuid, text, boolean) is
'The implementation of public.fail_task, run with its owner''s rights; callable by the roles that may call public.fail_task.';

comment on function public.fail_task(uuid, uuid, text, boolean) is
'Worker only. Records a claimed task''s failure: a retryable one goes back to plan after an exponential backoff with jitter until the stage''s max_retries, then fails for good. Returns the new status; a stale claim token raises OR006 and changes nothing.';

revoke all on function orchable_rpc.fail_task(uuid, uuid, text, boolean) from public, anon, authenticated, service_role;
revoke all on function public.fail_task(uuid, uuid, text, boolean) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.fail_task(uuid, uuid, text, boolean) to orchable_worker, service_role;
grant execute on function public.fail_task(uuid, uuid, text, boolean) to orchable_worker, service_role;

-- functions/0365_report_task_failure.sql
-- SECURITY DEFINER: workers have no table privileges. A failure whose kind the database
-- knows: the kind decides the project code stored in error_code and whether the task is
-- retried, so the worker reports what happened and SQL decides what it means.
create or replace function orchable_rpc.report_task_failure(
    p_task_id uuid,
    p_claim_token uuid,
    p_kind text,
    p_error text
)
returns text
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_code text := case p_kind
        when 'unreadable_task' then 'OR018'
        when 'output_uncheckable' then 'OR019'
    end;
begin
    if v_code is null then
        raise exception 'unknown failure kind %', coalesce(quote_literal(p_kind), 'null')
            using errcode = 'OR010',
            hint = 'report_task_failure takes unreadable_task or output_uncheckable; use fail_task for the others';
    end if;
    perform orchable._lock_claimed_task(p_task_id, p_claim_token);
    -- Neither kind can turn out otherwise on a retry: the task fails for good.
    update public.ai_tasks
    set
        status = 'failed',
        error_code = v_code,
        error_message = left(coalesce(p_error, p_kind), 2000),
        claim_token = null,
        locked_by = null,
        locked_until = null,
        updated_at = now()
    where id = p_task_id;
    return 'failed';
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create or replace function public.report_task_failure(
    p_task_id uuid,
    p_claim_token uuid,
    p_kind text,
    p_error text
)
returns text
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.report_task_failure(p_task_id, p_claim_token, p_kind, p_error);
end
$$;

comment on function orchable_rpc.report_task_failure(uuid, uuid, text, text) is
'The implementation of public.report_task_failure, run with its owner''s rights; callable by the roles that may call public.report_task_failure.';

comment on function public.report_task_failure(uuid, uuid, text, text) is
'Worker only. Fails a claimed task for good with the project code of its kind: unreadable_task (OR018: its input, settings or schema cannot be decoded by the worker) or output_uncheckable (OR019: its output could not be checked against output_schema within the worker''s limits). Returns the new status; a stale claim token raises OR006 and changes nothing; an unknown kind raises OR010.';

revoke all on function orchable_rpc.report_task_failure(uuid, uuid, text, text)
from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.report_task_failure(uuid, uuid, text, text)
to orchable_worker, service_role;
revoke all on function public.report_task_failure(uuid, uuid, text, text)
from public, anon, authenticated, service_role;
grant execute on function public.report_task_failure(uuid, uuid, text, text)
to orchable_worker, service_role;

-- functions/0370_extend_lease.sql
-- SECURITY DEFINER: workers have no table privileges. A worker whose call outlasts its
-- lease extends it, so that no other worker claims the task meanwhile.
create or replace function orchable_rpc.extend_lease(
    p_task_id uuid,
    p_claim_token uuid,
    p_lease_seconds integer default 300
)
returns timestamptz
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_locked_until timestamptz;
begin
    if p_lease_seconds is null or p_lease_seconds not between 1 and 86400 then
        raise exception 'extend_lease needs a lease from 1 to 86400 seconds'
            using errcode = 'OR010',
            detail = format('p_lease_seconds=%s', coalesce(p_lease_seconds::text, 'null')),
            hint = 'for example extend_lease(task_id, claim_token, 300)';
    end if;
    perform orchable._lock_claimed_task(p_task_id, p_claim_token);

    update public.ai_tasks
    set locked_until = now() + make_interval(secs => p_lease_seconds), updated_at = now()
    where id = p_task_id
    returning locked_until into v_locked_until;
    return v_locked_until;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create or replace function public.extend_lease(
    p_task_id uuid,
    p_claim_token uuid,
    p_lease_seconds integer default 300
)
returns timestamptz
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.extend_lease(p_task_id, p_claim_token, p_lease_seconds);
end
$$;

comment on function orchable_rpc.extend_lease(uuid, uuid, integer) is
'The implementation of public.extend_lease, run with its owner''s rights; callable by the roles that may call public.extend_lease.';

comment on function public.extend_lease(uuid, uuid, integer) is
'Worker only. Extends the lease of a task the caller still holds to now() + p_lease_seconds and returns the new locked_until.
Errors: OR004 unknown task, OR006 stale claim (nothing changed), OR010 a lease outside 1..86400 seconds.';

revoke all on function orchable_rpc.extend_lease(uuid, uuid, integer) from public, anon, authenticated, service_role;
revoke all on function public.extend_lease(uuid, uuid, integer) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.extend_lease(uuid, uuid, integer) to orchable_worker, service_role;
grant execute on function public.extend_lease(uuid, uuid, integer) to orchable_worker, service_role;

-- functions/0380_release_task.sql
-- SECURITY DEFINER: workers have no table privileges. A worker that stops (SIGTERM) or
-- cannot run a task now (no usable API key) hands it back without spending a retry.
create or replace function orchable_rpc.release_task(
    p_task_id uuid,
    p_claim_token uuid,
    p_delay_seconds integer default 0,
    p_reason text default null
)
returns text
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    if p_delay_seconds is null or p_delay_seconds not between 0 and 86400 then
        raise exception 'release_task needs a delay from 0 to 86400 seconds'
            using errcode = 'OR010',
            detail = format('p_delay_seconds=%s', coalesce(p_delay_seconds::text, 'null')),
            hint = 'for example release_task(task_id, claim_token, 0, ''worker shutting down'')';
    end if;
    perform orchable._lock_claimed_task(p_task_id, p_claim_token);

    -- retry_count stays: a released task has not failed. The reason goes to the event log
    -- through error_message, which the events trigger reads for a task back in plan.
    update public.ai_tasks
    set
        status = 'plan',
        run_after = now() + make_interval(secs => p_delay_seconds),
        error_message = 'released' || coalesce(': ' || nullif(btrim(p_reason), ''), ''),
        error_code = null,
        claim_token = null,
        locked_by = null,
        locked_until = null,
        updated_at = now()
    where id = p_task_id;
    return 'plan';
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create or replace function public.release_task(
    p_task_id uuid,
    p_claim_token uuid,
    p_delay_seconds integer default 0,
    p_reason text default null
)
returns text
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.release_task(p_task_id, p_claim_token, p_delay_seconds, p_reason);
end
$$;

comment on function orchable_rpc.release_task(uuid, uuid, integer, text) is
'The implementation of public.release_task, run with its owner''s rights; callable by the roles that may call public.release_task.';

comment on function public.release_task(uuid, uuid, integer, text) is
'Worker only. Hands a claimed task back: plan again after p_delay_seconds, its claim cleared, no retry spent. Returns ''plan''.
The reason is logged as error_message ''released: <reason>''. Errors: OR004 unknown task, OR006 stale claim, OR010 a delay outside 0..86400.';

revoke all on function orchable_rpc.release_task(uuid, uuid, integer, text)
from public, anon, authenticated, service_role;
revoke all on function public.release_task(uuid, uuid, integer, text) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.release_task(uuid, uuid, integer, text) to orchable_worker, service_role;
grant execute on function public.release_task(uuid, uuid, integer, text) to orchable_worker, service_role;

-- functions/0400_lock_owned_task.sql
create or replace function orchable._lock_owned_task(p_task_id uuid)
returns public.ai_tasks
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
    v_task public.ai_tasks;
begin
    select * into v_task from public.ai_tasks where id = p_task_id for update;
    if not found or not orchable._caller_owns(v_task.owner_id) then
        raise exception 'task % not found', p_task_id
            using errcode = 'OR004', hint = 'check the id; you can only act on your own tasks';
    end if;
    return v_task;
end
$$;

comment on function orchable._lock_owned_task(uuid) is
'Locks a task the caller owns, or raises OR004 as if it did not exist.';

-- functions/0410_find_owned_batch.sql
create or replace function orchable._find_owned_batch(p_batch_id uuid)
returns public.task_batches
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
    v_batch public.task_batches;
begin
    select * into v_batch from public.task_batches where id = p_batch_id;
    if not found or not orchable._caller_owns(v_batch.owner_id) then
        raise exception 'batch % not found', p_batch_id
            using errcode = 'OR005', hint = 'check the id; you can only act on your own batches';
    end if;
    return v_batch;
end
$$;

comment on function orchable._find_owned_batch(uuid) is
'The batch if the caller owns it, or raises OR005 as if it did not exist. It does not lock: tasks are always locked before their batch, as workers do, so that the two never deadlock.';

-- functions/0420_approve_task.sql
-- SECURITY DEFINER: users cannot update tasks directly; ownership is checked here.
create or replace function orchable_rpc.approve_task(p_task_id uuid, p_output jsonb default null)
returns text
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_task public.ai_tasks := orchable._lock_owned_task(p_task_id);
    v_output jsonb := coalesce(p_output, v_task.output_data);
    v_split_error text;
begin
    if v_task.status <> 'generated' then
        raise exception 'task % is %, not awaiting approval', p_task_id, v_task.status
            using errcode = 'OR007', hint = 'only a generated task of a stage that requires approval can be approved';
    end if;
    v_split_error := orchable._split_error(v_task.prompt_template_id, v_output);
    if v_split_error is not null then
        raise exception 'task % cannot be approved: %', p_task_id, v_split_error
            using errcode = 'OR009', hint = 'approve it with an edited output, or reject it to regenerate';
    end if;
    update public.ai_tasks
    set status = 'completed', output_data = v_output, approved_at = now(), completed_at = now(), updated_at = now()
    where id = p_task_id;
    return 'completed';
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create or replace function public.approve_task(p_task_id uuid, p_output jsonb default null)
returns text
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.approve_task(p_task_id, p_output);
end
$$;

comment on function orchable_rpc.approve_task(uuid, jsonb) is
'The implementation of public.approve_task, run with its owner''s rights; callable by the roles that may call public.approve_task.';

comment on function public.approve_task(uuid, jsonb) is
'Approves a generated task (optionally with an edited output): it completes and its children are created.';

revoke all on function orchable_rpc.approve_task(uuid, jsonb) from public, anon, authenticated, service_role;
revoke all on function public.approve_task(uuid, jsonb) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.approve_task(uuid, jsonb) to authenticated, service_role;
grant execute on function public.approve_task(uuid, jsonb) to authenticated, service_role;

-- functions/0430_reject_task.sql
-- SECURITY DEFINER: users cannot update tasks directly; ownership is checked here.
create or replace function orchable_rpc.reject_task(p_task_id uuid, p_reason text, p_regenerate boolean default true)
returns text
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_task public.ai_tasks := orchable._lock_owned_task(p_task_id);
begin
    if v_task.status <> 'generated' then
        raise exception 'task % is %, not awaiting approval', p_task_id, v_task.status
            using errcode = 'OR007', hint = 'only a generated task of a stage that requires approval can be rejected';
    end if;
    if coalesce(btrim(p_reason), '') = '' then
        raise exception 'a rejection needs a reason'
            using errcode = 'OR003', hint = 'say what is wrong with the output';
    end if;
    update public.ai_tasks
    set
        status = case when coalesce(p_regenerate, true) then 'plan' else 'failed' end,
        output_data = case when coalesce(p_regenerate, true) then null else output_data end,
        -- a regeneration is a new attempt at the output: it gets the stage's whole retry budget again
        retry_count = case when coalesce(p_regenerate, true) then 0 else retry_count end,
        error_message = 'rejected: ' || p_reason,
        run_after = now(),
        updated_at = now()
    where id = p_task_id;
    return case when coalesce(p_regenerate, true) then 'plan' else 'failed' end;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create or replace function public.reject_task(p_task_id uuid, p_reason text, p_regenerate boolean default true)
returns text
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.reject_task(p_task_id, p_reason, p_regenerate);
end
$$;

comment on function orchable_rpc.reject_task(uuid, text, boolean) is
'The implementation of public.reject_task, run with its owner''s rights; callable by the roles that may call public.reject_task.';

comment on function public.reject_task(uuid, text, boolean) is
'Rejects a generated task: regenerates it (back to plan with its retries restored) or fails it for good.';

revoke all on function orchable_rpc.reject_task(uuid, text, boolean) from public, anon, authenticated, service_role;
revoke all on function public.reject_task(uuid, text, boolean) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.reject_task(uuid, text, boolean) to authenticated, service_role;
grant execute on function public.reject_task(uuid, text, boolean) to authenticated, service_role;

-- functions/0440_retry_task.sql
-- SECURITY DEFINER: users cannot update tasks directly; ownership is checked here.
create or replace function orchable_rpc.retry_task(p_task_id uuid)
returns text
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_task public.ai_tasks := orchable._lock_owned_task(p_task_id);
begin
    if v_task.status <> 'failed' then
        raise exception 'task % is %; only a failed task can be retried', p_task_id, v_task.status
            using errcode = 'OR007', hint = 'a task that completed has already created its children';
    end if;
    if exists (select from public.task_batches where id = v_task.batch_id and status = 'cancelled') then
        raise exception 'task % belongs to a cancelled batch', p_task_id
            using errcode = 'OR007', hint = 'launch the inputs again in a new batch';
    end if;
    update public.ai_tasks
    set status = 'plan', retry_count = 0, lease_expired_count = 0, run_after = now(), output_data = null,
        error_message = null, error_code = null, updated_at = now()
    where id = p_task_id;
    return 'plan';
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create or replace function public.retry_task(p_task_id uuid)
returns text
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.retry_task(p_task_id);
end
$$;

comment on function orchable_rpc.retry_task(uuid) is
'The implementation of public.retry_task, run with its owner''s rights; callable by the roles that may call public.retry_task.';

comment on function public.retry_task(uuid) is
'Puts a failed task back to plan with a fresh set of retries.';

revoke all on function orchable_rpc.retry_task(uuid) from public, anon, authenticated, service_role;
revoke all on function public.retry_task(uuid) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.retry_task(uuid) to authenticated, service_role;
grant execute on function public.retry_task(uuid) to authenticated, service_role;

-- functions/0450_retry_batch.sql
-- SECURITY DEFINER: users cannot update tasks directly; ownership is checked here.
create or replace function orchable_rpc.retry_batch(p_batch_id uuid)
returns integer
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_batch public.task_batches := orchable._find_owned_batch(p_batch_id);
    v_count integer;
begin
    if v_batch.status = 'cancelled' then
        raise exception 'batch % is cancelled', p_batch_id
            using errcode = 'OR007', hint = 'launch the inputs again in a new batch';
    end if;
    update public.ai_tasks
    set status = 'plan', retry_count = 0, lease_expired_count = 0, run_after = now(), output_data = null,
        error_message = null, error_code = null, updated_at = now()
    where batch_id = p_batch_id and status = 'failed';
    get diagnostics v_count = row_count;
    return v_count;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create or replace function public.retry_batch(p_batch_id uuid)
returns integer
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.retry_batch(p_batch_id);
end
$$;

comment on function orchable_rpc.retry_batch(uuid) is
'The implementation of public.retry_batch, run with its owner''s rights; callable by the roles that may call public.retry_batch.';

comment on function public.retry_batch(uuid) is
'Puts every failed task of a batch back to plan with a fresh set of retries; returns how many.';

revoke all on function orchable_rpc.retry_batch(uuid) from public, anon, authenticated, service_role;
revoke all on function public.retry_batch(uuid) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.retry_batch(uuid) to authenticated, service_role;
grant execute on function public.retry_batch(uuid) to authenticated, service_role;

-- functions/0460_pause_batch.sql
-- SECURITY DEFINER: users cannot update batches directly; ownership is checked here.
create or replace function orchable_rpc.pause_batch(p_batch_id uuid)
returns public.task_batches
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_batch public.task_batches := orchable._find_owned_batch(p_batch_id);
begin
    update public.task_batches
    set status = 'paused', status_reason = 'paused by its owner', updated_at = now()
    where id = p_batch_id and status in ('pending', 'processing')
    returning * into v_batch;
    if not found then
        select * into strict v_batch from public.task_batches where id = p_batch_id;
        if v_batch.status <> 'paused' then
            raise exception 'batch % is %; only a pending or processing batch can be paused', p_batch_id, v_batch.status
                using errcode = 'OR007', hint = 'nothing is left to pause';
        end if;
    end if;
    return v_batch;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create or replace function public.pause_batch(p_batch_id uuid)
returns public.task_batches
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.pause_batch(p_batch_id);
end
$$;

comment on function orchable_rpc.pause_batch(uuid) is
'The implementation of public.pause_batch, run with its owner''s rights; callable by the roles that may call public.pause_batch.';

comment on function public.pause_batch(uuid) is
'Pauses a batch: no task of it is claimed until resume_batch; tasks in flight still finish.';

revoke all on function orchable_rpc.pause_batch(uuid) from public, anon, authenticated, service_role;
revoke all on function public.pause_batch(uuid) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.pause_batch(uuid) to authenticated, service_role;
grant execute on function public.pause_batch(uuid) to authenticated, service_role;

-- functions/0470_resume_batch.sql
-- SECURITY DEFINER: users cannot update batches directly; ownership is checked here.
create or replace function orchable_rpc.resume_batch(p_batch_id uuid)
returns public.task_batches
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_batch public.task_batches := orchable._find_owned_batch(p_batch_id);
begin
    update public.task_batches as b
    set
        status = n.status,
        status_reason = null,
        finished_at = case when n.status in ('completed', 'failed') then now() end,
        updated_at = now()
    from (
        select orchable._batch_status(
            case when started_at is null then 'pending' else 'processing' end,
            total_tasks, completed_tasks, failed_tasks) as status
        from public.task_batches
        where id = p_batch_id
    ) as n
    where b.id = p_batch_id and b.status = 'paused'
    returning * into v_batch;
    if not found then
        select * into strict v_batch from public.task_batches where id = p_batch_id;
        if v_batch.status <> 'paused' then
            raise exception 'batch % is %, not paused', p_batch_id, v_batch.status
                using errcode = 'OR007', hint = 'only a paused batch can be resumed';
        end if;
    end if;
    perform pg_notify('orchable_tasks', 'runnable');
    return v_batch;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create or replace function public.resume_batch(p_batch_id uuid)
returns public.task_batches
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.resume_batch(p_batch_id);
end
$$;

comment on function orchable_rpc.resume_batch(uuid) is
'The implementation of public.resume_batch, run with its owner''s rights; callable by the roles that may call public.resume_batch.';

comment on function public.resume_batch(uuid) is
'Resumes a paused batch: its runnable tasks can be claimed again.';

revoke all on function orchable_rpc.resume_batch(uuid) from public, anon, authenticated, service_role;
revoke all on function public.resume_batch(uuid) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.resume_batch(uuid) to authenticated, service_role;
grant execute on function public.resume_batch(uuid) to authenticated, service_role;

-- functions/0480_cancel_batch.sql
-- SECURITY DEFINER: users cannot update batches or tasks directly; ownership is checked
-- here. Tasks are cancelled before the batch row is touched, the order workers lock in.
create or replace function orchable_rpc.cancel_batch(p_batch_id uuid)
returns public.task_batches
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_batch public.task_batches := orchable._find_owned_batch(p_batch_id);
begin
    if v_batch.status in ('completed', 'cancelled') then
        if v_batch.status = 'completed' then
            raise exception 'batch % is completed', p_batch_id
                using errcode = 'OR007', hint = 'nothing is left to cancel';
        end if;
        return v_batch;
    end if;
    update public.ai_tasks
    set status = 'cancelled', claim_token = null, locked_by = null, locked_until = null, updated_at = now()
    where batch_id = p_batch_id and status in ('plan', 'processing', 'generated');
    update public.task_batches
    set status = 'cancelled', status_reason = 'cancelled by its owner', finished_at = now(), updated_at = now()
    where id = p_batch_id
    returning * into v_batch;
    return v_batch;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create or replace function public.cancel_batch(p_batch_id uuid)
returns public.task_batches
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.cancel_batch(p_batch_id);
end
$$;

comment on function orchable_rpc.cancel_batch(uuid) is
'The implementation of public.cancel_batch, run with its owner''s rights; callable by the roles that may call public.cancel_batch.';

comment on function public.cancel_batch(uuid) is
'Cancels a batch: its open tasks become cancelled and workers'' results for them are refused (OR006).';

revoke all on function orchable_rpc.cancel_batch(uuid) from public, anon, authenticated, service_role;
revoke all on function public.cancel_batch(uuid) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.cancel_batch(uuid) to authenticated, service_role;
grant execute on function public.cancel_batch(uuid) to authenticated, service_role;

-- functions/0490_delete_batch.sql
-- SECURITY DEFINER: users cannot delete tasks directly; ownership is checked here.
-- Tasks go before the batch row, the order workers lock in.
create or replace function orchable_rpc.delete_batch(p_batch_id uuid)
returns void
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_batch public.task_batches := orchable._find_owned_batch(p_batch_id);
begin
    delete from public.ai_tasks where batch_id = v_batch.id;
    delete from public.task_batches where id = v_batch.id;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create or replace function public.delete_batch(p_batch_id uuid)
returns void
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    perform orchable_rpc.delete_batch(p_batch_id);
end
$$;

comment on function orchable_rpc.delete_batch(uuid) is
'The implementation of public.delete_batch, run with its owner''s rights; callable by the roles that may call public.delete_batch.';

comment on function public.delete_batch(uuid) is
'Deletes a batch with its tasks and events.';

revoke all on function orchable_rpc.delete_batch(uuid) from public, anon, authenticated, service_role;
revoke all on function public.delete_batch(uuid) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.delete_batch(uuid) to authenticated, service_role;
grant execute on function public.delete_batch(uuid) to authenticated, service_role;

-- functions/0500_encrypt_api_key.sql
-- Encrypts an API key with the newest key-encryption key. Returns
-- '<key-encryption key id>:<base64 PGP message>' (AES-256, integrity-checked by the PGP MDC).
-- SECURITY INVOKER: only SECURITY DEFINER RPCs owned by the migration owner call it.
create or replace function orchable._encrypt_api_key(p_plaintext text)
returns text
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
    v_kek orchable.key_encryption_keys;
begin
    select kek.* into v_kek
    from orchable.key_encryption_keys as kek
    order by kek.id desc
    limit 1;
    if not found then
        raise exception 'no key-encryption key'
            using errcode = 'OR105',
            detail = 'orchable.key_encryption_keys is empty.',
            hint = 'Insert one: insert into orchable.key_encryption_keys default values;';
    end if;
    -- The passphrase is 256 random bits, so S2K stretching (mode 3) would only cost time
    -- at every acquire: salted S2K (mode 1) is enough. No compression: nothing to gain.
    return v_kek.id::text || ':' || replace(
        encode(
            extensions.pgp_sym_encrypt(
                p_plaintext,
                encode(v_kek.key_material, 'hex'),
                'cipher-algo=aes256, compress-algo=0, s2k-mode=1, s2k-digest-algo=sha256'
            ),
            'base64'
        ),
        e'\n', ''
    );
end
$$;

comment on function orchable._encrypt_api_key(text) is
'Encrypts an API key with the newest key-encryption key: <kek id>:<base64 pgp_sym_encrypt message>.
Private helper of add_api_key; nobody is granted execute.';
revoke all on function orchable._encrypt_api_key(text) from public, anon, authenticated, service_role;

-- functions/0510_decrypt_api_key.sql
-- Decrypts what orchable._encrypt_api_key returned, with the key-encryption key it names.
-- SECURITY INVOKER: only SECURITY DEFINER RPCs owned by the migration owner call it.
create or replace function orchable._decrypt_api_key(p_ciphertext text)
returns text
language plpgsql
stable
set search_path = pg_catalog, pg_temp
as $$
declare
    v_key_material bytea;
begin
    select kek.key_material into v_key_material
    from orchable.key_encryption_keys as kek
    where kek.id = nullif(split_part(p_ciphertext, ':', 1), '')::integer;
    if not found then
        raise exception 'no key-encryption key for this ciphertext'
            using errcode = 'OR105',
            detail = format('The ciphertext names key-encryption key %s, which does not exist.',
                split_part(p_ciphertext, ':', 1)),
            hint = 'A key-encryption key was deleted while keys still used it; re-add those API keys.';
    end if;
    return extensions.pgp_sym_decrypt(
        decode(split_part(p_ciphertext, ':', 2), 'base64'),
        encode(v_key_material, 'hex')
    );
end
$$;

comment on function orchable._decrypt_api_key(text) is
'Decrypts user_api_keys.api_key_encrypted with the key-encryption key it names.
Private helper of acquire_api_key; nobody is granted execute.';
revoke all on function orchable._decrypt_api_key(text) from public, anon, authenticated, service_role;

-- functions/0520_add_api_key.sql
-- SECURITY DEFINER: callers may not insert into user_api_keys nor read the key-encryption keys.
create or replace function orchable_rpc.add_api_key(
    p_provider text,
    p_api_key text,
    p_key_name text default null,
    p_priority integer default 0,
    p_model_preference text default null,
    p_owner_id uuid default null
)
returns public.user_api_keys
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_uid uuid := auth.uid();
    v_owner_id uuid := coalesce(auth.uid(), p_owner_id);
    v_provider text := lower(btrim(p_provider));
    v_api_key text := btrim(p_api_key);
    v_prefix text;
    v_row public.user_api_keys;
begin
    if v_uid is not null and p_owner_id is not null and p_owner_id <> v_uid then
        raise exception 'cannot add an API key for another user'
            using errcode = 'OR104',
            detail = 'p_owner_id differs from the signed-in user.',
            hint = 'Leave p_owner_id out: a signed-in user''s keys are their own.';
    end if;
    if v_owner_id is null then
        raise exception 'no owner for the API key'
            using errcode = 'OR103',
            detail = 'There is no signed-in user and p_owner_id is null.',
            hint = 'Call as a signed-in user, or pass p_owner_id.';
    end if;
    if not exists (select from auth.users as u where u.id = v_owner_id) then
        raise exception 'owner % is not a user', v_owner_id
            using errcode = 'OR103',
            detail = 'No row in auth.users has this id.',
            hint = 'Pass the id of an existing user as p_owner_id.';
    end if;
    if v_provider is null or v_provider !~ '^[a-z][a-z0-9_.-]*$' then
        raise exception 'invalid provider %', coalesce(quote_literal(p_provider), 'null')
            using errcode = 'OR100',
            detail = 'A provider is a lower-case name: a letter, then letters, digits, ".", "_" or "-".',
            hint = 'For example gemini or openai.';
    end if;
    if v_api_key is null or v_api_key = '' then
        raise exception 'the API key is empty'
            using errcode = 'OR100',
            detail = 'p_api_key is null or blank.',
            hint = 'Pass the key the provider issued.';
    end if;
    if v_api_key ~ '\s' then
        raise exception 'the API key contains white space'
            using errcode = 'OR100',
            detail = 'Provider keys have no spaces or line breaks; this looks like a paste error.',
            hint = 'Pass the key alone.';
    end if;

    -- Show at most 8 characters, and only of a key long enough to keep 12 hidden.
    v_prefix := case
        when length(v_api_key) >= 20 then left(v_api_key, 4) || '…' || right(v_api_key, 4)
        else '…'
    end;

    insert into public.user_api_keys (
        owner_id, provider, key_name, api_key_encrypted, key_prefix, priority, model_preference
    )
    values (
        v_owner_id,
        v_provider,
        coalesce(nullif(btrim(p_key_name), ''), v_provider || ' ' || v_prefix),
        orchable._encrypt_api_key(v_api_key),
        v_prefix,
        coalesce(p_priority, 0),
        nullif(btrim(p_model_preference), '')
    )
    returning * into v_row;

    insert into public.api_key_health (user_api_key_id, owner_id)
    values (v_row.id, v_row.owner_id);

    -- Never echo the ciphertext (nor, of course, the key).
    v_row.api_key_encrypted := null;
    return v_row;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create or replace function public.add_api_key(
    p_provider text,
    p_api_key text,
    p_key_name text default null,
    p_priority integer default 0,
    p_model_preference text default null,
    p_owner_id uuid default null
)
returns public.user_api_keys
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.add_api_key(p_provider, p_api_key, p_key_name, p_priority, p_model_preference, p_owner_id);
end
$$;

comment on function orchable_rpc.add_api_key(text, text, text, integer, text, uuid) is
'The implementation of public.add_api_key, run with its owner''s rights; callable by the roles that may call public.add_api_key.';

comment on function public.add_api_key(text, text, text, integer, text, uuid) is
'Stores an API key of the signed-in user (or of p_owner_id, for service_role), encrypted.
Returns the new row with api_key_encrypted set to null; key_prefix shows a masked form of the key.
Errors: OR100 invalid provider or empty key, OR103 no owner or unknown owner, OR104 p_owner_id of another user.';
revoke all on function orchable_rpc.add_api_key(text, text, text, integer, text, uuid)
from public, anon, authenticated, service_role;
revoke all on function public.add_api_key(text, text, text, integer, text, uuid)
from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.add_api_key(text, text, text, integer, text, uuid)
to authenticated, service_role;
grant execute on function public.add_api_key(text, text, text, integer, text, uuid) to authenticated, service_role;

-- functions/0530_acquire_api_key.sql
-- SECURITY DEFINER: the worker has no privileges on the key tables, and the plain key is
-- decrypted with a key-encryption key nobody but the owner of this function may read.
-- The key of one call: acquire_api_keys for a count of 1, so the two hand out keys by the
-- same rule. PL/pgSQL, not SQL: a SQL function with its own search_path is planned anew at
-- every call.
create or replace function orchable_rpc.acquire_api_key(
    p_owner_id uuid,
    p_provider text,
    p_model text default null,
    p_now timestamptz default null
)
returns table (api_key_id uuid, api_key text, key_name text, model_preference text)
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    return query
    select k.api_key_id, k.api_key, k.key_name, k.model_preference
    from orchable_rpc.acquire_api_keys(p_owner_id, p_provider, p_model, 1, p_now) as k;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create or replace function public.acquire_api_key(
    p_owner_id uuid,
    p_provider text,
    p_model text default null,
    p_now timestamptz default null
)
returns table (api_key_id uuid, api_key text, key_name text, model_preference text)
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return query select * from orchable_rpc.acquire_api_key(p_owner_id, p_provider, p_model, p_now);
end
$$;

comment on function orchable_rpc.acquire_api_key(uuid, text, text, timestamptz) is
'The implementation of public.acquire_api_key, run with its owner''s rights; callable by the roles that may call public.acquire_api_key.';

comment on function public.acquire_api_key(uuid, text, text, timestamptz) is
'Hands the worker the healthiest usable key of an owner for a provider, in clear, and marks it used.
Usable: active and not blocked. Order: meant for p_model (or for no model) first, then priority (higher first),
then least recently used. Concurrent callers wait for each other, so none reads a key being taken as none usable.
Returns no row when no key is usable: wait and try again.';
revoke all on function orchable_rpc.acquire_api_key(uuid, text, text, timestamptz)
from public, anon, authenticated, service_role;
revoke all on function public.acquire_api_key(uuid, text, text, timestamptz)
from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.acquire_api_key(uuid, text, text, timestamptz) to orchable_worker, service_role;
grant execute on function public.acquire_api_key(uuid, text, text, timestamptz) to orchable_worker, service_role;

-- functions/0535_acquire_api_keys.sql
-- SECURITY DEFINER: the worker has no privileges on the key tables, and the plain key is
-- decrypted with a key-encryption key nobody but the owner of this function may read.
-- The keys for p_count calls in one round trip, each key decrypted once: a worker starting
-- many calls at once takes their keys here; acquire_api_key is this for one call.
create or replace function orchable_rpc.acquire_api_keys(
    p_owner_id uuid,
    p_provider text,
    p_model text default null,
    p_count integer default 1,
    p_now timestamptz default null
)
returns table (slot integer, api_key_id uuid, api_key text, key_name text, model_preference text)
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
#variable_conflict use_column
declare
    v_now timestamptz := coalesce(p_now, now());
begin
    if p_count is null or p_count not between 1 and 1000 then
        raise exception 'cannot hand out keys for % calls', coalesce(p_count::text, 'null')
            using errcode = 'OR100',
            detail = 'p_count must be between 1 and 1000.',
            hint = 'Ask for the keys of at most 1000 calls at a time.';
    end if;
    -- As in acquire_api_key: last_used_at is a rotation hint, its commit need not wait.
    perform set_config('synchronous_commit', 'off', true);
    return query
    with usable as materialized (
        select
            h.user_api_key_id,
            (p_model is not null and k.model_preference is not null and k.model_preference <> p_model)
                as meant_for_another_model,
            k.priority,
            h.last_used_at
        from public.user_api_keys as k
        inner join public.api_key_health as h on h.user_api_key_id = k.id
        where
            k.owner_id = p_owner_id
            and k.provider = p_provider
            and k.is_active
            and (h.blocked_until is null or h.blocked_until <= v_now)
        -- Wait for keys other callers are taking rather than skip them (a skipped key would
        -- read as none usable), locking in one order, so that they cannot deadlock.
        order by k.id
        for update of h
    ),

    -- The keys acquire_api_key would hand out call after call: those of the best rank
    -- (meant for the model, then priority), least recently used first, in turn.
    turn as (
        select
            u.user_api_key_id,
            u.last_used_at,
            (row_number() over (order by u.last_used_at asc nulls first, u.user_api_key_id) - 1)::integer
                as place,
            count(*) over ()::integer as keys
        from usable as u
        where (u.meant_for_another_model, u.priority) = (
            select b.meant_for_another_model, b.priority
            from usable as b
            order by b.meant_for_another_model, b.priority desc
            limit 1
        )
    ),

    slots as (
        select s.slot, t.user_api_key_id
        from generate_series(0, p_count - 1) as s (slot)
        inner join turn as t on t.place = s.slot % t.keys
    ),

    -- Each key's last_used_at tells its last turn apart (a microsecond per slot, after any
    -- earlier use), so that the next call goes on where this one stopped.
    used as (
        update public.api_key_health as h
        set
            last_used_at = since.at + make_interval(secs => last.slot / 1e6),
            updated_at = v_now
        from
            (select user_api_key_id, max(slot) as slot from slots group by user_api_key_id) as last,
            (select greatest(v_now, max(last_used_at) + interval '1 microsecond') as at from turn) as since
        where h.user_api_key_id = last.user_api_key_id
        returning h.user_api_key_id
    ),

    plain as materialized (
        select k.id, orchable._decrypt_api_key(k.api_key_encrypted) as api_key, k.key_name, k.model_preference
        from public.user_api_keys as k
        where k.id in (select used.user_api_key_id from used)
    )

    select s.slot, p.id, p.api_key, p.key_name, p.model_preference
    from slots as s
    inner join plain as p on p.id = s.user_api_key_id
    order by s.slot;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create or replace function public.acquire_api_keys(
    p_owner_id uuid,
    p_provider text,
    p_model text default null,
    p_count integer default 1,
    p_now timestamptz default null
)
returns table (slot integer, api_key_id uuid, api_key text, key_name text, model_preference text)
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return query select * from orchable_rpc.acquire_api_keys(p_owner_id, p_provider, p_model, p_count, p_now);
end
$$;

comment on function orchable_rpc.acquire_api_keys(uuid, text, text, integer, timestamptz) is
'The implementation of public.acquire_api_keys, run with its owner''s rights; callable by the roles that may call public.acquire_api_keys.';

comment on function public.acquire_api_keys(uuid, text, text, integer, timestamptz) is
'Hands the worker the keys for p_count calls at once, in clear, as p_count calls of acquire_api_key would:
keys of the best rank (meant for p_model or for no model, then priority) in turn, least recently used first,
one row per call (slot 0 .. p_count - 1). Returns no row when no key is usable: wait and try again.
Errors: OR100 p_count not between 1 and 1000.';
revoke all on function orchable_rpc.acquire_api_keys(uuid, text, text, integer, timestamptz)
from public, anon, authenticated, service_role;
revoke all on function public.acquire_api_keys(uuid, text, text, integer, timestamptz)
from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.acquire_api_keys(uuid, text, text, integer, timestamptz)
to orchable_worker, service_role;
grant execute on function public.acquire_api_keys(uuid, text, text, integer, timestamptz)
to orchable_worker, service_role;

-- functions/0540_report_api_key_result.sql
-- SECURITY DEFINER: the worker has no privileges on the key tables; this is its only way
-- to write a key's health.
create or replace function orchable_rpc.report_api_key_result(
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
set search_path = pg_catalog, pg_temp
as $$
begin
    -- Key health is advice for the next acquire: its commit need not wait for the disk,
    -- so the key's row lock is held for microseconds, not a WAL flush. A crash loses at
    -- most the last moment of it, and the next call learns it again.
    perform set_config('synchronous_commit', 'off', true);
    return orchable._report_api_key_calls(p_api_key_id, p_outcome, 1, p_retry_after_seconds, p_error, p_now);
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
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
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.report_api_key_result(p_api_key_id, p_outcome, p_retry_after_seconds, p_error, p_now);
end
$$;

comment on function orchable_rpc.report_api_key_result(uuid, text, integer, text, timestamptz) is
'The implementation of public.report_api_key_result, run with its owner''s rights; callable by the roles that may call public.report_api_key_result.';

comment on function public.report_api_key_result(uuid, text, integer, text, timestamptz) is
'Records how a call with a key went, and blocks or deactivates the key accordingly.
success resets the failure streak and clears the block, unless it is a rate limit''s still in force. rate_limited blocks for p_retry_after_seconds,
else 30 s * 2^(streak - 1) up to 1 hour; server_error and timeout block for 5 s * 2^(streak - 1) up to 5 minutes;
invalid_key deactivates the key at once; so does a streak of 10 failures or more that has lasted 10 minutes,
unless the last is a rate limit (too_many_failures: <error>). A failure reported while the key is blocked (a call
in flight when the block began) changes neither the streak nor the block, but for a Retry-After it carries.
Errors: OR100 negative retry-after, OR101 key not found, OR102 unknown outcome.';
revoke all on function orchable_rpc.report_api_key_result(uuid, text, integer, text, timestamptz)
from public, anon, authenticated, service_role;
revoke all on function public.report_api_key_result(uuid, text, integer, text, timestamptz)
from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.report_api_key_result(uuid, text, integer, text, timestamptz)
to orchable_worker, service_role;
grant execute on function public.report_api_key_result(uuid, text, integer, text, timestamptz)
to orchable_worker, service_role;

-- functions/0545_report_api_key_results.sql
-- SECURITY DEFINER: the worker has no privileges on the key tables. The bulk
-- report_api_key_result: key by key in id order (as acquire_api_keys locks them, so the
-- two never deadlock), each key's reports in the order given. A run of successes on a
-- key is written once, with every call counted: a busy worker reports hundreds of
-- successes a second on a few keys, and one update per call was the largest database
-- cost of an LLM task.
create or replace function orchable_rpc.report_api_key_results(p_reports jsonb, p_now timestamptz default null)
returns integer
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_bad record;
    v_run record;
begin
    if jsonb_typeof(p_reports) is distinct from 'array' or jsonb_array_length(p_reports) > 1000 then
        raise exception 'report_api_key_results takes a JSON array of at most 1000 reports'
            using errcode = 'OR010',
            detail = format('got %s', case when jsonb_typeof(p_reports) = 'array'
                then jsonb_array_length(p_reports) || ' elements' else coalesce(jsonb_typeof(p_reports), 'SQL null') end),
            hint = 'split the reports into calls of 1000 or fewer';
    end if;

    select e.position - 1 as position, v.reason into v_bad
    from jsonb_array_elements(p_reports) with ordinality as e (element, position)
    cross join lateral (
        select case
            when jsonb_typeof(e.element) <> 'object' then 'is not an object'
            when coalesce(e.element ->> 'api_key_id', '')
                !~ '^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$'
                then 'has no api_key_id (a uuid)'
            when coalesce(jsonb_typeof(e.element -> 'retry_after_seconds'), 'null') <> 'null'
                and coalesce(e.element ->> 'retry_after_seconds', '') !~ '^-?[0-9]{1,9}$'
                then 'has a retry_after_seconds that is not an integer'
            when coalesce(jsonb_typeof(e.element -> 'error'), 'null') not in ('string', 'null')
                then 'has an error that is not a string'
        end as reason
    ) as v
    where v.reason is not null
    order by e.position
    limit 1;
    if found then
        raise exception 'element % of p_reports %: nothing was changed', v_bad.position, v_bad.reason
            using errcode = 'OR010', detail = format('p_reports[%s] = %s', v_bad.position, p_reports -> v_bad.position::integer),
            hint = 'each element is {"api_key_id", "outcome", "retry_after_seconds", "error"}';
    end if;

    -- As in report_api_key_result: key health need not wait for the disk.
    perform set_config('synchronous_commit', 'off', true);

    -- A run of successes shares a number: how many of the key's reports before it are not
    -- successes. A failure is a run of its own.
    for v_run in
        with reports as (
            select
                (e.element ->> 'api_key_id')::uuid as api_key_id,
                e.element ->> 'outcome' as outcome,
                (e.element ->> 'retry_after_seconds')::integer as retry_after_seconds,
                e.element ->> 'error' as error,
                e.position
            from jsonb_array_elements(p_reports) with ordinality as e (element, position)
        ),
        numbered as (
            select
                r.*,
                row_number() over (partition by r.api_key_id order by r.position)
                - row_number() over (
                    partition by r.api_key_id, r.outcome is not distinct from 'success' order by r.position
                ) as run
            from reports as r
        )
        select n.api_key_id, n.outcome, count(*)::integer as calls, min(n.retry_after_seconds) as retry_after_seconds,
            min(n.error) as error, min(n.position) as first_position
        from numbered as n
        group by n.api_key_id, n.outcome,
            case when n.outcome is not distinct from 'success' then n.run else -n.position end
        order by n.api_key_id, first_position
    loop
        perform orchable._report_api_key_calls(
            v_run.api_key_id, v_run.outcome, v_run.calls, v_run.retry_after_seconds, v_run.error, p_now
        );
    end loop;
    return jsonb_array_length(p_reports);
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create or replace function public.report_api_key_results(p_reports jsonb, p_now timestamptz default null)
returns integer
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.report_api_key_results(p_reports, p_now);
end
$$;

comment on function orchable_rpc.report_api_key_results(jsonb, timestamptz) is
'The implementation of public.report_api_key_results, run with its owner''s rights; callable by the roles that may call public.report_api_key_results.';

comment on function public.report_api_key_results(jsonb, timestamptz) is
'Worker only. report_api_key_result for many calls in one statement: p_reports is a JSON array of at most 1000
{"api_key_id", "outcome", "retry_after_seconds", "error"}, applied key by key in the order given, with the same
effects; returns how many. A malformed element refuses the whole call (OR010); OR100, OR101 and OR102 as in
report_api_key_result, and then nothing was changed.';

revoke all on function orchable_rpc.report_api_key_results(jsonb, timestamptz)
from public, anon, authenticated, service_role;
revoke all on function public.report_api_key_results(jsonb, timestamptz) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.report_api_key_results(jsonb, timestamptz) to orchable_worker, service_role;
grant execute on function public.report_api_key_results(jsonb, timestamptz) to orchable_worker, service_role;

-- functions/0550_api_key_available_at.sql
-- SECURITY DEFINER: the worker has no privileges on the key tables. When acquire_api_key
-- returns no key, the worker asks this when to come back (and releases the task until then).
create or replace function orchable_rpc.api_key_available_at(p_owner_id uuid, p_provider text)
returns timestamptz
language sql
stable
security definer
set search_path = pg_catalog, pg_temp
as $$
    select
        case
            when bool_or(h.blocked_until is null or h.blocked_until <= now()) then now()
            else min(h.blocked_until)
        end
    from public.user_api_keys as k
    left join public.api_key_health as h on h.user_api_key_id = k.id
    where k.owner_id = p_owner_id and k.provider = p_provider and k.is_active
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create or replace function public.api_key_available_at(p_owner_id uuid, p_provider text)
returns timestamptz
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.api_key_available_at(p_owner_id, p_provider);
end
$$;

comment on function orchable_rpc.api_key_available_at(uuid, text) is
'The implementation of public.api_key_available_at, run with its owner''s rights; callable by the roles that may call public.api_key_available_at.';

comment on function public.api_key_available_at(uuid, text) is
'Worker only. When the owner will next have a usable key for the provider: now() if one is usable now,
else the earliest blocked_until of their active keys; null when they have no active key for it (nothing to wait for).';

revoke all on function orchable_rpc.api_key_available_at(uuid, text) from public, anon, authenticated, service_role;
revoke all on function public.api_key_available_at(uuid, text) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.api_key_available_at(uuid, text) to orchable_worker, service_role;
grant execute on function public.api_key_available_at(uuid, text) to orchable_worker, service_role;

-- functions/0560_record_llm_call.sql
-- SECURITY DEFINER: the worker has no table privileges. No claim token: a call that was
-- made cost money even if the claim went stale meanwhile, and is recorded all the same.
create or replace function orchable_rpc.record_llm_call(
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
set search_path = pg_catalog, pg_temp
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

    -- FOR KEY SHARE, as a foreign key's check would: llm_calls has none (see its table).
    select * into v_task from public.ai_tasks where id = p_task_id for key share;
    if not found then
        raise exception 'task % not found', p_task_id
            using errcode = 'OR004', detail = 'the call cannot be recorded without its task',
            hint = 'the task or its batch was deleted; drop this record';
    end if;

    -- A key deleted meanwhile (or not the owner's) is not named; the call is still recorded.
    select k.id into v_api_key_id
    from public.user_api_keys as k
    where k.id = p_api_key_id and k.owner_id = v_task.owner_id
    for key share;

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

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
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
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.record_llm_call(
        p_task_id, p_provider, p_model, p_outcome, p_api_key_id, p_input_tokens, p_output_tokens,
        p_cached_tokens, p_thoughts_tokens, p_latency_ms, p_http_status, p_error, p_response_id
    );
end
$$;

comment on function orchable_rpc.record_llm_call(
    uuid, text, text, text, uuid, integer, integer, integer, integer, integer, integer, text, text
) is
'The implementation of public.record_llm_call, run with its owner''s rights; callable by the roles that may call public.record_llm_call.';

comment on function public.record_llm_call(
    uuid, text, text, text, uuid, integer, integer, integer, integer, integer, integer, text, text
) is
'Worker only. Records one LLM call of a task (whatever its claim): tokens, latency, key id, outcome, and its cost
from ai_models (cached tokens at the cached price, the other input tokens at the input price, output and thinking
tokens at the output price; 0 for an unknown model). Adds the cost to the batch''s spent_usd; a pending or processing
batch whose spend reaches config.budget_usd pauses itself. Errors: OR004 unknown task, OR010 bad counts, OR016 unknown outcome.';

revoke all on function orchable_rpc.record_llm_call(
    uuid, text, text, text, uuid, integer, integer, integer, integer, integer, integer, text, text
) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.record_llm_call(
    uuid, text, text, text, uuid, integer, integer, integer, integer, integer, integer, text, text
) to orchable_worker, service_role;
revoke all on function public.record_llm_call(
    uuid, text, text, text, uuid, integer, integer, integer, integer, integer, integer, text, text
) from public, anon, authenticated, service_role;
grant execute on function public.record_llm_call(
    uuid, text, text, text, uuid, integer, integer, integer, integer, integer, integer, text, text
) to orchable_worker, service_role;

-- functions/0563_raise_llm_calls_error.sql
-- Only on the failure path of record_llm_calls: fewer calls went in than came, or an
-- element was malformed. Inspects the elements one by one, in the order of
-- record_llm_call's checks, and raises naming the first element that fails; the raise
-- undoes the calls record_llm_calls inserted.
create or replace function orchable._raise_llm_calls_error(p_calls jsonb)
returns void
language plpgsql
stable
set search_path = pg_catalog, pg_temp
as $$
declare
    v_uuid constant text := '^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$';
    v_bad record;
    v_failed_check integer;
    v_position bigint;
    v_task_id uuid;
    v_outcome text;
begin
    -- A malformed element (a member its column type cannot take, no task_id) is a worker
    -- bug: the whole call is refused, naming the first one.
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

    -- Then record_llm_call's checks, naming the first element that fails the first check
    -- any element fails. An element only a column type refuses is named by none of these.
    begin
        select v.failed_check, c.position - 1, c.task_id, c.outcome
        into v_failed_check, v_position, v_task_id, v_outcome
        from rows from (jsonb_to_recordset(p_calls) as (
            task_id uuid, provider text, model text, outcome text, input_tokens integer, output_tokens integer,
            cached_tokens integer, thoughts_tokens integer, latency_ms integer
        )) with ordinality as c (
            task_id, provider, model, outcome, input_tokens, output_tokens, cached_tokens, thoughts_tokens,
            latency_ms, position
        )
        cross join lateral (
            select case
                when c.outcome is null or c.outcome not in (
                    'success', 'rate_limited', 'overloaded', 'server_error', 'timeout',
                    'invalid_output', 'invalid_key', 'invalid_request'
                ) then 1
                when coalesce(btrim(c.provider), '') = '' or coalesce(btrim(c.model), '') = ''
                    or least(c.input_tokens, c.output_tokens, c.cached_tokens, c.thoughts_tokens) < 0
                    or c.latency_ms < 0 then 2
                when not exists (select from public.ai_tasks as t where t.id = c.task_id) then 3
            end as failed_check
        ) as v
        where v.failed_check is not null
        order by v.failed_check, c.position
        limit 1;
    exception when invalid_text_representation or numeric_value_out_of_range or invalid_parameter_value then
        v_failed_check := null;
    end;

    if v_failed_check = 1 then
        raise exception 'unknown LLM call outcome % in element % of p_calls',
            coalesce(quote_literal(v_outcome), 'null'), v_position
            using errcode = 'OR016',
            detail = 'outcome is not one of the outcomes a call can have; nothing was recorded.',
            hint = 'Use success, rate_limited, overloaded, server_error, timeout, invalid_output, invalid_key or invalid_request.';
    elsif v_failed_check = 2 then
        raise exception 'element % of p_calls needs a provider, a model and token counts and latency of zero or more',
            v_position
            using errcode = 'OR010', detail = format('p_calls[%s] = %s', v_position, p_calls -> v_position::integer),
            hint = 'pass the usage the provider reported; 0 for a count it did not report';
    elsif v_failed_check = 3 then
        raise exception 'task % of element % of p_calls not found', v_task_id, v_position
            using errcode = 'OR004', detail = 'the call cannot be recorded without its task; nothing was recorded',
            hint = 'the task or its batch was deleted; drop this record';
    end if;
    raise exception 'p_calls has a malformed element: nothing was recorded'
        using errcode = 'OR010', hint = 'each element is an object with task_id (a uuid), provider, model, outcome and whole-number counts';
end
$$;

comment on function orchable._raise_llm_calls_error(jsonb) is
'Failure path of record_llm_calls: raises OR010, OR016 or OR004 naming the first element of p_calls that cannot be recorded.';

-- functions/0565_record_llm_calls.sql
-- SECURITY DEFINER: the worker has no table privileges. The bulk record_llm_call: one
-- INSERT for every call, then one UPDATE of spent_usd per batch (locked in id order, so
-- concurrent calls never deadlock), with the same cost and budget pause rules.
-- llm_calls has no foreign keys (see its table): the calls' tasks and keys are locked FOR
-- KEY SHARE here instead, in id order, so a batch or key deleted meanwhile waits for this
-- transaction and its delete trigger then finds these calls.
create or replace function orchable_rpc.record_llm_calls(p_calls jsonb)
returns integer
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
-- The calls and their tasks are joined from CTEs whose sizes the planner can only guess
-- (a few rows): it would join them in a nested loop, which compares every call with
-- every task, 65,536 comparisons for 256 calls. Hash joins take them in one pass.
set enable_nestloop = off
as $$
declare
    v_recorded integer;
    v_batch_ids uuid [];
    v_costs numeric [];
    v_malformed boolean := false;
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

    -- One statement records every call whose task exists and whose values pass
    -- record_llm_call's checks. Only when fewer calls went in than came, or an element is
    -- malformed, are the elements inspected one by one, to name the first that fails: that
    -- error undoes the insert, so nothing is recorded.
    begin
        with calls as materialized (
            select
                c.ordinality, c.task_id, c.provider, c.model, c.outcome, c.api_key_id,
                coalesce(c.input_tokens, 0) as input_tokens, coalesce(c.output_tokens, 0) as output_tokens,
                coalesce(c.cached_tokens, 0) as cached_tokens, coalesce(c.thoughts_tokens, 0) as thoughts_tokens,
                c.latency_ms, c.http_status, c.error, c.response_id
            from rows from (jsonb_to_recordset(p_calls) as (
                task_id uuid, provider text, model text, outcome text, api_key_id uuid, input_tokens integer,
                output_tokens integer, cached_tokens integer, thoughts_tokens integer, latency_ms integer,
                http_status integer, error text, response_id text
            )) with ordinality as c
        ),
        tasks as materialized (
            select t.id, t.owner_id, t.batch_id, t.retry_count
            from public.ai_tasks as t
            where t.id = any(array(select c.task_id from calls as c))
            order by t.id
            for key share
        ),
        keys as materialized (
            select k.id, k.owner_id
            from public.user_api_keys as k
            where k.id = any(array(select c.api_key_id from calls as c))
            order by k.id
            for key share
        ),
        inserted as (
            insert into public.llm_calls (
                owner_id, batch_id, task_id, api_key_id, provider, model, attempt, outcome, http_status, error,
                input_tokens, output_tokens, cached_tokens, thoughts_tokens, latency_ms, cost_usd, response_id
            )
            select
                t.owner_id, t.batch_id, c.task_id, k.id, c.provider, c.model, t.retry_count, c.outcome,
                c.http_status, c.error, c.input_tokens, c.output_tokens, c.cached_tokens, c.thoughts_tokens,
                c.latency_ms,
                orchable._llm_call_cost(m, c.input_tokens, c.output_tokens, c.cached_tokens, c.thoughts_tokens),
                c.response_id
            from calls as c
            join tasks as t on t.id = c.task_id
            -- A key deleted meanwhile (or not the owner's) is not named; the call is still recorded.
            left join keys as k on k.id = c.api_key_id and k.owner_id = t.owner_id
            left join public.ai_models as m on m.provider = c.provider and m.model = c.model
            where c.outcome in (
                'success', 'rate_limited', 'overloaded', 'server_error', 'timeout',
                'invalid_output', 'invalid_key', 'invalid_request'
            )
                and btrim(c.provider) <> '' and btrim(c.model) <> ''
                and least(c.input_tokens, c.output_tokens, c.cached_tokens, c.thoughts_tokens) >= 0
                and (c.latency_ms is null or c.latency_ms >= 0)
            order by c.ordinality
            returning batch_id, cost_usd
        )
        select count(*)::integer, array_agg(i.batch_id), array_agg(i.cost_usd)
        into v_recorded, v_batch_ids, v_costs
        from inserted as i;
    exception when invalid_text_representation or numeric_value_out_of_range or invalid_parameter_value then
        v_malformed := true;
    end;

    if v_malformed or v_recorded < jsonb_array_length(p_calls) then
        perform orchable._raise_llm_calls_error(p_calls);
    end if;

    -- The spend, and the budget (the rules of record_llm_call): the batches whose spend
    -- changes, or that have a budget, are locked in id order, then updated once each. A
    -- call that costs nothing in a batch without a budget leaves its batch alone: calls
    -- that cost nothing do not make one batch's completions wait for each other here.
    perform
    from public.task_batches as b
    join (
        select c.batch_id, sum(c.cost) as cost
        from unnest(v_batch_ids, v_costs) as c (batch_id, cost)
        group by c.batch_id
    ) as s on s.batch_id = b.id
    where s.cost <> 0 or jsonb_typeof(b.config -> 'budget_usd') = 'number'
    order by b.id
    for no key update of b;

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
    from (
        select c.batch_id, sum(c.cost) as cost,
            case when jsonb_typeof(x.config -> 'budget_usd') = 'number'
                then (x.config ->> 'budget_usd')::numeric end as budget
        from unnest(v_batch_ids, v_costs) as c (batch_id, cost)
        join public.task_batches as x on x.id = c.batch_id
        group by c.batch_id, x.config
    ) as s
    where b.id = s.batch_id and (s.cost <> 0 or s.budget is not null);

    return v_recorded;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create or replace function public.record_llm_calls(p_calls jsonb)
returns integer
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.record_llm_calls(p_calls);
end
$$;

comment on function orchable_rpc.record_llm_calls(jsonb) is
'The implementation of public.record_llm_calls, run with its owner''s rights; callable by the roles that may call public.record_llm_calls.';

comment on function public.record_llm_calls(jsonb) is
'Worker only. Records up to 1000 LLM calls in one statement: p_calls is a JSON array of objects with the parameters of record_llm_call without their p_ prefix (task_id, provider, model, outcome, api_key_id, input_tokens, ...).
Costs, spend and budget pause as record_llm_call, one update per batch. Returns how many calls were recorded. Errors (nothing recorded): OR004 unknown task, OR010 an element that is not an object, a task_id or api_key_id that is not a uuid, bad counts or more than 1000 calls, OR016 unknown outcome.';

revoke all on function orchable_rpc.record_llm_calls(jsonb) from public, anon, authenticated, service_role;
revoke all on function public.record_llm_calls(jsonb) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.record_llm_calls(jsonb) to orchable_worker, service_role;
grant execute on function public.record_llm_calls(jsonb) to orchable_worker, service_role;
