-- Delta from the sources below, written by scripts/new-migration.sh.

-- report_api_key_results no longer takes a clock from its caller: its body moves to the
-- private orchable._report_api_key_results(p_reports, p_now), which tests call.
drop function public.report_api_key_results(jsonb, timestamptz);
drop function orchable_rpc.report_api_key_results(jsonb, timestamptz);

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
'service_role only (operators, tests; workers use acquire_task_api_keys). Hands over the healthiest usable key of an owner for a provider, in clear, and marks it used.
Usable: active and not blocked. Order: meant for p_model (or for no model) first, then priority (higher first),
then least recently used. Concurrent callers wait for each other, so none reads a key being taken as none usable.
Returns no row when no key is usable: wait and try again.';
revoke all on function orchable_rpc.acquire_api_key(uuid, text, text, timestamptz)
from public, anon, authenticated, service_role, orchable_worker;
revoke all on function public.acquire_api_key(uuid, text, text, timestamptz)
from public, anon, authenticated, service_role, orchable_worker;
grant execute on function orchable_rpc.acquire_api_key(uuid, text, text, timestamptz) to service_role;
grant execute on function public.acquire_api_key(uuid, text, text, timestamptz) to service_role;

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
'service_role only (operators, tests; workers use acquire_task_api_keys). Hands over the keys for p_count calls at once, in clear, as p_count calls of acquire_api_key would:
keys of the best rank (meant for p_model or for no model, then priority) in turn, least recently used first,
one row per call (slot 0 .. p_count - 1). Returns no row when no key is usable: wait and try again.
Errors: OR100 p_count not between 1 and 1000.';
revoke all on function orchable_rpc.acquire_api_keys(uuid, text, text, integer, timestamptz)
from public, anon, authenticated, service_role, orchable_worker;
revoke all on function public.acquire_api_keys(uuid, text, text, integer, timestamptz)
from public, anon, authenticated, service_role, orchable_worker;
grant execute on function orchable_rpc.acquire_api_keys(uuid, text, text, integer, timestamptz)
to service_role;
grant execute on function public.acquire_api_keys(uuid, text, text, integer, timestamptz)
to service_role;

-- functions/0537_acquire_task_api_keys.sql
-- SECURITY DEFINER: the worker has no privileges on the key tables, and the plain key is
-- decrypted with a key-encryption key nobody but the owner of this function may read.
-- How a worker takes keys: one per call it is about to make, each call named by the task
-- it is for and that task's claim token. A key is handed out only for a task the caller
-- holds the current claim of, and only the key of that task's owner, so a worker
-- credential alone reads no key: the owner's tasks must be running on it. The keys of
-- each owner's calls are handed out as acquire_api_keys would, at the database's clock.
create or replace function orchable_rpc.acquire_task_api_keys(
    p_task_ids uuid[],
    p_claim_tokens uuid[],
    p_provider text,
    p_model text default null
)
returns table (slot integer, api_key_id uuid, api_key text, key_name text, model_preference text)
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
#variable_conflict use_column
declare
    v_owner record;
begin
    if p_task_ids is null or p_claim_tokens is null or cardinality(p_task_ids) <> cardinality(p_claim_tokens)
        or cardinality(p_task_ids) not between 1 and 1000 then
        raise exception 'acquire_task_api_keys takes one claim token per task id, for 1 to 1000 calls'
            using errcode = 'OR010',
            detail = format('%s task ids, %s claim tokens', cardinality(p_task_ids), cardinality(p_claim_tokens)),
            hint = 'pass the task id and claim token of each call that needs a key';
    end if;
    -- Each owner's calls (slots in the order given) whose task is held under that claim:
    -- the others get no key, as if none were usable.
    for v_owner in
        select t.owner_id, array_agg(c.slot order by c.slot) as slots
        from unnest(p_task_ids, p_claim_tokens) with ordinality as c (task_id, claim_token, slot)
        join public.ai_tasks as t on t.id = c.task_id
        where t.status = 'processing' and t.claim_token = c.claim_token
        group by t.owner_id
        order by t.owner_id
    loop
        return query
        select (v_owner.slots[k.slot + 1] - 1)::integer, k.api_key_id, k.api_key, k.key_name, k.model_preference
        from orchable_rpc.acquire_api_keys(
            v_owner.owner_id, p_provider, p_model, cardinality(v_owner.slots)
        ) as k;
    end loop;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create or replace function public.acquire_task_api_keys(
    p_task_ids uuid[],
    p_claim_tokens uuid[],
    p_provider text,
    p_model text default null
)
returns table (slot integer, api_key_id uuid, api_key text, key_name text, model_preference text)
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return query select * from orchable_rpc.acquire_task_api_keys(p_task_ids, p_claim_tokens, p_provider, p_model);
end
$$;

comment on function orchable_rpc.acquire_task_api_keys(uuid[], uuid[], text, text) is
'The implementation of public.acquire_task_api_keys, run with its owner''s rights; callable by the roles that may call public.acquire_task_api_keys.';

comment on function public.acquire_task_api_keys(uuid[], uuid[], text, text) is
'Worker only. Hands over, in clear, one key per call about to be made: call i is for task p_task_ids[i] under claim
p_claim_tokens[i], and gets its owner''s key for p_provider (slot i - 1) as acquire_api_keys ranks them. A call whose
task is not held under that claim gets no row, nor does one whose owner has no usable key: wait and try again.
Errors: OR010 arrays of different lengths, empty, or longer than 1000.';

revoke all on function orchable_rpc.acquire_task_api_keys(uuid[], uuid[], text, text)
from public, anon, authenticated, service_role;
revoke all on function public.acquire_task_api_keys(uuid[], uuid[], text, text)
from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.acquire_task_api_keys(uuid[], uuid[], text, text)
to orchable_worker, service_role;
grant execute on function public.acquire_task_api_keys(uuid[], uuid[], text, text) to orchable_worker, service_role;

-- functions/0540_report_api_key_result.sql
-- SECURITY DEFINER: nobody but orchable writes a key's health. For operators and tests
-- (it takes a clock, p_now); workers report with report_api_key_results.
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
'service_role only (operators, tests; workers use report_api_key_results). Records how a call with a key went, and blocks or deactivates the key accordingly.
success resets the failure streak and clears the block, unless it is a rate limit''s still in force. rate_limited blocks for p_retry_after_seconds,
else 30 s * 2^(streak - 1) up to 1 hour; server_error and timeout block for 5 s * 2^(streak - 1) up to 5 minutes;
invalid_key deactivates the key at once; so does a streak of 10 failures or more that has lasted 10 minutes,
unless the last is a rate limit (too_many_failures: <error>). A failure reported while the key is blocked (a call
in flight when the block began) changes neither the streak nor the block, but for a Retry-After it carries.
Errors: OR100 negative retry-after, OR101 key not found, OR102 unknown outcome.';
revoke all on function orchable_rpc.report_api_key_result(uuid, text, integer, text, timestamptz)
from public, anon, authenticated, service_role, orchable_worker;
revoke all on function public.report_api_key_result(uuid, text, integer, text, timestamptz)
from public, anon, authenticated, service_role, orchable_worker;
grant execute on function orchable_rpc.report_api_key_result(uuid, text, integer, text, timestamptz)
to service_role;
grant execute on function public.report_api_key_result(uuid, text, integer, text, timestamptz)
to service_role;

-- functions/0545_report_api_key_results.sql
-- The bulk report_api_key_result, at p_now (tests pin the clock here; the RPC below, which
-- workers call, takes none): key by key in id order (as acquire_api_keys locks them, so the
-- two never deadlock), each key's reports in the order given. A run of successes on a
-- key is written once, with every call counted: a busy worker reports hundreds of
-- successes a second on a few keys, and one update per call was the largest database
-- cost of an LLM task.
create or replace function orchable._report_api_key_results(p_reports jsonb, p_now timestamptz)
returns integer
language plpgsql
volatile
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

comment on function orchable._report_api_key_results(jsonb, timestamptz) is
'report_api_key_results at the time p_now (now() when null): the body of the RPC, which takes no clock from a worker.';

-- SECURITY DEFINER: the worker has no privileges on the key tables.
create or replace function orchable_rpc.report_api_key_results(p_reports jsonb)
returns integer
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable._report_api_key_results(p_reports, null);
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create or replace function public.report_api_key_results(p_reports jsonb)
returns integer
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.report_api_key_results(p_reports);
end
$$;

comment on function orchable_rpc.report_api_key_results(jsonb) is
'The implementation of public.report_api_key_results, run with its owner''s rights; callable by the roles that may call public.report_api_key_results.';

comment on function public.report_api_key_results(jsonb) is
'Worker only. report_api_key_result for many calls in one statement: p_reports is a JSON array of at most 1000
{"api_key_id", "outcome", "retry_after_seconds", "error"}, applied key by key in the order given, with the same
effects, at the database''s clock; returns how many. A malformed element refuses the whole call (OR010); OR100,
OR101 and OR102 as in report_api_key_result, and then nothing was changed.';

revoke all on function orchable_rpc.report_api_key_results(jsonb) from public, anon, authenticated, service_role;
revoke all on function public.report_api_key_results(jsonb) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.report_api_key_results(jsonb) to orchable_worker, service_role;
grant execute on function public.report_api_key_results(jsonb) to orchable_worker, service_role;

-- policies/0160_orchable_internals.sql
-- orchable's private tables have RLS with no policy (deny all) and no grants; only the
-- SECURITY DEFINER functions, run as their owner, touch them. Its functions are not
-- callable by the API roles either.
alter table orchable.task_trees enable row level security;
alter table orchable.merge_groups enable row level security;
alter table orchable.limits enable row level security;
revoke all on all tables in schema orchable from public, anon, authenticated, service_role;
revoke all on all functions in schema orchable from public, anon, authenticated, service_role;
