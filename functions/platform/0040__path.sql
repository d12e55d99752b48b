create function orchable._path(p_dot_path text)
returns text[]
language plpgsql
immutable
set search_path = pg_catalog, pg_temp
as $$
begin
    return case when coalesce(p_dot_path, '') = '' then '{}'::text [] else string_to_array(p_dot_path, '.') end;
end
$$;

comment on function orchable._path(text) is
'Turns a dot path (questions.0.text) into the text[] path the #> operator takes.';
