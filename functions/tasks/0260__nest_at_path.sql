create function orchable._nest_at_path(p_dot_path text, p_value jsonb)
returns jsonb
language plpgsql
immutable
set search_path = pg_catalog, pg_temp
as $$
declare
    v_path text [] := orchable._path(p_dot_path);
    v_result jsonb := p_value;
begin
    for i in reverse coalesce(array_length(v_path, 1), 0)..1 loop
        v_result := jsonb_build_object(v_path[i], v_result);
    end loop;
    return v_result;
end
$$;

comment on function orchable._nest_at_path(text, jsonb) is
'Wraps a value in objects along a dot path: (a.b, 1) gives {"a": {"b": 1}}.';
