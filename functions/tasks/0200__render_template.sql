-- Puts a prompt together from a parsed template (orchable._parse_template): each
-- placeholder is the value at its path of the input, strings as they are, other JSON as
-- JSON text. The pieces are gathered in an array and joined once, so the time is linear in
-- the prompt's length; a prompt that would pass p_max_bytes stops growing there
-- (too_long), so no input can make a claim build a prompt without bound. A path missing
-- from the input gives no text and names the variable.
create function orchable._render_template(
    p_parts text[],
    p_names text[],
    p_input jsonb,
    p_max_bytes bigint,
    out rendered text,
    out missing_variable text,
    out too_long boolean
)
language plpgsql
immutable
set search_path = pg_catalog, pg_temp
as $$
declare
    v_value jsonb;
    v_text text;
    v_pieces text[] := array[p_parts[1]];
    v_bytes bigint := octet_length(p_parts[1]);
begin
    too_long := false;
    for v_index in 1 .. coalesce(cardinality(p_names), 0) loop
        -- A name is never empty (the placeholder pattern needs a character), so this is
        -- the path orchable._path gives, without a call per placeholder.
        v_value := p_input #> string_to_array(p_names[v_index], '.');
        if v_value is null then
            missing_variable := p_names[v_index];
            return;
        end if;
        v_text := case when jsonb_typeof(v_value) = 'string' then v_value #>> '{}' else v_value::text end;
        v_bytes := v_bytes + octet_length(v_text) + octet_length(p_parts[v_index + 1]);
        if v_bytes > p_max_bytes then
            too_long := true;
            return;
        end if;
        -- One append per statement: PL/pgSQL then grows the array in place.
        v_pieces := v_pieces || v_text;
        v_pieces := v_pieces || p_parts[v_index + 1];
    end loop;
    rendered := array_to_string(v_pieces, '');
end
$$;

comment on function orchable._render_template(text[], text[], jsonb, bigint) is
'Renders a parsed prompt template''s {{dot.path}} placeholders over a task input in linear time; names the first missing variable, or says the prompt would pass p_max_bytes.';
