-- The first keyword of a JSON Schema that orchable._json_schema_error does not check, or a
-- keyword whose value has the wrong shape; null when the whole schema can be checked.
create function orchable._json_schema_unsupported(p_schema jsonb)
returns text
language sql
immutable
set search_path = pg_catalog, pg_temp
as $$
    with recursive schemas (schema) as (
        select p_schema
        union all
        select c.child
        from schemas as s
        cross join lateral (
            select p.value from jsonb_each(case when jsonb_typeof(s.schema -> 'properties') = 'object'
                then s.schema -> 'properties' else '{}' end) as p
            union all
            select s.schema -> 'items' where jsonb_typeof(s.schema -> 'items') in ('object', 'boolean')
        ) as c (child)
        where jsonb_typeof(s.schema) = 'object'
    )
    select coalesce(
        (select case when jsonb_typeof(p_schema) not in ('object', 'boolean') then 'the schema is not an object' end),
        (
            select format('keyword "%s"', k.keyword)
            from schemas as s
            cross join lateral jsonb_each(case when jsonb_typeof(s.schema) = 'object' then s.schema else '{}' end)
                as k (keyword, value)
            where k.keyword <> all(array[
                'type', 'enum', 'const', 'required', 'properties', 'additionalProperties', 'items',
                'minItems', 'maxItems', 'minLength', 'maxLength', 'minimum', 'maximum', 'pattern',
                'title', 'description', 'default', 'examples', '$schema'
            ])
                or (k.keyword = 'additionalProperties' and jsonb_typeof(k.value) <> 'boolean')
                or (k.keyword = 'properties' and jsonb_typeof(k.value) <> 'object')
                or (k.keyword in ('required', 'enum') and jsonb_typeof(k.value) <> 'array')
                or (k.keyword in ('minItems', 'maxItems', 'minLength', 'maxLength', 'minimum', 'maximum')
                    and jsonb_typeof(k.value) <> 'number')
                or (k.keyword = 'pattern' and jsonb_typeof(k.value) <> 'string')
                or (k.keyword = 'type' and jsonb_typeof(k.value) not in ('string', 'array'))
            order by k.keyword
            limit 1
        )
    )
$$;

comment on function orchable._json_schema_unsupported(jsonb) is
'Names the first keyword of a JSON Schema that orchable._json_schema_error cannot check (or of a wrong shape); null when it checks all of it.';
