-- The owner's active notification endpoints an interaction is sent through: those of the
-- asked channels' kinds, narrowed to the named ones when the stage names endpoints.
create function orchable._interaction_endpoints(p_owner_id uuid, p_channels jsonb, p_names jsonb)
returns uuid[]
language sql
stable
set search_path = pg_catalog, pg_temp
as $$
    select coalesce(array_agg(e.id order by e.name), '{}')
    from public.notification_endpoints as e
    where e.owner_id = p_owner_id
        and e.is_active
        and p_channels ? e.kind
        and (p_names is null or p_names ? e.name)
$$;

comment on function orchable._interaction_endpoints(uuid, jsonb, jsonb) is
'The owner''s active endpoints of the asked channels (only the named ones when names are given).';
