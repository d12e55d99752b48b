-- SECURITY DEFINER: access keys are changed through RPCs only.
create function orchable_rpc.revoke_access_key(p_access_key_id uuid)
returns public.access_keys
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_key public.access_keys;
begin
    select * into v_key from public.access_keys as k where k.id = p_access_key_id for update;
    if not found or not orchable._caller_owns(v_key.owner_id) then
        raise exception 'access key % not found', p_access_key_id
            using errcode = 'OR036', hint = 'list your keys with select * from access_keys';
    end if;
    update public.access_keys set revoked_at = coalesce(revoked_at, now())
    where id = p_access_key_id
    returning * into v_key;
    return v_key;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create function public.revoke_access_key(p_access_key_id uuid)
returns public.access_keys
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.revoke_access_key(p_access_key_id);
end
$$;

comment on function orchable_rpc.revoke_access_key(uuid) is
'The implementation of public.revoke_access_key, run with its owner''s rights; callable by the roles that may call public.revoke_access_key.';

comment on function public.revoke_access_key(uuid) is
'Revokes the caller''s access key at once (revoking it again changes nothing); from then on it is refused as an unknown key is. OR036 for a key not theirs.';

revoke all on function orchable_rpc.revoke_access_key(uuid) from public, anon, authenticated, service_role;
revoke all on function public.revoke_access_key(uuid) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.revoke_access_key(uuid) to authenticated, service_role;
grant execute on function public.revoke_access_key(uuid) to authenticated, service_role;
