-- SECURITY DEFINER: users cannot update tasks directly; ownership is checked here.
create function orchable_rpc.retry_batch(p_batch_id uuid)
returns integer
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_batch public.task_batches := orchable._find_owned_batch(p_batch_id);
    v_count integer;
begin
    if v_batch.status = 'cancelled' then
        raise exception 'batch % is cancelled', p_batch_id
            using errcode = 'OR007', hint = 'launch the inputs again in a new batch';
    end if;
    update public.ai_tasks
    set status = 'plan', retry_count = 0, lease_expired_count = 0, run_after = now(), output_data = null,
        error_message = null, error_code = null, updated_at = now()
    where batch_id = p_batch_id and status = 'failed';
    get diagnostics v_count = row_count;
    return v_count;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create function public.retry_batch(p_batch_id uuid)
returns integer
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.retry_batch(p_batch_id);
end
$$;

comment on function orchable_rpc.retry_batch(uuid) is
'The implementation of public.retry_batch, run with its owner''s rights; callable by the roles that may call public.retry_batch.';

comment on function public.retry_batch(uuid) is
'Puts every failed task of a batch back to plan with a fresh set of retries; returns how many.';

revoke all on function orchable_rpc.retry_batch(uuid) from public, anon, authenticated, service_role;
revoke all on function public.retry_batch(uuid) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.retry_batch(uuid) to authenticated, service_role;
grant execute on function public.retry_batch(uuid) to authenticated, service_role;
