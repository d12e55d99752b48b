-- SECURITY DEFINER: users cannot delete tasks directly; ownership is checked here.
-- Tasks go before the batch row, the order workers lock in.
create function orchable_rpc.delete_batch(p_batch_id uuid)
returns void
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_batch public.task_batches := orchable._find_owned_batch(p_batch_id);
begin
    delete from public.ai_tasks where batch_id = v_batch.id;
    delete from public.task_batches where id = v_batch.id;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create function public.delete_batch(p_batch_id uuid)
returns void
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    perform orchable_rpc.delete_batch(p_batch_id);
end
$$;

comment on function orchable_rpc.delete_batch(uuid) is
'The implementation of public.delete_batch, run with its owner''s rights; callable by the roles that may call public.delete_batch.';

comment on function public.delete_batch(uuid) is
'Deletes a batch with its tasks and events.';

revoke all on function orchable_rpc.delete_batch(uuid) from public, anon, authenticated, service_role;
revoke all on function public.delete_batch(uuid) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.delete_batch(uuid) to authenticated, service_role;
grant execute on function public.delete_batch(uuid) to authenticated, service_role;
