-- SECURITY DEFINER: the worker has no privileges on the key tables, and the plain key is
-- decrypted with a key-encryption key nobody but the owner of this function may read.
-- The keys for p_count calls in one round trip, each key decrypted once: a worker starting
-- many calls at once takes their keys here; acquire_api_key is this for one call.
create function orchable_rpc.acquire_api_keys(
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
create function public.acquire_api_keys(
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
