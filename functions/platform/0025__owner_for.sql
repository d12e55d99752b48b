-- Whose row an RPC creates: the signed-in user's, always; with no user (service_role,
-- psql), the p_owner_id the caller names. An API role without a user may not choose.
create function orchable._owner_for(p_owner_id uuid, p_rpc text)
returns uuid
language plpgsql
stable
set search_path = pg_catalog, pg_temp
as $$
declare
    v_uid uuid := auth.uid();
begin
    if v_uid is null and coalesce(current_setting('role', true), 'none') in ('anon', 'authenticated') then
        raise exception '% needs a signed-in user', p_rpc
            using errcode = '42501', hint = 'call it with a user''s JWT';
    end if;
    if v_uid is not null and p_owner_id is not null and p_owner_id <> v_uid then
        raise exception '% cannot create for another user', p_rpc
            using errcode = 'OR003', detail = 'p_owner_id differs from the signed-in user',
            hint = 'leave p_owner_id out: what a signed-in user creates is their own';
    end if;
    if coalesce(v_uid, p_owner_id) is null then
        raise exception '% has no owner', p_rpc
            using errcode = 'OR003', detail = 'there is no signed-in user and p_owner_id is null',
            hint = 'call it as a signed-in user, or pass p_owner_id';
    end if;
    return coalesce(v_uid, p_owner_id);
end
$$;

comment on function orchable._owner_for(uuid, text) is
'The owner of what an RPC creates: the signed-in user, or p_owner_id when there is none (service_role, psql); raises 42501 or OR003 otherwise.';
