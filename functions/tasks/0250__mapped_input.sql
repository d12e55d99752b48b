-- input_mapping {"child_key": "input.a.b" | "output.a.b"}: values read from the source
-- task's input or output; a path that is missing gives JSON null.
create function orchable._mapped_input(p_mapping jsonb, p_input jsonb, p_output jsonb)
returns jsonb
language plpgsql
immutable
set search_path = pg_catalog, pg_temp
as $$
begin
    if p_mapping is null or p_mapping = '{}'::jsonb then
        return '{}'::jsonb;
    end if;
    return (
        select jsonb_object_agg(
            m.key,
            coalesce(
                case split_part(m.value, '.', 1)
                    when 'input' then p_input
                    when 'output' then p_output
                end #> (orchable._path(m.value))[2:],
                'null'::jsonb
            )
        )
        from jsonb_each_text(p_mapping) as m
    );
end
$$;

comment on function orchable._mapped_input(jsonb, jsonb, jsonb) is
'The keys a stage''s input_mapping adds to a child''s input, read from the source task''s input or output.';
