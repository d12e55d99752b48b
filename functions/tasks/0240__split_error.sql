-- Why an output cannot be split by a following 1:N stage: the array at its split_path is
-- missing, is not an array, or would make more branches than the branches_per_split limit
-- (one output must not make a completion create children without bound).
create function orchable._split_error(p_template_id text, p_output jsonb)
returns text
language plpgsql
stable
set search_path = pg_catalog, pg_temp
as $$
begin
    return (
        select e.problem
        from orchable._next_stages(p_template_id) as n
        cross join lateral (select p_output #> orchable._path(n.stage_config ->> 'split_path') as items) as s
        cross join lateral (
            select case
                when jsonb_typeof(s.items) is distinct from 'array' then format(
                    'split_path "%s" of stage "%s" is %s in the output; it must be an array',
                    n.stage_config ->> 'split_path', n.stage_key, coalesce('a ' || jsonb_typeof(s.items), 'missing'))
                when jsonb_array_length(s.items) > orchable._limit('branches_per_split') then format(
                    'split_path "%s" of stage "%s" holds %s elements; a split makes at most %s branches',
                    n.stage_config ->> 'split_path', n.stage_key, jsonb_array_length(s.items),
                    orchable._limit('branches_per_split'))
            end as problem
        ) as e
        where n.stage_config ->> 'cardinality' = '1:N' and e.problem is not null
        limit 1
    );
end
$$;

comment on function orchable._split_error(text, jsonb) is
'Why an output cannot be split by a following 1:N stage (its split_path is missing, not an array, or longer than branches_per_split), or null.';
