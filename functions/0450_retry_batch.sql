-- SECURITY DEFINER: users cannot update tasks directly; ownership is checked here.
create function public.retry_batch(p_batch_id uuid)
returns integer
language plpgsql
volatile
security definer
set search_path = ''
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

comment on function public.retry_batch(uuid) is
'Puts every failed task of a batch back to plan with a fresh set of retries; returns how many.';

revoke all on function public.retry_batch(uuid) from public, anon, authenticated, service_role;
grant execute on function public.retry_batch(uuid) to authenticated, service_role;
