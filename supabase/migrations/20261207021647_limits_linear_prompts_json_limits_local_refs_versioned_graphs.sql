-- Delta from the sources below, written by scripts/new-migration.sh.

-- sql/0030_table_limits.sql
-- What one owner may ask of a deployment: every user RPC and the claim read their limits
-- here, so that no tenant can make orchable slow or fail for the others. An operator
-- changes one with psql (`update orchable.limits set value = ... where name = ...`).
create table orchable.limits (
    name text primary key,
    value bigint not null,
    description text not null,
    constraint limits_value_positive check (value > 0)
);

comment on table orchable.limits is
'Per-owner limits a deployment can set: pipeline size, launch size, template size, prompt length, JSON depth and number size.';

insert into orchable.limits (name, value, description) values
('stages_per_pipeline', 200, 'stages in one pipeline definition (upsert_orchestrator, OR001)'),
('inputs_per_launch', 10000, 'elements of p_inputs in one launch_batch call (OR021)'),
('template_characters', 100000, 'characters of one stage''s template (upsert_orchestrator, OR001)'),
('placeholders_per_template', 200, '{{...}} placeholders in one stage''s template (upsert_orchestrator, OR001)'),
('prompt_bytes', 1000000, 'bytes of a rendered prompt; a task whose prompt is longer fails at claim (OR020)'),
('json_depth', 64, 'arrays and objects a value may be nested in, in any JSON a user hands over (OR021)'),
('json_number_digits', 1000, 'digits before the decimal point of a JSON number a user hands over (OR021)')
on conflict (name) do nothing;

-- functions/0090_limit.sql
-- The value of one of orchable.limits.
create or replace function orchable._limit(p_name text)
returns bigint
language sql
stable
set search_path = pg_catalog, pg_temp
as $$
    select l.value from orchable.limits as l where l.name = p_name
$$;

comment on function orchable._limit(text) is
'The value of a deployment limit (orchable.limits) by name; null for an unknown name.';

-- functions/0095_check_json_limits.sql
-- Refuses JSON a worker could not read or that no pipeline needs: nested deeper than
-- json_depth, or holding a number of more than json_number_digits digits (Python refuses
-- to read an integer over 4300 digits, and a worker that cannot read a task cannot fail it
-- alone). Every user RPC that stores JSON a worker will read checks it here (OR021).
create or replace function orchable._check_json_limits(p_value jsonb, p_what text)
returns void
language plpgsql
stable
set search_path = pg_catalog, pg_temp
as $$
declare
    v_depth bigint := orchable._limit('json_depth');
    v_digits bigint := orchable._limit('json_number_digits');
begin
    if p_value is null then
        return;
    end if;
    if jsonb_path_exists(p_value, format('strict $.**{%s}', v_depth + 1)::jsonpath) then
        raise exception '% is nested more than % levels deep', p_what, v_depth
            using errcode = 'OR021', detail = format('limit json_depth = %s', v_depth),
            hint = 'flatten the JSON; an operator can raise orchable.limits json_depth';
    end if;
    if jsonb_path_exists(
        p_value, 'strict $.** ? (@.type() == "number" && (@ >= $max || @ <= -$max))',
        jsonb_build_object('max', ('1e' || v_digits)::numeric)
    ) then
        raise exception '% holds a number of more than % digits', p_what, v_digits
            using errcode = 'OR021', detail = format('limit json_number_digits = %s', v_digits),
            hint = 'send such a number as a string';
    end if;
end
$$;

comment on function orchable._check_json_limits(jsonb, text) is
'Raises OR021 when JSON from a user is nested deeper than the json_depth limit or holds a number past json_number_digits digits.';

-- functions/0120_render_template.sql
-- Its signature changed (a byte limit, and too_long): the old one goes first.
drop function orchable._render_template(text[], text[], jsonb);
-- Puts a prompt together from a parsed template (orchable._parse_template): each
-- placeholder is the value at its path of the input, strings as they are, other JSON as
-- JSON text. The pieces are gathered in an array and joined once, so the time is linear in
-- the prompt's length; a prompt that would pass p_max_bytes stops growing there
-- (too_long), so no input can make a claim build a prompt without bound. A path missing
-- from the input gives no text and names the variable.
create or replace function orchable._render_template(
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

-- functions/0160_next_stages.sql
-- A template version's next stages are the versions its next_stage_template_ids name:
-- upsert_orchestrator sets them on every active version, and a version that is replaced
-- keeps the ones it had. So a task of an older version goes on along the graph it was
-- created in, and a pipeline applied again while its tasks run breaks none of them.
create or replace function orchable._next_stages(p_template_id text)
returns setof public.prompt_templates
language plpgsql
stable
set search_path = pg_catalog, pg_temp
as $$
begin
    return query
    select n.*
    from public.prompt_templates as t
    cross join lateral unnest(t.next_stage_template_ids) with ordinality as k (template_id, position)
    join public.prompt_templates as n on n.id = k.template_id
    where t.id = p_template_id
    order by k.position;
end
$$;

comment on function orchable._next_stages(text) is
'The template versions that follow a template version (its next_stage_template_ids), in the order its definition lists them.';

-- functions/0300_validate_stages.sql
-- Checks a pipeline definition's stages and returns them normalised, keyed by stage key,
-- with the derived keys each stage needs at run time: a 1:N stage's merge_stage_keys
-- (the N:1 stages that close its split) and an N:1 stage's split_stage_key. Raises OR001
-- naming the stage and the problem: unknown next stage, cycle, N:1 with no 1:N above it,
-- a split without split_path, and the like.
create or replace function orchable._validate_stages(p_definition jsonb)
returns jsonb
language plpgsql
immutable
set search_path = pg_catalog, pg_temp
as $$
declare
    v_stages jsonb := '{}';
    v_stage jsonb;
    v_key text;
    v_next text;
    v_entry text := p_definition ->> 'entry';
    v_indegree jsonb := '{}';
    v_queue text [];
    v_order text [] := '{}';
    v_splits jsonb := '{}';
    v_stack jsonb;
    v_child_stack jsonb;
    v_card text;
    v_problem text;
    v_max_stages constant bigint := orchable._limit('stages_per_pipeline');
    v_max_template constant bigint := orchable._limit('template_characters');
    v_max_placeholders constant bigint := orchable._limit('placeholders_per_template');
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

    for v_stage in select s from jsonb_array_elements(p_definition -> 'stages') as s loop
        v_key := v_stage ->> 'key';
        v_card := coalesce(v_stage ->> 'cardinality', '1:1');
        v_problem := case
            when jsonb_typeof(v_stage) <> 'object' then 'is not a JSON object'
            when v_key is null or v_key !~ '^[a-z][a-z0-9_]*$' then
                'has no key or a key that is not snake_case ([a-z][a-z0-9_]*)'
            when v_stages ? v_key then 'is defined twice'
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
            when jsonb_typeof(v_stage -> 'output_schema') not in ('object', 'null') then
                'has an output_schema that is not an object'
            when jsonb_typeof(v_stage -> 'input_schema') not in ('object', 'null') then
                'has an input_schema that is not an object'
            when jsonb_path_exists(jsonb_build_array(v_stage -> 'output_schema', v_stage -> 'input_schema'), v_remote_ref) then
                format('has a schema that refers to "%s"; only local references (#/...) are allowed', (
                    select r ->> 'value'
                    from jsonb_path_query(jsonb_build_array(v_stage -> 'output_schema', v_stage -> 'input_schema'), v_remote_ref) as r
                    limit 1))
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
        v_stages := v_stages || jsonb_build_object(v_key, jsonb_build_object(
            'key', v_key,
            'template', v_stage ->> 'template',
            'name', coalesce(v_stage ->> 'name', v_key),
            'description', v_stage ->> 'description',
            'task_type', coalesce(v_stage ->> 'task_type', v_key),
            'next', coalesce(v_stage -> 'next', '[]'),
            'cardinality', v_card,
            'split_path', v_stage ->> 'split_path',
            'merge_path', case when v_card = 'N:1' then coalesce(v_stage ->> 'merge_path', 'items') end,
            'input_mapping', coalesce(v_stage -> 'input_mapping', '{}'),
            'input_schema', v_stage -> 'input_schema',
            'output_schema', v_stage -> 'output_schema',
            'requires_approval', coalesce((v_stage ->> 'requires_approval')::boolean, false),
            'ai_settings', coalesce(v_stage -> 'ai_settings', '{}'),
            -- A whole number may be written 5.0, which the integer cast alone refuses.
            'max_retries', coalesce((v_stage ->> 'max_retries')::numeric::integer, 3)
        ));
        v_indegree := v_indegree || jsonb_build_object(v_key, 0);
    end loop;

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
            v_indegree := jsonb_set(v_indegree, array[v_next], to_jsonb((v_indegree ->> v_next)::integer + 1));
        end loop;
    end loop;
    for v_key in select k from jsonb_each_text(v_indegree) as d (k, n) where n::integer > 1 loop
        if v_stages -> v_key ->> 'cardinality' = 'N:1' then
            raise exception 'stage "%" merges (N:1) but more than one stage leads to it', v_key
                using errcode = 'OR001', hint = 'an N:1 stage follows exactly one stage';
        end if;
    end loop;

    -- Kahn's algorithm: whatever cannot be ordered lies on a cycle.
    select coalesce(array_agg(k order by k), '{}') into v_queue from jsonb_each_text(v_indegree) as d (k, n) where n = '0';
    while cardinality(v_queue) > 0 loop
        v_key := v_queue[1];
        v_queue := v_queue[2:];
        v_order := v_order || v_key;
        for v_next in select jsonb_array_elements_text(v_stages -> v_key -> 'next') loop
            v_indegree := jsonb_set(v_indegree, array[v_next], to_jsonb((v_indegree ->> v_next)::integer - 1));
            if (v_indegree ->> v_next)::integer = 0 then
                v_queue := v_queue || v_next;
            end if;
        end loop;
    end loop;
    if cardinality(v_order) < (select count(*) from jsonb_object_keys(v_stages)) then
        select min(k) into v_key from jsonb_object_keys(v_stages) as k where k <> all(v_order);
        raise exception 'stage "%" is part of a cycle', v_key
            using errcode = 'OR001', hint = 'a pipeline is a directed acyclic graph: remove the next link that loops back';
    end if;

    -- Open splits along every path, in topological order: a 1:N pushes its key, an N:1
    -- pops the split it closes. Every stage must be reached with one stack.
    v_splits := jsonb_build_object(v_entry, '[]'::jsonb);
    foreach v_key in array v_order loop
        v_stack := v_splits -> v_key;
        if v_stack is null then
            raise exception 'stage "%" cannot be reached from the entry stage "%"', v_key, v_entry
                using errcode = 'OR001', hint = 'link it from another stage''s next, or remove it';
        end if;
        for v_next in select jsonb_array_elements_text(v_stages -> v_key -> 'next') loop
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
            if v_splits ? v_next and v_splits -> v_next <> v_child_stack then
                raise exception 'stage "%" is reached inside different splits', v_next
                    using errcode = 'OR001', hint = 'every path to a stage must cross the same 1:N and N:1 stages';
            end if;
            v_splits := v_splits || jsonb_build_object(v_next, v_child_stack);
            if v_card = 'N:1' then
                v_stages := jsonb_set(v_stages, array[v_next, 'split_stage_key'], v_stack -> -1);
                v_stages := jsonb_set(v_stages, array[v_stack ->> -1, 'merge_stage_keys'],
                    coalesce(v_stages -> (v_stack ->> -1) -> 'merge_stage_keys', '[]') || to_jsonb(v_next));
            end if;
        end loop;
    end loop;
    return v_stages;
end
$$;

comment on function orchable._validate_stages(jsonb) is
'Validates a pipeline definition''s stage graph and returns the stages normalised and keyed, with derived merge/split keys.';

-- functions/0310_upsert_orchestrator.sql
-- SECURITY DEFINER: users may not write prompt_templates directly, so that every stage
-- change goes through validation and versioning here.
create or replace function orchable_rpc.upsert_orchestrator(p_definition jsonb)
returns public.orchestrators
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_owner_id uuid := auth.uid();
    v_stages jsonb;
    v_stage jsonb;
    v_key text;
    v_orchestrator public.orchestrators;
    v_current public.prompt_templates;
    v_stage_config jsonb;
    v_version integer;
begin
    if jsonb_typeof(p_definition) is distinct from 'object' then
        raise exception 'the pipeline definition must be a JSON object'
            using errcode = 'OR001', hint = 'pass {"name": ..., "entry": ..., "stages": [...]}';
    end if;
    if coalesce(btrim(p_definition ->> 'name'), '') = '' then
        raise exception 'the pipeline definition has no name'
            using errcode = 'OR001', hint = 'add "name": a pipeline is updated in place by its name';
    end if;
    if length(p_definition ->> 'name') > 200 then
        raise exception 'the pipeline name is % characters long; at most 200', length(p_definition ->> 'name')
            using errcode = 'OR001', hint = 'use a shorter name; put the rest in "description"';
    end if;
    if v_owner_id is null then
        if coalesce(current_setting('role', true), 'none') in ('anon', 'authenticated') then
            raise exception 'upsert_orchestrator needs a signed-in user'
                using errcode = '42501', hint = 'call it with a user''s JWT';
        end if;
        if p_definition ->> 'owner_id' !~* '^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$' then
            raise exception 'owner_id "%" is not a user id', p_definition ->> 'owner_id'
                using errcode = 'OR001', hint = 'pass the uuid of a row of auth.users';
        end if;
        v_owner_id := (p_definition ->> 'owner_id')::uuid;
        if v_owner_id is null then
            raise exception 'the pipeline has no owner'
                using errcode = 'OR001', hint = 'called without a user (service_role, psql): add "owner_id" to the definition';
        end if;
    end if;

    perform orchable._check_json_limits(p_definition, 'the pipeline definition');
    v_stages := orchable._validate_stages(p_definition);

    insert into public.orchestrators as o (owner_id, name, description, entry_stage_key, definition)
    values (
        v_owner_id, p_definition ->> 'name', p_definition ->> 'description', p_definition ->> 'entry',
        p_definition - 'owner_id'
    )
    on conflict (owner_id, name) do update set
        description = excluded.description,
        entry_stage_key = excluded.entry_stage_key,
        definition = excluded.definition,
        updated_at = now()
    returning o.* into v_orchestrator;

    for v_key, v_stage in select * from jsonb_each(v_stages) loop
        v_stage_config := jsonb_strip_nulls(jsonb_build_object(
            'cardinality', v_stage -> 'cardinality',
            'split_path', v_stage -> 'split_path',
            'merge_path', v_stage -> 'merge_path',
            'input_mapping', v_stage -> 'input_mapping',
            'next', v_stage -> 'next',
            'task_type', v_stage -> 'task_type',
            'merge_stage_keys', v_stage -> 'merge_stage_keys',
            'split_stage_key', v_stage -> 'split_stage_key'
        ));
        select * into v_current from public.prompt_templates as t
        where t.orchestrator_id = v_orchestrator.id and t.stage_key = v_key and t.is_active;

        if found and v_current.template = v_stage ->> 'template'
            and v_current.name = v_stage ->> 'name'
            and v_current.description is not distinct from v_stage ->> 'description'
            and v_current.default_ai_settings = v_stage -> 'ai_settings'
            and v_current.input_schema is not distinct from v_stage -> 'input_schema'
            and v_current.output_schema is not distinct from v_stage -> 'output_schema'
            and v_current.stage_config = v_stage_config
            and v_current.requires_approval = (v_stage ->> 'requires_approval')::boolean
            and v_current.max_retries = (v_stage ->> 'max_retries')::integer then
            continue;
        end if;

        update public.prompt_templates set is_active = false
        where orchestrator_id = v_orchestrator.id and stage_key = v_key and is_active;
        select coalesce(max(t.version), 0) + 1 into v_version
        from public.prompt_templates as t
        where t.orchestrator_id = v_orchestrator.id and t.stage_key = v_key;

        insert into public.prompt_templates (
            id, orchestrator_id, owner_id, stage_key, name, description, template, version,
            default_ai_settings, input_schema, output_schema, stage_config, requires_approval,
            max_retries, organization_code
        )
        values (
            format('%s_%s_%s', v_orchestrator.id, v_key, v_version), v_orchestrator.id, v_owner_id,
            v_key, v_stage ->> 'name', v_stage ->> 'description', v_stage ->> 'template', v_version,
            v_stage -> 'ai_settings', v_stage -> 'input_schema', v_stage -> 'output_schema',
            v_stage_config, (v_stage ->> 'requires_approval')::boolean,
            (v_stage ->> 'max_retries')::integer, v_orchestrator.id::text
        );
    end loop;

    -- Stages no longer in the definition: their tasks finish, no new ones are created.
    update public.prompt_templates as t set is_active = false
    where t.orchestrator_id = v_orchestrator.id and t.is_active and not v_stages ? t.stage_key;

    update public.prompt_templates as t
    set next_stage_template_ids = coalesce((
        select array_agg(n.id order by k.position)
        from jsonb_array_elements_text(t.stage_config -> 'next') with ordinality as k (stage_key, position)
        join public.prompt_templates as n
            on n.orchestrator_id = t.orchestrator_id and n.stage_key = k.stage_key and n.is_active
    ), '{}')
    where t.orchestrator_id = v_orchestrator.id and t.is_active;

    return v_orchestrator;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create or replace function public.upsert_orchestrator(p_definition jsonb)
returns public.orchestrators
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.upsert_orchestrator(p_definition);
end
$$;

comment on function orchable_rpc.upsert_orchestrator(jsonb) is
'The implementation of public.upsert_orchestrator, run with its owner''s rights; callable by the roles that may call public.upsert_orchestrator.';

comment on function public.upsert_orchestrator(jsonb) is
'Creates or updates a pipeline and its stages from one JSON document (name, description, entry, stages); idempotent by (owner, name). A changed stage gets a new template version; tasks already created keep theirs. A malformed definition raises OR001 naming the stage.';

revoke all on function orchable_rpc.upsert_orchestrator(jsonb) from public, anon, authenticated, service_role;
revoke all on function public.upsert_orchestrator(jsonb) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.upsert_orchestrator(jsonb) to authenticated, service_role;
grant execute on function public.upsert_orchestrator(jsonb) to authenticated, service_role;

-- functions/0320_launch_batch.sql
-- SECURITY DEFINER: users cannot insert batches or tasks directly; this is the one way in.
create or replace function orchable_rpc.launch_batch(
    p_orchestrator_id uuid,
    p_inputs jsonb,
    p_name text default null,
    p_config jsonb default '{}',
    p_idempotency_key text default null
)
returns public.task_batches
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_orchestrator public.orchestrators;
    v_entry public.prompt_templates;
    v_batch public.task_batches;
begin
    select * into v_orchestrator from public.orchestrators where id = p_orchestrator_id;
    if not found or not orchable._caller_owns(v_orchestrator.owner_id) then
        raise exception 'orchestrator % not found', p_orchestrator_id
            using errcode = 'OR002', hint = 'create it with upsert_orchestrator, or check the id';
    end if;
    if jsonb_typeof(p_inputs) is distinct from 'array' or jsonb_array_length(p_inputs) = 0 then
        raise exception 'p_inputs must be a non-empty JSON array'
            using errcode = 'OR003', detail = format('got %s', coalesce(jsonb_typeof(p_inputs), 'null')),
            hint = 'pass one element per input: [{"topic": "..."}, ...]';
    end if;
    if jsonb_array_length(p_inputs) > orchable._limit('inputs_per_launch') then
        raise exception 'p_inputs has % elements; a launch takes at most %',
            jsonb_array_length(p_inputs), orchable._limit('inputs_per_launch')
            using errcode = 'OR021', detail = format('limit inputs_per_launch = %s', orchable._limit('inputs_per_launch')),
            hint = 'launch the inputs in several batches';
    end if;
    perform orchable._check_json_limits(p_inputs, 'p_inputs');
    perform orchable._check_json_limits(p_config, 'p_config');
    if length(p_name) > 200 or length(p_idempotency_key) > 200 then
        raise exception 'p_name and p_idempotency_key are at most 200 characters long'
            using errcode = 'OR003',
            detail = format('p_name: %s, p_idempotency_key: %s', length(p_name), length(p_idempotency_key)),
            hint = 'use a shorter name, or a hash of what identifies the launch as its key';
    end if;
    if jsonb_typeof(p_config) is distinct from 'object'
        or jsonb_typeof(p_config -> 'ai_settings') not in ('object', 'null') then
        raise exception 'p_config must be a JSON object, and its ai_settings an object'
            using errcode = 'OR003', hint = 'pass {} or {"ai_settings": {"model": "..."}}';
    end if;
    select * into v_entry from public.prompt_templates
    where orchestrator_id = v_orchestrator.id and stage_key = v_orchestrator.entry_stage_key and is_active;

    insert into public.task_batches (owner_id, orchestrator_id, name, config, idempotency_key)
    values (
        v_orchestrator.owner_id, v_orchestrator.id,
        coalesce(p_name, format('%s %s', v_orchestrator.name, to_char(now(), 'YYYY-MM-DD HH24:MI:SS'))),
        p_config, p_idempotency_key
    )
    on conflict (owner_id, idempotency_key) do nothing
    returning * into v_batch;
    if not found then
        select * into strict v_batch from public.task_batches
        where owner_id = v_orchestrator.owner_id and idempotency_key = p_idempotency_key;
        return v_batch;
    end if;

    insert into public.ai_tasks (
        id, root_task_id, owner_id, orchestrator_id, batch_id, launch_id, task_type, stage_key,
        input_data, prompt_template_id, requires_approval, max_retries
    )
    select
        i.id, i.id, v_batch.owner_id, v_batch.orchestrator_id, v_batch.id, v_batch.launch_id,
        coalesce(v_entry.stage_config ->> 'task_type', v_entry.stage_key), v_entry.stage_key,
        i.input, v_entry.id, v_entry.requires_approval, v_entry.max_retries
    from (
        select orchable.time_ordered_uuid() as id, e.input, e.position
        from jsonb_array_elements(p_inputs) with ordinality as e (input, position)
    ) as i
    order by i.position;

    select * into strict v_batch from public.task_batches where id = v_batch.id;
    return v_batch;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create or replace function public.launch_batch(
    p_orchestrator_id uuid,
    p_inputs jsonb,
    p_name text default null,
    p_config jsonb default '{}',
    p_idempotency_key text default null
)
returns public.task_batches
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.launch_batch(p_orchestrator_id, p_inputs, p_name, p_config, p_idempotency_key);
end
$$;

comment on function orchable_rpc.launch_batch(uuid, jsonb, text, jsonb, text) is
'The implementation of public.launch_batch, run with its owner''s rights; callable by the roles that may call public.launch_batch.';

comment on function public.launch_batch(uuid, jsonb, text, jsonb, text) is
'Launches a batch: one root task of the entry stage per element of p_inputs, all or nothing. The same p_idempotency_key from the same owner returns the first batch.';

revoke all on function orchable_rpc.launch_batch(uuid, jsonb, text, jsonb, text)
from public, anon, authenticated, service_role;
revoke all on function public.launch_batch(uuid, jsonb, text, jsonb, text)
from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.launch_batch(uuid, jsonb, text, jsonb, text) to authenticated, service_role;
grant execute on function public.launch_batch(uuid, jsonb, text, jsonb, text) to authenticated, service_role;

-- functions/0330_claim_tasks.sql
-- SECURITY DEFINER: the worker role has no table privileges; this is how it takes work.
-- One claim shape: lock due rows of v_runnable_tasks in index order, skipping rows other
-- workers hold, then lease them. A task whose lease keeps expiring fails as poison, and
-- one whose prompt names a variable its input lacks fails naming it; neither is returned.
create or replace function orchable_rpc.claim_tasks(
    p_worker_id text,
    p_limit integer default 1,
    p_lease_seconds integer default 300
)
returns table (
    task_id uuid,
    claim_token uuid,
    locked_until timestamptz,
    owner_id uuid,
    batch_id uuid,
    root_task_id uuid,
    stage_key text,
    task_type text,
    prompt_template_id text,
    prompt text,
    input_data jsonb,
    ai_settings jsonb,
    output_schema jsonb,
    retry_count integer,
    max_retries integer
)
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_max_lease_expiries constant integer := 5;
    v_tasks public.ai_tasks [];
    v_poisoned boolean;
    v_ids uuid [];
    v_prompts text [];
    v_missing_variables text [];
    v_too_long boolean [];
    v_max_prompt_bytes constant bigint := orchable._limit('prompt_bytes');
begin
    if coalesce(btrim(p_worker_id), '') = '' or p_limit is null or p_limit not between 1 and 1000
        or p_lease_seconds is null or p_lease_seconds not between 1 and 86400 then
        raise exception 'claim_tasks needs a worker id, a limit from 1 to 1000 and a lease from 1 to 86400 seconds'
            using errcode = 'OR010',
            detail = format('p_worker_id=%s p_limit=%s p_lease_seconds=%s', p_worker_id, p_limit, p_lease_seconds),
            hint = 'for example claim_tasks(''worker-1'', 10, 300)';
    end if;

    with candidates as (
        select r.id, r.status
        from public.v_runnable_tasks as r
        order by r.available_at
        limit p_limit
        for update skip locked
    ),
    leased as (
        update public.ai_tasks as t
        set
            status = 'processing',
            claim_token = gen_random_uuid(),
            locked_by = p_worker_id,
            locked_until = now() + make_interval(secs => p_lease_seconds),
            claim_count = t.claim_count + 1,
            lease_expired_count = t.lease_expired_count + (c.status = 'processing')::integer,
            started_at = coalesce(t.started_at, now()),
            updated_at = now()
        from candidates as c
        where t.id = c.id
        returning t as task
    )
    select coalesce(array_agg(task), '{}'), coalesce(bool_or((task).lease_expired_count >= v_max_lease_expiries), false)
    into v_tasks, v_poisoned
    from leased;

    -- Statement triggers fire even for an update of no row: run these only when needed.
    if v_poisoned then
        update public.ai_tasks as t
        set
            status = 'failed',
            error_code = 'OR014',
            error_message = format('poison task: its lease expired %s times without a result', t.lease_expired_count),
            claim_token = null, locked_by = null, locked_until = null, updated_at = now()
        from unnest(v_tasks) as c
        where t.id = c.id and c.lease_expired_count >= v_max_lease_expiries;
    end if;

    -- Each prompt is rendered once, from the rows the claim returned (ai_tasks is not read
    -- again) and its template parsed once per claim: a task whose input lacks a template
    -- variable fails naming it, one whose prompt would pass the prompt_bytes limit fails
    -- too, and the others are returned with their prompt.
    with templates as materialized (
        select p.id, t.parts, t.names
        from public.prompt_templates as p
        cross join lateral orchable._parse_template(p.template) as t
        where p.id in (select c.prompt_template_id from unnest(v_tasks) as c)
    )
    select array_agg(c.id), array_agg(r.rendered), array_agg(r.missing_variable), array_agg(r.too_long)
    into v_ids, v_prompts, v_missing_variables, v_too_long
    from unnest(v_tasks) as c
    join templates as p on p.id = c.prompt_template_id
    cross join lateral orchable._render_template(p.parts, p.names, c.input_data, v_max_prompt_bytes) as r
    where c.lease_expired_count < v_max_lease_expiries;
    if exists (
        select from unnest(v_missing_variables, v_too_long) as m (missing_variable, too_long)
        where m.missing_variable is not null or m.too_long
    ) then
        update public.ai_tasks as t
        set
            status = 'failed',
            error_code = case when m.too_long then 'OR020' else 'OR008' end,
            error_message = case
                when m.too_long then format('the rendered prompt is longer than %s bytes', v_max_prompt_bytes)
                else format('template variable "%s" is missing from the task input', m.missing_variable)
            end,
            claim_token = null, locked_by = null, locked_until = null, updated_at = now()
        from unnest(v_ids, v_missing_variables, v_too_long) as m (id, missing_variable, too_long)
        where t.id = m.id and (m.missing_variable is not null or m.too_long);
    end if;

    return query
    select
        t.id, t.claim_token, t.locked_until, t.owner_id, t.batch_id, t.root_task_id, t.stage_key,
        t.task_type, t.prompt_template_id, c.prompt, t.input_data,
        p.default_ai_settings || coalesce(b.config -> 'ai_settings', '{}'::jsonb),
        p.output_schema, t.retry_count, t.max_retries
    from unnest(v_tasks) as t
    join unnest(v_ids, v_prompts) as c (id, prompt) on c.id = t.id
    join public.prompt_templates as p on p.id = t.prompt_template_id
    join public.task_batches as b on b.id = t.batch_id
    where c.prompt is not null;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create or replace function public.claim_tasks(
    p_worker_id text,
    p_limit integer default 1,
    p_lease_seconds integer default 300
)
returns table (
    task_id uuid,
    claim_token uuid,
    locked_until timestamptz,
    owner_id uuid,
    batch_id uuid,
    root_task_id uuid,
    stage_key text,
    task_type text,
    prompt_template_id text,
    prompt text,
    input_data jsonb,
    ai_settings jsonb,
    output_schema jsonb,
    retry_count integer,
    max_retries integer
)
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return query select * from orchable_rpc.claim_tasks(p_worker_id, p_limit, p_lease_seconds);
end
$$;

comment on function orchable_rpc.claim_tasks(text, integer, integer) is
'The implementation of public.claim_tasks, run with its owner''s rights; callable by the roles that may call public.claim_tasks.';

comment on function public.claim_tasks(text, integer, integer) is
'Worker only. Claims up to p_limit runnable tasks (FOR UPDATE SKIP LOCKED) with a lease and a new claim token each; returns the rendered prompt, AI settings and output_schema.';

revoke all on function orchable_rpc.claim_tasks(text, integer, integer) from public, anon, authenticated, service_role;
revoke all on function public.claim_tasks(text, integer, integer) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.claim_tasks(text, integer, integer) to orchable_worker, service_role;
grant execute on function public.claim_tasks(text, integer, integer) to orchable_worker, service_role;

-- functions/0400_lock_owned_task.sql
create or replace function orchable._lock_owned_task(p_task_id uuid)
returns public.ai_tasks
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
    v_task public.ai_tasks;
begin
    -- Ownership first, then the lock: another user's id must not wait on a row lock,
    -- which would tell them the task exists.
    select * into v_task from public.ai_tasks where id = p_task_id;
    if found and orchable._caller_owns(v_task.owner_id) then
        select * into v_task from public.ai_tasks where id = p_task_id for update;
    end if;
    if not found or not orchable._caller_owns(v_task.owner_id) then
        raise exception 'task % not found', p_task_id
            using errcode = 'OR004', hint = 'check the id; you can only act on your own tasks';
    end if;
    return v_task;
end
$$;

comment on function orchable._lock_owned_task(uuid) is
'Locks a task the caller owns, or raises OR004 as if it did not exist.';

-- functions/0420_approve_task.sql
-- SECURITY DEFINER: users cannot update tasks directly; ownership is checked here.
create or replace function orchable_rpc.approve_task(p_task_id uuid, p_output jsonb default null)
returns text
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_task public.ai_tasks := orchable._lock_owned_task(p_task_id);
    v_output jsonb := coalesce(p_output, v_task.output_data);
    v_split_error text;
begin
    if v_task.status <> 'generated' then
        raise exception 'task % is %, not awaiting approval', p_task_id, v_task.status
            using errcode = 'OR007', hint = 'only a generated task of a stage that requires approval can be approved';
    end if;
    perform orchable._check_json_limits(p_output, 'p_output');
    v_split_error := orchable._split_error(v_task.prompt_template_id, v_output);
    if v_split_error is not null then
        raise exception 'task % cannot be approved: %', p_task_id, v_split_error
            using errcode = 'OR009', hint = 'approve it with an edited output, or reject it to regenerate';
    end if;
    update public.ai_tasks
    set status = 'completed', output_data = v_output, approved_at = now(), completed_at = now(), updated_at = now()
    where id = p_task_id;
    return 'completed';
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create or replace function public.approve_task(p_task_id uuid, p_output jsonb default null)
returns text
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.approve_task(p_task_id, p_output);
end
$$;

comment on function orchable_rpc.approve_task(uuid, jsonb) is
'The implementation of public.approve_task, run with its owner''s rights; callable by the roles that may call public.approve_task.';

comment on function public.approve_task(uuid, jsonb) is
'Approves a generated task (optionally with an edited output): it completes and its children are created.';

revoke all on function orchable_rpc.approve_task(uuid, jsonb) from public, anon, authenticated, service_role;
revoke all on function public.approve_task(uuid, jsonb) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.approve_task(uuid, jsonb) to authenticated, service_role;
grant execute on function public.approve_task(uuid, jsonb) to authenticated, service_role;

-- functions/0520_add_api_key.sql
-- SECURITY DEFINER: callers may not insert into user_api_keys nor read the key-encryption keys.
create or replace function orchable_rpc.add_api_key(
    p_provider text,
    p_api_key text,
    p_key_name text default null,
    p_priority integer default 0,
    p_model_preference text default null,
    p_owner_id uuid default null
)
returns public.user_api_keys
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_uid uuid := auth.uid();
    v_owner_id uuid := coalesce(auth.uid(), p_owner_id);
    v_provider text := lower(btrim(p_provider));
    v_api_key text := btrim(p_api_key);
    v_prefix text;
    v_row public.user_api_keys;
begin
    -- An API role without a user (a JWT with no sub) must not choose the owner.
    if v_uid is null and coalesce(current_setting('role', true), 'none') in ('anon', 'authenticated') then
        raise exception 'add_api_key needs a signed-in user'
            using errcode = '42501', hint = 'call it with a user''s JWT';
    end if;
    if v_uid is not null and p_owner_id is not null and p_owner_id <> v_uid then
        raise exception 'cannot add an API key for another user'
            using errcode = 'OR104',
            detail = 'p_owner_id differs from the signed-in user.',
            hint = 'Leave p_owner_id out: a signed-in user''s keys are their own.';
    end if;
    if v_owner_id is null then
        raise exception 'no owner for the API key'
            using errcode = 'OR103',
            detail = 'There is no signed-in user and p_owner_id is null.',
            hint = 'Call as a signed-in user, or pass p_owner_id.';
    end if;
    if not exists (select from auth.users as u where u.id = v_owner_id) then
        raise exception 'owner % is not a user', v_owner_id
            using errcode = 'OR103',
            detail = 'No row in auth.users has this id.',
            hint = 'Pass the id of an existing user as p_owner_id.';
    end if;
    if v_provider is null or v_provider !~ '^[a-z][a-z0-9_.-]*$' then
        raise exception 'invalid provider %', coalesce(quote_literal(p_provider), 'null')
            using errcode = 'OR100',
            detail = 'A provider is a lower-case name: a letter, then letters, digits, ".", "_" or "-".',
            hint = 'For example gemini or openai.';
    end if;
    if v_api_key is null or v_api_key = '' then
        raise exception 'the API key is empty'
            using errcode = 'OR100',
            detail = 'p_api_key is null or blank.',
            hint = 'Pass the key the provider issued.';
    end if;
    if v_api_key ~ '\s' then
        raise exception 'the API key contains white space'
            using errcode = 'OR100',
            detail = 'Provider keys have no spaces or line breaks; this looks like a paste error.',
            hint = 'Pass the key alone.';
    end if;

    -- Show at most 8 characters, and only of a key long enough to keep 12 hidden.
    v_prefix := case
        when length(v_api_key) >= 20 then left(v_api_key, 4) || '…' || right(v_api_key, 4)
        else '…'
    end;

    insert into public.user_api_keys (
        owner_id, provider, key_name, api_key_encrypted, key_prefix, priority, model_preference
    )
    values (
        v_owner_id,
        v_provider,
        coalesce(nullif(btrim(p_key_name), ''), v_provider || ' ' || v_prefix),
        orchable._encrypt_api_key(v_api_key),
        v_prefix,
        coalesce(p_priority, 0),
        nullif(btrim(p_model_preference), '')
    )
    returning * into v_row;

    insert into public.api_key_health (user_api_key_id, owner_id)
    values (v_row.id, v_row.owner_id);

    -- Never echo the ciphertext (nor, of course, the key).
    v_row.api_key_encrypted := null;
    return v_row;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create or replace function public.add_api_key(
    p_provider text,
    p_api_key text,
    p_key_name text default null,
    p_priority integer default 0,
    p_model_preference text default null,
    p_owner_id uuid default null
)
returns public.user_api_keys
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.add_api_key(p_provider, p_api_key, p_key_name, p_priority, p_model_preference, p_owner_id);
end
$$;

comment on function orchable_rpc.add_api_key(text, text, text, integer, text, uuid) is
'The implementation of public.add_api_key, run with its owner''s rights; callable by the roles that may call public.add_api_key.';

comment on function public.add_api_key(text, text, text, integer, text, uuid) is
'Stores an API key of the signed-in user (or of p_owner_id, for service_role), encrypted.
Returns the new row with api_key_encrypted set to null; key_prefix shows a masked form of the key.
Errors: OR100 invalid provider or empty key, OR103 no owner or unknown owner, OR104 p_owner_id of another user.';
revoke all on function orchable_rpc.add_api_key(text, text, text, integer, text, uuid)
from public, anon, authenticated, service_role;
revoke all on function public.add_api_key(text, text, text, integer, text, uuid)
from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.add_api_key(text, text, text, integer, text, uuid)
to authenticated, service_role;
grant execute on function public.add_api_key(text, text, text, integer, text, uuid) to authenticated, service_role;

-- policies/0160_orchable_internals.sql
-- orchable's private tables have RLS with no policy (deny all) and no grants; only the
-- SECURITY DEFINER functions, run as their owner, touch them. Its functions are not
-- callable by the API roles either.
alter table orchable.task_trees enable row level security;
alter table orchable.merge_groups enable row level security;
alter table orchable.limits enable row level security;
revoke all on all tables in schema orchable from public, anon, authenticated, service_role;
revoke all on all functions in schema orchable from public, anon, authenticated, service_role;

-- sql/0100_table_orchestrators.sql, sql/0120_table_prompt_templates.sql: comments only.
comment on column public.orchestrators.definition is 'The JSON document last given to upsert_orchestrator (without an owner_id: the owner is owner_id).';
comment on column public.prompt_templates.next_stage_template_ids is 'The versions of the next stages this version leads to: the active ones while it is active, the last of those once replaced.';

-- Definitions stored before this migration may carry a caller-supplied owner_id.
update public.orchestrators set definition = definition - 'owner_id' where definition ? 'owner_id';
