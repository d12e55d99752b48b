create function orchable._split_error(p_template_id text, p_output jsonb)
returns text
language plpgsql
stable
set search_path = pg_catalog, pg_temp
as $$
begin
    return (
        select format(
            'split_path "%s" of stage "%s" is %s in the output; it must be an array',
            n.stage_config ->> 'split_path', n.stage_key,
            coalesce('a ' || jsonb_typeof(p_output #> orchable._path(n.stage_config ->> 'split_path')), 'missing')
        )
        from orchable._next_stages(p_template_id) as n
        where
            n.stage_config ->> 'cardinality' = '1:N'
            and jsonb_typeof(p_output #> orchable._path(n.stage_config ->> 'split_path')) is distinct from 'array'
        limit 1
    );
end
$$;

comment on function orchable._split_error(text, jsonb) is
'Why an output cannot be split by a following 1:N stage (its split_path is missing or not an array), or null.';
