-- What a run found, in the form two runs are compared in: keys and strings trimmed and
-- lower-cased, runs of white space made one, nulls dropped, so that "Sept 19 " and
-- "sept 19" are one state and a key the model left null is no key at all.
create function orchable._normalized_state(p_state jsonb)
returns jsonb
language sql
immutable
set search_path = pg_catalog, pg_temp
as $$
    select case jsonb_typeof(p_state)
        when 'object' then coalesce((
            select jsonb_object_agg(lower(btrim(e.key)), orchable._normalized_state(e.value))
            from jsonb_each(p_state) as e
            where jsonb_typeof(e.value) <> 'null'
        ), '{}')
        when 'array' then coalesce((
            select jsonb_agg(orchable._normalized_state(a.value) order by a.ordinality)
            from jsonb_array_elements(p_state) with ordinality as a (value, ordinality)
        ), '[]')
        when 'string' then to_jsonb(lower(regexp_replace(btrim(p_state #>> '{}'), '\s+', ' ', 'g')))
        else p_state
    end
$$;

comment on function orchable._normalized_state(jsonb) is
'A monitor state as runs are compared: keys and strings trimmed, lower-cased and with single spaces, nulls dropped.';
