-- SECURITY DEFINER: workers have no table privileges. The bulk complete_task: the tasks
-- are locked in id order (so concurrent calls never deadlock), then one UPDATE stores
-- every accepted result, so the counter, event and notify triggers run once per call and
-- each batch row is updated once. An element whose claim is stale changes nothing.
create function orchable_rpc.complete_tasks(p_results jsonb)
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
create function public.complete_tasks(p_results jsonb)
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
