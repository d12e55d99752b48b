-- SECURITY DEFINER: users may not write prompt_templates directly, so that every stage
-- change goes through validation and versioning here.
create function orchable_rpc.upsert_orchestrator(p_definition jsonb)
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
            -- generate, the default, is left out: stages saved before kinds existed compare equal.
            'kind', case when v_stage ->> 'kind' <> 'generate' then v_stage -> 'kind' end,
            'merge_stage_keys', v_stage -> 'merge_stage_keys',
            'split_stage_key', v_stage -> 'split_stage_key',
            'interaction', v_stage -> 'interaction'
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
create function public.upsert_orchestrator(p_definition jsonb)
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
