-- Delta from the sources below, written by scripts/new-migration.sh.

-- sql/0140_table_ai_tasks.sql: the claim's index gains the owner as its first column.
drop index public.ai_tasks_runnable_idx;
create index ai_tasks_runnable_idx on public.ai_tasks (
    owner_id, (case when status = 'processing' then locked_until else run_after end)
) where status in ('plan', 'processing');

-- functions/0325_owners_with_due_tasks.sql
-- Up to p_count owners that have a task due now, for a claim to share its tasks between:
-- a walk of ai_tasks_runnable_idx from a random owner id onwards, wrapping around, one
-- index probe to find each next owner and one to see whether its earliest task is due.
-- The random start gives every owner the same chance to come first, with no state that
-- workers would contend for; the walk's cost grows with the owners it visits (at most
-- p_count of those with due work), never with their tasks.
create or replace function orchable._owners_with_due_tasks(p_count integer)
returns uuid[]
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
    v_start constant uuid := gen_random_uuid();
    v_after uuid := v_start;
    v_wrapped boolean := false;
    v_owner uuid;
    v_owners uuid[] := '{}';
begin
    while cardinality(v_owners) < p_count loop
        select t.owner_id into v_owner
        from public.ai_tasks as t
        where t.status in ('plan', 'processing')
            and t.owner_id > v_after and (not v_wrapped or t.owner_id < v_start)
        order by t.owner_id
        limit 1;
        if v_owner is null then
            exit when v_wrapped;
            v_wrapped := true;
            v_after := '00000000-0000-0000-0000-000000000000';
            -- The nil uuid is no user's id; an owner with it would be missed, and none has.
            continue;
        end if;
        if exists (
            select from public.ai_tasks as t
            where t.owner_id = v_owner and t.status in ('plan', 'processing')
                and (case when t.status = 'processing' then t.locked_until else t.run_after end) <= now()
        ) then
            v_owners := v_owners || v_owner;
        end if;
        v_after := v_owner;
    end loop;
    return v_owners;
end
$$;

comment on function orchable._owners_with_due_tasks(integer) is
'Up to p_count owners with a task due now, starting from a random owner id: whom a claim shares its tasks between.';

-- functions/0327_room_in_flight.sql
-- How many of p_wanted tasks an owner may take on now: all of them, unless a deployment
-- set tasks_in_flight_per_owner (orchable.limits), which caps the tasks an owner has
-- processing under a running lease. Counting stops at the cap, so a claim reads at most
-- that many rows per owner, and none when no cap is set.
create or replace function orchable._room_in_flight(p_owner_id uuid, p_wanted integer)
returns integer
language plpgsql
stable
set search_path = pg_catalog, pg_temp
as $$
declare
    v_cap constant bigint := orchable._limit('tasks_in_flight_per_owner');
begin
    if v_cap is null then
        return p_wanted;
    end if;
    return least(p_wanted, greatest(0, v_cap - (
        select count(*) from (
            select from public.ai_tasks as t
            where t.owner_id = p_owner_id and t.status = 'processing' and t.locked_until > now()
            limit v_cap
        ) as in_flight
    )));
end
$$;

comment on function orchable._room_in_flight(uuid, integer) is
'How many of p_wanted tasks an owner may claim now under the tasks_in_flight_per_owner limit, if a deployment set one.';

-- functions/0330_claim_tasks.sql
-- SECURITY DEFINER: the worker role has no table privileges; this is how it takes work.
-- One claim shape: lock due rows (those of v_runnable_tasks) in index order, shared
-- between the owners with work due, skipping rows other workers hold, then lease them. A task whose lease keeps expiring fails as poison, and
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
    v_too_long boolean [];
    v_max_prompt_bytes constant bigint := orchable._limit('prompt_bytes');
    v_owners uuid [];
    v_share integer;
    v_held uuid [];
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
    -- ai_tasks_runnable_idx, skipping rows other workers hold. A share an owner cannot fill
    -- is left for the next claim, which a worker makes at once after a claim that got tasks.
    v_owners := orchable._owners_with_due_tasks(p_limit);
    v_share := ceil(p_limit::numeric / greatest(cardinality(v_owners), 1));
    v_held := array(select b.id from public.task_batches as b where b.status in ('paused', 'cancelled'));
    with candidates as (
        select c.id, c.status
        from unnest(v_owners) as o (owner_id)
        cross join lateral (
            select t.id, t.status
            from public.ai_tasks as t
            where t.owner_id = o.owner_id and t.status in ('plan', 'processing')
                and (case when t.status = 'processing' then t.locked_until else t.run_after end) <= now()
                and t.batch_id <> all(v_held)
            order by (case when t.status = 'processing' then t.locked_until else t.run_after end)
            limit orchable._room_in_flight(o.owner_id, v_share)
            for update skip locked
        ) as c
        limit p_limit
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
        p.output_schema, t.retry_count, t.max_retries
    from unnest(v_tasks) as t
    join unnest(v_ids, v_prompts) as c (id, prompt) on c.id = t.id
    join public.prompt_templates as p on p.id = t.prompt_template_id
    join public.task_batches as b on b.id = t.batch_id
    where c.prompt is not null;
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

-- policies/0160_orchable_internals.sql
-- orchable's private tables have RLS with no policy (deny all) and no grants; only the
-- SECURITY DEFINER functions, run as their owner, touch them. Its functions are not
-- callable by the API roles either.
alter table orchable.task_trees enable row level security;
alter table orchable.merge_groups enable row level security;
alter table orchable.limits enable row level security;
revoke all on all tables in schema orchable from public, anon, authenticated, service_role;
revoke all on all functions in schema orchable from public, anon, authenticated, service_role;
