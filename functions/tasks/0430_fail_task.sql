-- SECURITY DEFINER: workers have no table privileges. Superseded by report_task_failure
-- (the worker reports a kind, the database decides); kept while workers of the previous
-- version may still call it.
create function orchable_rpc.fail_task(
    p_task_id uuid,
    p_claim_token uuid,
    p_error text,
    p_retryable boolean default true
)
returns text
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_task public.ai_tasks;
    v_retry boolean;
begin
    v_task := orchable._lock_claimed_task(p_task_id, p_claim_token);
    v_retry := coalesce(p_retryable, true) and v_task.retry_count < v_task.max_retries;

    update public.ai_tasks
    set
        status = case when v_retry then 'plan' else 'failed' end,
        retry_count = v_task.retry_count + v_retry::integer,
        run_after = case when v_retry then now() + orchable._retry_delay(v_task.retry_count + 1) else run_after end,
        error_message = coalesce(p_error, 'failed without a message'),
        error_code = null,
        claim_token = null,
        locked_by = null,
        locked_until = null,
        updated_at = now()
    where id = p_task_id;
    return case when v_retry then 'plan' else 'failed' end;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create function public.fail_task(
    p_task_id uuid,
    p_claim_token uuid,
    p_error text,
    p_retryable boolean default true
)
returns text
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.fail_task(p_task_id, p_claim_token, p_error, p_retryable);
end
$$;

comment on function orchable_rpc.fail_task(uuid, uuid, text, boolean) is
'The implementation of public.fail_task, run with its owner''s rights; callable by the roles that may call public.fail_task.';

comment on function public.fail_task(uuid, uuid, text, boolean) is
'Worker only; superseded by report_task_failure, which stores the failure''s kind, and kept for workers of the previous version. Records a claimed task''s failure: a retryable one goes back to plan after an exponential backoff with jitter until the stage''s max_retries, then fails for good. Returns the new status; a stale claim token raises OR006 and changes nothing.';

revoke all on function orchable_rpc.fail_task(uuid, uuid, text, boolean) from public, anon, authenticated, service_role;
revoke all on function public.fail_task(uuid, uuid, text, boolean) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.fail_task(uuid, uuid, text, boolean) to orchable_worker, service_role;
grant execute on function public.fail_task(uuid, uuid, text, boolean) to orchable_worker, service_role;
