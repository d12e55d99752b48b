-- SECURITY DEFINER: orchable serve reads no table as itself. Who an access key with the
-- console scope signs in as: its owner, whom the console then acts as (`authenticated`
-- with the owner's claims). A key that is wrong, unknown, revoked or without the console
-- scope raises the same error (OR035), so a caller learns nothing about which keys exist;
-- keys are compared by their SHA-256. The console signs in on every request, so the key's
-- last_used_at moves at most once a minute rather than with each request.
create function orchable_rpc.sign_in_with_access_key(p_key text)
returns table (user_id uuid, email text, key_id uuid, key_name text)
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_key public.access_keys;
begin
    select k.* into v_key from public.access_keys as k
    where k.key_hash = extensions.digest(coalesce(p_key, ''), 'sha256')
        and k.revoked_at is null and 'console' = any(k.scopes);
    if not found then
        raise exception 'the access key is not valid'
            using errcode = 'OR035',
            hint = 'sign in with an access key made with the console scope (create_access_key), not revoked';
    end if;
    update public.access_keys set last_used_at = now()
    where id = v_key.id and (last_used_at is null or last_used_at < now() - interval '1 minute');
    return query
    select v_key.owner_id, u.email::text, v_key.id, v_key.name
    from auth.users as u where u.id = v_key.owner_id;
end
$$;

-- The RPC runs with the caller's rights and hands over to the implementation above, so no
-- SECURITY DEFINER function lives in an exposed schema.
create function public.sign_in_with_access_key(p_key text)
returns table (user_id uuid, email text, key_id uuid, key_name text)
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return query select * from orchable_rpc.sign_in_with_access_key(p_key);
end
$$;

comment on function orchable_rpc.sign_in_with_access_key(text) is
'The implementation of public.sign_in_with_access_key, run with its owner''s rights; callable by the roles that may call public.sign_in_with_access_key.';

comment on function public.sign_in_with_access_key(text) is
'For orchable serve''s console: the owner (id and email) of p_key, an access key with the console scope, and the key''s id and name; the console then acts as that user. A wrong, unknown or revoked key, or one without the console scope, raises OR035, whatever the reason.';

revoke all on function orchable_rpc.sign_in_with_access_key(text) from public, anon, authenticated, service_role;
revoke all on function public.sign_in_with_access_key(text) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.sign_in_with_access_key(text) to orchable_serve, service_role;
grant execute on function public.sign_in_with_access_key(text) to orchable_serve, service_role;
