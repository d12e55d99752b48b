-- The first way a JSON value breaks a JSON Schema, or null when it fits. PostgreSQL 15 has
-- no JSON Schema validator (Supabase's pg_jsonschema is not on every install), and a
-- person's answer must be checked in the transaction that takes it, so this checks the
-- subset of keywords a form needs: type, enum, const, required, properties,
-- additionalProperties (a boolean), items, minItems, maxItems, minLength, maxLength,
-- minimum, maximum, pattern. orchable._json_schema_unsupported refuses a schema using any
-- other keyword when a stage is defined, so no keyword is silently left unchecked.
create function orchable._json_schema_error(p_schema jsonb, p_value jsonb, p_path text default '$')
returns text
language plpgsql
immutable
set search_path = pg_catalog, pg_temp
as $$
declare
    v_type text := jsonb_typeof(p_value);
    v_types jsonb := case jsonb_typeof(p_schema -> 'type')
        when 'string' then jsonb_build_array(p_schema -> 'type')
        when 'array' then p_schema -> 'type'
    end;
    v_error text;
    v_key text;
    v_sub jsonb;
    v_index integer;
begin
    if jsonb_typeof(p_schema) = 'boolean' then
        return case when p_schema = 'false'::jsonb then format('%s is not allowed', p_path) end;
    end if;
    if v_types is not null and not (
        v_types ? v_type or (v_type = 'number' and v_types ? 'integer' and p_value::text::numeric = trunc(p_value::text::numeric))
    ) then
        return format('%s is %s, not %s', p_path, v_type, array_to_string(array(select jsonb_array_elements_text(v_types)), ' or '));
    end if;
    if p_schema ? 'const' and p_value <> p_schema -> 'const' then
        return format('%s must be %s', p_path, p_schema -> 'const');
    end if;
    if p_schema ? 'enum' and not exists (select from jsonb_array_elements(p_schema -> 'enum') as e (value) where e.value = p_value) then
        return format('%s must be one of %s', p_path, p_schema -> 'enum');
    end if;
    if v_type = 'string' then
        if length(p_value #>> '{}') < coalesce((p_schema ->> 'minLength')::integer, 0) then
            return format('%s is shorter than %s characters', p_path, p_schema ->> 'minLength');
        end if;
        if length(p_value #>> '{}') > coalesce((p_schema ->> 'maxLength')::integer, 2147483647) then
            return format('%s is longer than %s characters', p_path, p_schema ->> 'maxLength');
        end if;
        if p_schema ? 'pattern' and p_value #>> '{}' !~ (p_schema ->> 'pattern') then
            return format('%s does not match %s', p_path, p_schema ->> 'pattern');
        end if;
    elsif v_type = 'number' then
        if p_value::text::numeric < (p_schema ->> 'minimum')::numeric then
            return format('%s is less than %s', p_path, p_schema ->> 'minimum');
        end if;
        if p_value::text::numeric > (p_schema ->> 'maximum')::numeric then
            return format('%s is more than %s', p_path, p_schema ->> 'maximum');
        end if;
    elsif v_type = 'object' then
        for v_key in select jsonb_array_elements_text(coalesce(p_schema -> 'required', '[]')) loop
            if not p_value ? v_key then
                return format('%s has no %s', p_path, v_key);
            end if;
        end loop;
        for v_key, v_sub in select * from jsonb_each(p_value) loop
            if p_schema -> 'properties' ? v_key then
                v_error := orchable._json_schema_error(p_schema -> 'properties' -> v_key, v_sub, p_path || '.' || v_key);
                if v_error is not null then
                    return v_error;
                end if;
            elsif p_schema -> 'additionalProperties' = 'false'::jsonb then
                return format('%s has %s, which the schema does not allow', p_path, v_key);
            end if;
        end loop;
    elsif v_type = 'array' then
        if jsonb_array_length(p_value) < coalesce((p_schema ->> 'minItems')::integer, 0) then
            return format('%s has fewer than %s items', p_path, p_schema ->> 'minItems');
        end if;
        if jsonb_array_length(p_value) > coalesce((p_schema ->> 'maxItems')::integer, 2147483647) then
            return format('%s has more than %s items', p_path, p_schema ->> 'maxItems');
        end if;
        if p_schema ? 'items' then
            for v_sub, v_index in select e.value, e.position - 1 from jsonb_array_elements(p_value) with ordinality as e (value, position) loop
                v_error := orchable._json_schema_error(p_schema -> 'items', v_sub, format('%s[%s]', p_path, v_index));
                if v_error is not null then
                    return v_error;
                end if;
            end loop;
        end if;
    end if;
    return null;
end
$$;

comment on function orchable._json_schema_error(jsonb, jsonb, text) is
'The first way p_value breaks p_schema (a JSON Schema of the keywords orchable checks), naming the path; null when it fits.';
