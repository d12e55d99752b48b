-- Checks a pipeline definition's stages and returns them normalised, keyed by stage key,
-- with the derived keys each stage needs at run time: a 1:N stage's merge_stage_keys
-- (the N:1 stages that close its split) and an N:1 stage's split_stage_key. Raises OR001
-- naming the stage and the problem: unknown next stage, cycle, N:1 with no 1:N above it,
-- a split without split_path, and the like. Its time grows as n log n in the stages:
-- stages and their derived keys are kept in arrays by position and keyed once at the end,
-- where growing a jsonb object stage by stage copied it every time (2,000 stages took 8 s).
create function orchable._validate_stages(p_definition jsonb)
returns jsonb
language plpgsql
immutable
set search_path = pg_catalog, pg_temp
as $$
declare
    v_count integer;
    v_stages jsonb;
    v_stage jsonb;
    v_position integer;
    v_key text;
    v_next text;
    v_entry text := p_definition ->> 'entry';
    -- By position in the definition (1-based), and a key's position by key.
    v_keys text [] := '{}';
    v_defs jsonb [] := '{}';
    v_first jsonb;
    v_positions jsonb;
    v_indegree integer [];
    v_splits jsonb [];
    v_split_stage_keys text [];
    v_merge_stage_keys jsonb [];
    v_queue text [];
    v_head integer := 1;
    v_order text [] := '{}';
    v_stack jsonb;
    v_child_stack jsonb;
    v_card text;
    v_problem text;
    v_next_position integer;
    v_interaction jsonb;
    v_max_stages constant bigint := orchable._limit('stages_per_pipeline');
    v_max_template constant bigint := orchable._limit('template_characters');
    v_max_placeholders constant bigint := orchable._limit('placeholders_per_template');
    -- What the worker reads of a stage's ai_settings (orchable.executor.build_request).
    v_ai_settings_keys constant text [] := array[
        'provider', 'model', 'fallback_models', 'temperature', 'top_p', 'top_k', 'max_output_tokens',
        'system_instruction', 'timeout_seconds'
    ];
    -- A reference a worker would have to fetch: orchable's workers retrieve none.
    v_remote_ref constant jsonpath := 'strict $.** ? (@.type() == "object").keyvalue()
        ? ((@.key == "$ref" || @.key == "$dynamicRef" || @.key == "$recursiveRef") && !(@.value starts with "#"))';
begin
    if jsonb_typeof(p_definition -> 'stages') is distinct from 'array'
        or jsonb_array_length(p_definition -> 'stages') = 0 then
        raise exception 'the pipeline definition has no stages'
            using errcode = 'OR001', detail = 'stages must be a non-empty JSON array',
            hint = 'add "stages": [{"key": "...", "template": "..."}]';
    end if;
    if jsonb_array_length(p_definition -> 'stages') > v_max_stages then
        raise exception 'the pipeline definition has % stages; at most %', jsonb_array_length(p_definition -> 'stages'), v_max_stages
            using errcode = 'OR001', detail = format('limit stages_per_pipeline = %s', v_max_stages),
            hint = 'split the pipeline; an operator can raise orchable.limits stages_per_pipeline';
    end if;

    v_count := jsonb_array_length(p_definition -> 'stages');
    -- Where each key is first defined: a later definition of it is a duplicate.
    select jsonb_object_agg(f.stage_key, f.position) into v_first
    from (
        select s.stage ->> 'key' as stage_key, min(s.position) as position
        from jsonb_array_elements(p_definition -> 'stages') with ordinality as s (stage, position)
        where s.stage ->> 'key' is not null
        group by 1
    ) as f;

    for v_stage, v_position in
        select s.stage, s.position from jsonb_array_elements(p_definition -> 'stages') with ordinality as s (stage, position)
    loop
        v_key := v_stage ->> 'key';
        v_card := coalesce(v_stage ->> 'cardinality', '1:1');
        v_problem := case
            when jsonb_typeof(v_stage) <> 'object' then 'is not a JSON object'
            when v_key is null or v_key !~ '^[a-z][a-z0-9_]*$' then
                'has no key or a key that is not snake_case ([a-z][a-z0-9_]*)'
            when (v_first ->> v_key)::integer < v_position then 'is defined twice'
            when coalesce(btrim(v_stage ->> 'template'), '') = '' then 'has no template'
            when length(v_stage ->> 'template') > v_max_template then
                format('has a template of %s characters; at most %s', length(v_stage ->> 'template'), v_max_template)
            when cardinality((orchable._parse_template(v_stage ->> 'template')).names) > v_max_placeholders then
                format('has a template of %s placeholders; at most %s',
                    cardinality((orchable._parse_template(v_stage ->> 'template')).names), v_max_placeholders)
            when v_card not in ('1:1', '1:N', 'N:1') then
                format('has cardinality "%s"; it must be 1:1, 1:N or N:1', v_card)
            when v_card = '1:N' and coalesce(v_stage ->> 'split_path', '') = '' then
                'is a split (1:N) without split_path'
            when v_card = '1:N' and v_stage ->> 'split_path' !~ '^[^.]+(\.[^.]+)*$' then
                'is a split (1:N) whose split_path is not a dot path (a.b.c)'
            when v_stage ? 'next' and jsonb_typeof(v_stage -> 'next') <> 'array' then
                'has a next that is not an array of stage keys'
            when exists (
                select from jsonb_array_elements(v_stage -> 'next') as n (stage_key)
                where jsonb_typeof(n.stage_key) <> 'string'
            ) then 'has a next with an element that is not a stage key (a string)'
            when exists (
                select from jsonb_array_elements_text(v_stage -> 'next') as n (stage_key)
                group by n.stage_key having count(*) > 1
            ) then format('lists next stage "%s" more than once', (
                select n.stage_key from jsonb_array_elements_text(v_stage -> 'next') as n (stage_key)
                group by n.stage_key having count(*) > 1 order by n.stage_key limit 1
            ))
            when v_card = 'N:1' and v_stage ? 'merge_path'
                and coalesce(v_stage ->> 'merge_path', '') !~ '^[^.]+(\.[^.]+)*$' then
                'is a merge (N:1) whose merge_path is not a dot path (a.b.c)'
            when v_stage ? 'input_mapping' and jsonb_typeof(v_stage -> 'input_mapping') <> 'object' then
                'has an input_mapping that is not an object'
            when exists (
                select from jsonb_each(coalesce(v_stage -> 'input_mapping', '{}')) as m
                where jsonb_typeof(m.value) <> 'string' or m.value #>> '{}' !~ '^(input|output)(\.[^.]+)*$'
            ) then 'has an input_mapping value that is not "input.<path>" or "output.<path>"'
            when v_stage ? 'ai_settings' and jsonb_typeof(v_stage -> 'ai_settings') <> 'object' then
                'has ai_settings that are not an object'
            when exists (
                select from jsonb_object_keys(coalesce(v_stage -> 'ai_settings', '{}')) as k (name)
                where k.name <> all(v_ai_settings_keys)
            ) then format('has ai_settings key "%s", which orchable does not know (it knows %s)', (
                select min(k.name) from jsonb_object_keys(v_stage -> 'ai_settings') as k (name)
                where k.name <> all(v_ai_settings_keys)
            ), array_to_string(v_ai_settings_keys, ', '))
            when jsonb_typeof(v_stage -> 'output_schema') not in ('object', 'null') then
                'has an output_schema that is not an object'
            when jsonb_typeof(v_stage -> 'input_schema') not in ('object', 'null') then
                'has an input_schema that is not an object'
            when jsonb_path_exists(jsonb_build_array(v_stage -> 'output_schema', v_stage -> 'input_schema'), v_remote_ref) then
                format('has a schema that refers to "%s"; only local references (#/...) are allowed', (
                    select r ->> 'value'
                    from jsonb_path_query(jsonb_build_array(v_stage -> 'output_schema', v_stage -> 'input_schema'), v_remote_ref) as r
                    limit 1))
            when v_stage ? 'kind' and coalesce(v_stage ->> 'kind', '') not in ('generate', 'grounded_search') then
                format('has kind %s; a stage is generate (the default) or grounded_search (a web search, then the verdict)',
                    v_stage -> 'kind')
            when jsonb_typeof(v_stage -> 'requires_approval') not in ('boolean', 'null') then
                'has a requires_approval that is not a boolean'
            when v_stage ? 'max_retries' and case
                when jsonb_typeof(v_stage -> 'max_retries') <> 'number' then true
                else (v_stage ->> 'max_retries')::numeric not between 0 and 100
                    or (v_stage ->> 'max_retries')::numeric <> trunc((v_stage ->> 'max_retries')::numeric)
            end then
                'has a max_retries that is not a whole number from 0 to 100'
        end;
        if v_problem is not null then
            raise exception 'stage "%" %', coalesce(v_key, '?'), v_problem
                using errcode = 'OR001', detail = v_stage::text,
                hint = 'fix the stage in the pipeline definition and apply it again';
        end if;
        v_interaction := case when v_stage ? 'interaction' and v_stage -> 'interaction' <> 'null'::jsonb
            then orchable._interaction_config(v_key, v_stage -> 'interaction') end;
        v_keys := v_keys || v_key;
        v_defs := v_defs || jsonb_build_object(
            'key', v_key,
            'template', v_stage ->> 'template',
            'name', coalesce(v_stage ->> 'name', v_key),
            'description', v_stage ->> 'description',
            'task_type', coalesce(v_stage ->> 'task_type', v_key),
            'kind', coalesce(v_stage ->> 'kind', 'generate'),
            'next', coalesce(v_stage -> 'next', '[]'),
            'cardinality', v_card,
            'split_path', v_stage ->> 'split_path',
            'merge_path', case when v_card = 'N:1' then coalesce(v_stage ->> 'merge_path', 'items') end,
            'input_mapping', coalesce(v_stage -> 'input_mapping', '{}'),
            'input_schema', v_stage -> 'input_schema',
            'output_schema', v_stage -> 'output_schema',
            -- A stage that asks a person anything waits for the answer as an approval does.
            'requires_approval', coalesce((v_stage ->> 'requires_approval')::boolean, false) or v_interaction is not null,
            'interaction', v_interaction,
            'ai_settings', coalesce(v_stage -> 'ai_settings', '{}'),
            -- A whole number may be written 5.0, which the integer cast alone refuses.
            'max_retries', coalesce((v_stage ->> 'max_retries')::numeric::integer, 3)
        );
    end loop;
    select jsonb_object_agg(k.stage_key, k.definition), jsonb_object_agg(k.stage_key, k.position)
    into v_stages, v_positions
    from unnest(v_keys, v_defs) with ordinality as k (stage_key, definition, position);
    v_indegree := array_fill(0, array[v_count]);

    if coalesce(v_entry, '') = '' then
        raise exception 'the pipeline definition has no entry stage'
            using errcode = 'OR001', detail = 'entry must name one of the stages',
            hint = 'add "entry": the key of the stage each input starts at';
    end if;
    if not v_stages ? v_entry then
        raise exception 'entry stage "%" is not one of the stages', v_entry
            using errcode = 'OR001', hint = 'set "entry" to the key of the first stage';
    end if;
    if v_stages -> v_entry ->> 'cardinality' <> '1:1' then
        raise exception 'stage "%" is the entry but has cardinality %', v_entry, v_stages -> v_entry ->> 'cardinality'
            using errcode = 'OR001', hint = 'the entry stage gets one task per input: make it 1:1';
    end if;

    -- Unknown next stages, and in-degrees for the cycle check.
    for v_key, v_stage in select * from jsonb_each(v_stages) loop
        for v_next in select jsonb_array_elements_text(v_stage -> 'next') loop
            if not v_stages ? v_next then
                raise exception 'stage "%" has next stage "%", which is not defined', v_key, v_next
                    using errcode = 'OR001', hint = 'define the stage or remove it from next';
            end if;
            v_next_position := (v_positions ->> v_next)::integer;
            v_indegree[v_next_position] := v_indegree[v_next_position] + 1;
        end loop;
    end loop;
    for v_key in select k from jsonb_object_keys(v_stages) as k where v_indegree[(v_positions ->> k)::integer] > 1 loop
        if v_stages -> v_key ->> 'cardinality' = 'N:1' then
            raise exception 'stage "%" merges (N:1) but more than one stage leads to it', v_key
                using errcode = 'OR001', hint = 'an N:1 stage follows exactly one stage';
        end if;
    end loop;

    -- Kahn's algorithm: whatever cannot be ordered lies on a cycle.
    select coalesce(array_agg(k.stage_key order by k.stage_key), '{}') into v_queue
    from unnest(v_keys) with ordinality as k (stage_key, position)
    where v_indegree[k.position] = 0;
    while v_head <= cardinality(v_queue) loop
        v_key := v_queue[v_head];
        v_head := v_head + 1;
        v_order := v_order || v_key;
        for v_next in select jsonb_array_elements_text(v_stages -> v_key -> 'next') loop
            v_next_position := (v_positions ->> v_next)::integer;
            v_indegree[v_next_position] := v_indegree[v_next_position] - 1;
            if v_indegree[v_next_position] = 0 then
                v_queue := v_queue || v_next;
            end if;
        end loop;
    end loop;
    if cardinality(v_order) < v_count then
        select min(k.stage_key) into v_key from (select unnest(v_keys) except select unnest(v_order)) as k (stage_key);
        raise exception 'stage "%" is part of a cycle', v_key
            using errcode = 'OR001', hint = 'a pipeline is a directed acyclic graph: remove the next link that loops back';
    end if;

    -- Open splits along every path, in topological order: a 1:N pushes its key, an N:1
    -- pops the split it closes. Every stage must be reached with one stack.
    v_splits := array_fill(null::jsonb, array[v_count]);
    v_split_stage_keys := array_fill(null::text, array[v_count]);
    v_merge_stage_keys := array_fill(null::jsonb, array[v_count]);
    v_splits[(v_positions ->> v_entry)::integer] := '[]'::jsonb;
    foreach v_key in array v_order loop
        v_stack := v_splits[(v_positions ->> v_key)::integer];
        if v_stack is null then
            raise exception 'stage "%" cannot be reached from the entry stage "%"', v_key, v_entry
                using errcode = 'OR001', hint = 'link it from another stage''s next, or remove it';
        end if;
        for v_next in select jsonb_array_elements_text(v_stages -> v_key -> 'next') loop
            v_next_position := (v_positions ->> v_next)::integer;
            v_card := v_stages -> v_next ->> 'cardinality';
            if v_card = 'N:1' and jsonb_array_length(v_stack) = 0 then
                raise exception 'stage "%" merges (N:1) but no split (1:N) above it is open', v_next
                    using errcode = 'OR001', hint = 'put a 1:N stage before it, or make it 1:1';
            end if;
            v_child_stack := case v_card
                when '1:N' then v_stack || to_jsonb(v_next)
                when 'N:1' then v_stack - (jsonb_array_length(v_stack) - 1)
                else v_stack
            end;
            if v_splits[v_next_position] <> v_child_stack then
                raise exception 'stage "%" is reached inside different splits', v_next
                    using errcode = 'OR001', hint = 'every path to a stage must cross the same 1:N and N:1 stages';
            end if;
            v_splits[v_next_position] := v_child_stack;
            if v_card = 'N:1' then
                v_split_stage_keys[v_next_position] := v_stack ->> -1;
                v_merge_stage_keys[(v_positions ->> (v_stack ->> -1))::integer] :=
                    coalesce(v_merge_stage_keys[(v_positions ->> (v_stack ->> -1))::integer], '[]') || to_jsonb(v_next);
            end if;
        end loop;
    end loop;
    return (
        select jsonb_object_agg(k.stage_key, k.definition
            || case when k.split_stage_key is null then '{}' else jsonb_build_object('split_stage_key', k.split_stage_key) end
            || case when k.merge_stage_keys is null then '{}' else jsonb_build_object('merge_stage_keys', k.merge_stage_keys) end)
        from unnest(v_keys, v_defs, v_split_stage_keys, v_merge_stage_keys)
            as k (stage_key, definition, split_stage_key, merge_stage_keys)
    );
end
$$;

comment on function orchable._validate_stages(jsonb) is
'Validates a pipeline definition''s stage graph and returns the stages normalised and keyed, with derived merge/split keys.';
