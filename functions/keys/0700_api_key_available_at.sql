-- SECURITY DEFINER: the worker has no privileges on the key tables. When acquire_api_key
-- returns no key, the worker asks this when to come back (and releases the task until then).
create function orchable_rpc.api_key_available_at(p_owner_id uuid, p_provider text)
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
create function public.api_key_available_at(p_owner_id uuid, p_provider text)
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
