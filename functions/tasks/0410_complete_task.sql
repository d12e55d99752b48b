-- SECURITY DEFINER: workers have no table privileges. Completing fires the fan-out,
-- counter and event triggers in this same transaction.
create function orchable_rpc.complete_task(
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
set search_path = pg_catalog, pg_temp
as $$
declare
    v_status text;
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
    -- The task exists and the claim is current, or this raises OR004 / OR006 saying why.
    perform orchable._lock_claimed_task(p_task_id, p_claim_token);
    -- One definition of completing (split check, approval, provenance, the update):
    -- complete_tasks', with this one result.
    select c.status into v_status
    from orchable_rpc.complete_tasks(jsonb_build_array(jsonb_build_object(
        'task_id', p_task_id, 'claim_token', p_claim_token, 'output', p_output,
        'usage', p_usage, 'provenance', p_provenance
    ))) as c;
    return v_status;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
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
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.complete_task(p_task_id, p_claim_token, p_output, p_usage, p_provenance);
end
$$;

comment on function orchable_rpc.complete_task(uuid, uuid, jsonb, jsonb, jsonb) is
'The implementation of public.complete_task, run with its owner''s rights; callable by the roles that may call public.complete_task.';

comment on function public.complete_task(uuid, uuid, jsonb, jsonb, jsonb) is
'Worker only. Stores a claimed task''s output: completed (children created at once) or generated when its stage requires approval. Returns the new status; a stale claim token raises OR006 and changes nothing; an output its split cannot use fails the task (OR009).
p_provenance (provider, model, api_key_id, response_id) is stored with the template id and version; one naming an api_key is refused (OR011).';

revoke all on function orchable_rpc.complete_task(uuid, uuid, jsonb, jsonb, jsonb)
from public, anon, authenticated, service_role;
revoke all on function public.complete_task(uuid, uuid, jsonb, jsonb, jsonb)
from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.complete_task(uuid, uuid, jsonb, jsonb, jsonb) to orchable_worker, service_role;
grant execute on function public.complete_task(uuid, uuid, jsonb, jsonb, jsonb) to orchable_worker, service_role;
