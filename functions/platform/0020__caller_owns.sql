-- Whether the caller may act on rows owned by p_owner_id. API callers (anon,
-- authenticated) act only for their own user id; the RPCs that use this are granted to
-- nobody else but service_role and the owner, which act for every user.
create function orchable._caller_owns(p_owner_id uuid)
returns boolean
language plpgsql
stable
set search_path = pg_catalog, pg_temp
as $$
begin
    if coalesce(current_setting('role', true), 'none') in ('anon', 'authenticated') then
        return coalesce(p_owner_id = auth.uid(), false);
    end if;
    return true;
end
$$;

comment on function orchable._caller_owns(uuid) is
'True when the calling user owns the row, or the caller is service_role or the schema owner.';
