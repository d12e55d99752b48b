-- SECURITY DEFINER: users cannot delete tasks directly; ownership is checked here.
-- Tasks go before the batch row, the order workers lock in.
create function public.delete_batch(p_batch_id uuid)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_batch public.task_batches := orchable._find_owned_batch(p_batch_id);
begin
    delete from public.ai_tasks where batch_id = v_batch.id;
    delete from public.task_batches where id = v_batch.id;
end
$$;

comment on function public.delete_batch(uuid) is
'Deletes a batch with its tasks and events.';

revoke all on function public.delete_batch(uuid) from public, anon, authenticated, service_role;
grant execute on function public.delete_batch(uuid) to authenticated, service_role;
