-- SECURITY DEFINER: workers have no table privileges. Completing fires the fan-out,
-- counter and event triggers in this same transaction.
create function public.complete_task(
    p_task_id uuid,
    p_claim_token uuid,
    p_output jsonb,
    p_usage jsonb default null,
    p_provenance jsonb default null
)
returns text
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_task public.ai_tasks;
    v_split_error text;
    v_provenance jsonb;
begin
    if p_output is null or jsonb_typeof(p_output) = 'null' then
        raise exception 'task % cannot complete without an output', p_task_id
            using errcode = 'OR011', detail = format('got %s', coalesce(p_output::text, 'SQL null')),
            hint = 'pass the model''s JSON output, or call fail_task';
    end if;
    if p_provenance is not null and jsonb_typeof(p_provenance) <> 'object' then
        raise exception 'the provenance of task % is not a JSON object', p_task_id
            using errcode = 'OR011', detail = format('got %s', jsonb_typeof(p_provenance)),
            hint = 'pass {"provider": ..., "model": ..., "api_key_id": ..., "response_id": ...}, or null';
    end if;
    -- A key never reaches the database in clear: refuse one named api_key at any depth.
    if jsonb_path_exists(p_provenance, 'lax $.**.api_key') then
        raise exception 'the provenance of task % contains an API key', p_task_id
            using errcode = 'OR011', detail = 'a member named api_key was found in p_provenance',
            hint = 'pass the key''s id as api_key_id, never the key';
    end if;
    v_task := orchable._lock_claimed_task(p_task_id, p_claim_token);
    select coalesce(p_provenance, '{}'::jsonb)
        || jsonb_build_object('template_id', p.id, 'template_version', p.version)
    into v_provenance
    from public.prompt_templates as p
    where p.id = v_task.prompt_template_id;

    -- An output its split cannot use fails the task, unless a person approves it first:
    -- approve_task checks again, and the approver can edit the output.
    if not v_task.requires_approval then
        v_split_error := orchable._split_error(v_task.prompt_template_id, p_output);
    end if;
    if v_split_error is not null then
        update public.ai_tasks
        set status = 'failed', output_data = p_output, usage = p_usage, provenance = v_provenance,
            error_code = 'OR009', error_message = v_split_error, claim_token = null, locked_by = null, locked_until = null,
            updated_at = now()
        where id = p_task_id;
        return 'failed';
    end if;

    update public.ai_tasks
    set
        status = case when v_task.requires_approval then 'generated' else 'completed' end,
        output_data = p_output,
        usage = p_usage,
        provenance = v_provenance,
        error_message = null,
        error_code = null,
        claim_token = null,
        locked_by = null,
        locked_until = null,
        completed_at = case when v_task.requires_approval then null else now() end,
        updated_at = now()
    where id = p_task_id;
    return case when v_task.requires_approval then 'generated' else 'completed' end;
end
$$;

comment on function public.complete_task(uuid, uuid, jsonb, jsonb, jsonb) is
'Worker only. Stores a claimed task''s output: completed (children created at once) or generated when its stage requires approval. Returns the new status; a stale claim token raises OR006 and changes nothing; an output its split cannot use fails the task (OR009).
p_provenance (provider, model, api_key_id, response_id) is stored with the template id and version; one naming an api_key is refused (OR011).';

revoke all on function public.complete_task(uuid, uuid, jsonb, jsonb, jsonb)
from public, anon, authenticated, service_role;
grant execute on function public.complete_task(uuid, uuid, jsonb, jsonb, jsonb) to orchable_worker, service_role;
