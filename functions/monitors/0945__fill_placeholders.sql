-- A monitor template's text with each {name} replaced by p_values' name; a placeholder
-- without a value raises OR032 naming it.
create function orchable._fill_placeholders(p_text text, p_values jsonb)
returns text
language plpgsql
stable
set search_path = pg_catalog, pg_temp
as $$
declare
    v_missing text;
    v_result text := p_text;
    v_name text;
begin
    select min(m[1]) into v_missing
    from regexp_matches(p_text, '\{([A-Za-z_][A-Za-z0-9_]*)\}', 'g') as m
    where p_values -> m[1] is null or jsonb_typeof(p_values -> m[1]) not in ('string', 'number');
    if v_missing is not null then
        raise exception 'no value for {%}', v_missing
            using errcode = 'OR032', detail = format('template text: %s', p_text),
            hint = format('pass p_values with "%s", e.g. {"%s": "..."}', v_missing, v_missing);
    end if;
    for v_name in select distinct m[1] from regexp_matches(p_text, '\{([A-Za-z_][A-Za-z0-9_]*)\}', 'g') as m loop
        v_result := replace(v_result, '{' || v_name || '}', p_values ->> v_name);
    end loop;
    return v_result;
end
$$;

comment on function orchable._fill_placeholders(text, jsonb) is
'Replaces each {name} in p_text with p_values ->> name; raises OR032 naming a placeholder without a string or number value.';
