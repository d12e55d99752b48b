-- A launch, once the caller may launch p_orchestrator: every input checked against the
-- owner's limits, then one batch and one root task of the entry stage per input, all or
-- nothing; the same p_idempotency_key from the same owner returns the first batch. The
-- RPC (launch_batch) checks the caller first; tick(), monitor runs and trigger_webhook
-- launch for an owner through here.
create function orchable._launch_batch(
    p_orchestrator public.orchestrators,
    p_inputs jsonb,
    p_name text,
    p_config jsonb,
    p_idempotency_key text
)
returns public.task_batches
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
    v_orchestrator public.orchestrators := p_orchestrator;
    v_entry public.prompt_templates;
    v_batch public.task_batches;
begin
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
        select orchable.time_ordered_uuid(((e.position - 1) % 262144)::integer) as id, e.input, e.position
        from jsonb_array_elements(p_inputs) with ordinality as e (input, position)
    ) as i
    order by i.position;

    select * into strict v_batch from public.task_batches where id = v_batch.id;
    return v_batch;
end
$$;

comment on function orchable._launch_batch(public.orchestrators, jsonb, text, jsonb, text) is
'Launches a batch of p_orchestrator for its owner (the caller already checked): inputs checked (OR003, OR021), one root task per input, idempotent by p_idempotency_key.';
