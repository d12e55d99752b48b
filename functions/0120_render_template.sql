-- Puts a prompt together from a parsed template (orchable._parse_template): each
-- placeholder is the value at its path of the input, strings as they are, other JSON as
-- JSON text. A path that is missing from the input gives no text and names the variable.
create function orchable._render_template(
    p_parts text[], p_names text[], p_input jsonb, out rendered text, out missing_variable text
)
language plpgsql
immutable
set search_path = pg_catalog, pg_temp
as $$
declare
    v_value jsonb;
begin
    rendered := p_parts[1];
    for v_index in 1 .. coalesce(cardinality(p_names), 0) loop
        -- A name is never empty (the placeholder pattern needs a character), so this is
        -- the path orchable._path gives, without a call per placeholder.
        v_value := p_input #> string_to_array(p_names[v_index], '.');
        if v_value is null then
            rendered := null;
            missing_variable := p_names[v_index];
            return;
        end if;
        rendered := rendered
            || case when jsonb_typeof(v_value) = 'string' then v_value #>> '{}' else v_value::text end
            || p_parts[v_index + 1];
    end loop;
end
$$;

comment on function orchable._render_template(text[], text[], jsonb) is
'Renders a parsed prompt template''s {{dot.path}} placeholders over a task input; names the first missing variable.';
