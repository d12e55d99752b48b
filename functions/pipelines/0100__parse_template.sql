-- A template is parsed once per claim, however many of the claim's tasks use it; each
-- task's prompt is then put together from the parts (orchable._render_template).
create function orchable._parse_template(p_template text, out parts text[], out names text[])
language plpgsql
immutable
set search_path = pg_catalog, pg_temp
as $$
declare
    v_pattern constant text := '\{\{\s*([^{}\s]+)\s*\}\}';
begin
    parts := regexp_split_to_array(p_template, v_pattern);
    names := array(select m[1] from regexp_matches(p_template, v_pattern, 'g') as m);
end
$$;

comment on function orchable._parse_template(text) is
'Splits a prompt template at its {{dot.path}} placeholders: the text around them (parts, one more than names) and the placeholders'' dot paths (names), in order.';
