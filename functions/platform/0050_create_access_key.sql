-- SECURITY DEFINER: users may not insert access keys directly; the key is made here, from
-- the server's randomness, and shown once.
create function orchable_rpc.create_access_key(
    p_name text,
    p_scopes text[] default '{trigger_webhook}',
    p_owner_id uuid default null
)
returns table (id uuid, key text, key_prefix text)
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_owner_id uuid := orchable._owner_for(p_owner_id, 'create_access_key');
    v_key text;
begin
    if coalesce(btrim(p_name), '') = '' or length(p_name) > 200 then
        raise exception 'p_name must be 1 to 200 characters'
            using errcode = 'OR003', hint = 'name the key after the system that will hold it';
    end if;
    if p_scopes is null or cardinality(p_scopes) = 0 or not p_scopes <@ array['trigger_webhook', 'console'] then
        raise exception 'p_scopes % are not known', coalesce(p_scopes::text, 'null')
            using errcode = 'OR003', hint = 'scopes are trigger_webhook (launch a webhook trigger) and console (sign in to the console)';
    end if;
    -- 32 random bytes, URL-safe base64 without padding: 256 bits behind a readable prefix.
    v_key := 'orch_' || translate(rtrim(encode(extensions.gen_random_bytes(32), 'base64'), '='), '+/', '-_');
    id := gen_random_uuid();
    key_prefix := left(v_key, 12);
    key := v_key;
    insert into public.access_keys (id, owner_id, name, key_prefix, key_hash, scopes)
    values (id, v_owner_id, btrim(p_name), key_prefix, extensions.digest(v_key, 'sha256'), p_scopes);
    return next;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create function public.create_access_key(
    p_name text,
    p_scopes text[] default '{trigger_webhook}',
    p_owner_id uuid default null
)
returns table (id uuid, key text, key_prefix text)
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return query select * from orchable_rpc.create_access_key(p_name, p_scopes, p_owner_id);
end
$$;

comment on function orchable_rpc.create_access_key(text, text[], uuid) is
'The implementation of public.create_access_key, run with its owner''s rights; callable by the roles that may call public.create_access_key.';

comment on function public.create_access_key(text, text[], uuid) is
'Makes an access key of the signed-in user (service_role: of p_owner_id) and returns it, the only time it is shown; only its SHA-256 hash and its first 12 characters are kept. p_scopes: trigger_webhook (the default: launch the webhook trigger the key is bound to), console (sign in to the console of orchable serve as the owner).';

revoke all on function orchable_rpc.create_access_key(text, text[], uuid)
from public, anon, authenticated, service_role;
revoke all on function public.create_access_key(text, text[], uuid) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.create_access_key(text, text[], uuid) to authenticated, service_role;
grant execute on function public.create_access_key(text, text[], uuid) to authenticated, service_role;
