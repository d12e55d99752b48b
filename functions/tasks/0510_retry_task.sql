-- SECURITY DEFINER: users cannot update tasks directly; ownership is checked here.
create function orchable_rpc.retry_task(p_task_id uuid)
returns text
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_task public.ai_tasks := orchable._lock_owned_task(p_task_id);
begin
    if v_task.status <> 'failed' then
        raise exception 'task % is %; only a failed task can be retried', p_task_id, v_task.status
            using errcode = 'OR007', hint = 'a task that completed has already created its children';
    end if;
    if exists (select from public.task_batches where id = v_task.batch_id and status = 'cancelled') then
        raise exception 'task % belongs to a cancelled batch', p_task_id
            using errcode = 'OR007', hint = 'launch the inputs again in a new batch';
    end if;
    update public.ai_tasks
    set status = 'plan', retry_count = 0, lease_expired_count = 0, run_after = now(), output_data = null,
        error_message = null, error_code = null, updated_at = now()
    where id = p_task_id;
    return 'plan';
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create function public.retry_task(p_task_id uuid)
returns text
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.retry_task(p_task_id);
end
$$;

comment on function orchable_rpc.retry_task(uuid) is
'The implementation of public.retry_task, run with its owner''s rights; callable by the roles that may call public.retry_task.';

comment on function public.retry_task(uuid) is
'Puts a failed task back to plan with a fresh set of retries.';

revoke all on function orchable_rpc.retry_task(uuid) from public, anon, authenticated, service_role;
revoke all on function public.retry_task(uuid) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.retry_task(uuid) to authenticated, service_role;
grant execute on function public.retry_task(uuid) to authenticated, service_role;
