-- The value of one of orchable.limits.
create function orchable._limit(p_name text)
returns bigint
language sql
stable
set search_path = pg_catalog, pg_temp
as $$
    select l.value from orchable.limits as l where l.name = p_name
$$;

comment on function orchable._limit(text) is
'The value of a deployment limit (orchable.limits) by name; null for an unknown name.';
