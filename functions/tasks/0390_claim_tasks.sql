-- SECURITY DEFINER: the worker role has no table privileges; this is how it takes work.
-- One claim shape: lock due rows (those of v_runnable_tasks) in index order, shared
-- between the owners with work due, skipping rows other workers hold, then lease them. A
-- task whose lease keeps expiring fails as poison, and one whose prompt names a variable
-- its input lacks, or would pass the prompt_bytes limit, fails; neither is returned.
create function orchable_rpc.claim_tasks(
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
    max_retries integer,
    stage_kind text
)
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_max_lease_expiries constant integer := 5;
    v_tasks public.ai_tasks [] := '{}';
    v_poisoned boolean;
    v_ids uuid [];
    v_prompts text [];
    v_missing_variables text [];
    v_too_long boolean [];
    v_max_prompt_bytes constant bigint := orchable._limit('prompt_bytes');
    v_owners uuid [];
    v_owner uuid;
    v_held uuid [];
    v_count integer;
    v_in_flight_cap constant bigint := orchable._limit('tasks_in_flight_per_owner');
begin
    if coalesce(btrim(p_worker_id), '') = '' or p_limit is null or p_limit not between 1 and 1000
        or p_lease_seconds is null or p_lease_seconds not between 1 and 86400 then
        raise exception 'claim_tasks needs a worker id, a limit from 1 to 1000 and a lease from 1 to 86400 seconds'
            using errcode = 'OR010',
            detail = format('p_worker_id=%s p_limit=%s p_lease_seconds=%s', p_worker_id, p_limit, p_lease_seconds),
            hint = 'for example claim_tasks(''worker-1'', 10, 300)';
    end if;

    -- Fair between owners: the claim's tasks are shared equally between the owners with
    -- work due (orchable._owners_with_due_tasks), so one owner's flood of inputs delays
    -- nobody else's; each owner's share is its earliest due tasks, locked in the order of
    -- ai_tasks_runnable_idx, skipping rows other workers hold, and leased. A share an owner
    -- cannot fill is left for the next claim, which a worker makes at once after a claim
    -- that got tasks. One statement per owner: as one lateral join over the owners, the
    -- same work cost 5% more of PostgreSQL's instructions per task
    -- (bench/backend_instructions.sh).
    v_owners := orchable._owners_with_due_tasks(p_limit);
    v_held := array(select b.id from public.task_batches as b where b.status in ('paused', 'cancelled'));
    for v_index in 1 .. cardinality(v_owners) loop
        v_owner := v_owners[v_index];
        -- p_limit shared as evenly as whole tasks allow: the first owners get one more.
        v_count := p_limit / cardinality(v_owners) + (v_index <= p_limit % cardinality(v_owners))::integer;
        if v_in_flight_cap is not null then
            v_count := least(v_count, v_in_flight_cap - orchable._tasks_in_flight(v_owner, v_in_flight_cap));
            continue when v_count <= 0;
        end if;
        with candidates as (
            select t.id, t.status
            from public.ai_tasks as t
            where t.owner_id = v_owner and t.status in ('plan', 'processing')
                and (case when t.status = 'processing' then t.locked_until else t.run_after end) <= now()
                and t.batch_id <> all(v_held)
            order by (case when t.status = 'processing' then t.locked_until else t.run_after end)
            limit v_count
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
        select v_tasks || coalesce(array_agg(task), '{}') into v_tasks from leased;
    end loop;
    v_poisoned := exists (select from unnest(v_tasks) as c where c.lease_expired_count >= v_max_lease_expiries);

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
    -- variable fails naming it, one whose prompt would pass the prompt_bytes limit fails
    -- too, and the others are returned with their prompt.
    with templates as materialized (
        select p.id, t.parts, t.names
        from public.prompt_templates as p
        cross join lateral orchable._parse_template(p.template) as t
        where p.id in (select c.prompt_template_id from unnest(v_tasks) as c)
    )
    select array_agg(c.id), array_agg(r.rendered), array_agg(r.missing_variable), array_agg(r.too_long)
    into v_ids, v_prompts, v_missing_variables, v_too_long
    from unnest(v_tasks) as c
    join templates as p on p.id = c.prompt_template_id
    cross join lateral orchable._render_template(p.parts, p.names, c.input_data, v_max_prompt_bytes) as r
    where c.lease_expired_count < v_max_lease_expiries;
    if exists (
        select from unnest(v_missing_variables, v_too_long) as m (missing_variable, too_long)
        where m.missing_variable is not null or m.too_long
    ) then
        update public.ai_tasks as t
        set
            status = 'failed',
            error_code = case when m.too_long then 'OR020' else 'OR008' end,
            error_message = case
                when m.too_long then format('the rendered prompt is longer than %s bytes', v_max_prompt_bytes)
                else format('template variable "%s" is missing from the task input', m.missing_variable)
            end,
            claim_token = null, locked_by = null, locked_until = null, updated_at = now()
        from unnest(v_ids, v_missing_variables, v_too_long) as m (id, missing_variable, too_long)
        where t.id = m.id and (m.missing_variable is not null or m.too_long);
    end if;

    return query
    select
        t.id, t.claim_token, t.locked_until, t.owner_id, t.batch_id, t.root_task_id, t.stage_key,
        t.task_type, t.prompt_template_id, c.prompt, t.input_data,
        p.default_ai_settings || coalesce(b.config -> 'ai_settings', '{}'::jsonb),
        p.output_schema, t.retry_count, t.max_retries, coalesce(p.stage_config ->> 'kind', 'generate')
    from unnest(v_tasks) as t
    join unnest(v_ids, v_prompts) as c (id, prompt) on c.id = t.id
    join public.prompt_templates as p on p.id = t.prompt_template_id
    join public.task_batches as b on b.id = t.batch_id
    where c.prompt is not null;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create function public.claim_tasks(
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
    max_retries integer,
    stage_kind text
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
'Worker only. Claims up to p_limit runnable tasks (FOR UPDATE SKIP LOCKED) with a lease and a new claim token each; returns the rendered prompt, AI settings, output_schema and the stage''s kind (generate or grounded_search).';

revoke all on function orchable_rpc.claim_tasks(text, integer, integer) from public, anon, authenticated, service_role;
revoke all on function public.claim_tasks(text, integer, integer) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.claim_tasks(text, integer, integer) to orchable_worker, service_role;
grant execute on function public.claim_tasks(text, integer, integer) to orchable_worker, service_role;
