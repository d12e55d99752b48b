-- SECURITY DEFINER: users cannot insert batches or tasks directly; this is the one way in.
create function orchable_rpc.launch_batch(
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
begin
    select * into v_orchestrator from public.orchestrators where id = p_orchestrator_id;
    if not found or not orchable._caller_owns(v_orchestrator.owner_id) then
        raise exception 'orchestrator % not found', p_orchestrator_id
            using errcode = 'OR002', hint = 'create it with upsert_orchestrator, or check the id';
    end if;
    return orchable._launch_batch(v_orchestrator, p_inputs, p_name, p_config, p_idempotency_key);
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create function public.launch_batch(
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
