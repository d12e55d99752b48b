-- SECURITY DEFINER: the worker has no privileges on the key tables, and the plain key is
-- decrypted with a key-encryption key nobody but the owner of this function may read.
-- The key of one call: acquire_api_keys for a count of 1, so the two hand out keys by the
-- same rule. PL/pgSQL, not SQL: a SQL function with its own search_path is planned anew at
-- every call.
create function orchable_rpc.acquire_api_key(
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
create function public.acquire_api_key(
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
