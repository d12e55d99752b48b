-- What changed between two normalized states, for a person: one "key: before -> after"
-- per top-level key that differs, in key order.
create function orchable._state_changes(p_before jsonb, p_after jsonb)
returns text
language sql
immutable
set search_path = pg_catalog, pg_temp
as $$
    select string_agg(
        format('%s: %s -> %s', k.key,
            coalesce(left(p_before -> k.key #>> '{}', 200), 'none'),
            coalesce(left(p_after -> k.key #>> '{}', 200), 'none')),
        '; ' order by k.key
    )
    from (
        select jsonb_object_keys(p_before) as key
        union
        select jsonb_object_keys(p_after)
    ) as k
    where (p_before -> k.key) is distinct from (p_after -> k.key)
$$;

comment on function orchable._state_changes(jsonb, jsonb) is
'The top-level keys whose values differ between two monitor states, as "key: before -> after; ..."; null when none do.';
