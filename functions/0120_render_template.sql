-- Replaces every {{dot.path}} placeholder with the value at that path of the input:
-- strings as they are, other JSON as JSON text. A path that is missing from the input
-- gives no text and names the variable instead.
create function orchable._render_template(
    p_template text, p_input jsonb, out rendered text, out missing_variable text
)
language plpgsql
immutable
set search_path = ''
as $$
declare
    v_pattern constant text := '\{\{\s*([^{}\s]+)\s*\}\}';
    v_parts text [] := regexp_split_to_array(p_template, v_pattern);
    v_name text;
    v_value jsonb;
begin
    rendered := v_parts[1];
    -- The n-th placeholder with regexp_substr: plain expressions, so no query (and no
    -- executor) runs per prompt, as a loop over regexp_matches would.
    for v_index in 2 .. cardinality(v_parts) loop
        v_name := regexp_substr(p_template, v_pattern, 1, v_index - 1, '', 1);
        v_value := p_input #> orchable._path(v_name);
        if v_value is null then
            rendered := null;
            missing_variable := v_name;
            return;
        end if;
        rendered := rendered
            || case when jsonb_typeof(v_value) = 'string' then v_value #>> '{}' else v_value::text end
            || v_parts[v_index];
    end loop;
end
$$;

comment on function orchable._render_template(text, jsonb) is
'Renders a prompt template''s {{dot.path}} placeholders over a task input; names the first missing variable.';
