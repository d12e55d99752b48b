-- SECURITY DEFINER: workers have no table privileges. A failure whose kind the database
-- knows: the kind decides the project code stored in error_code and whether the task is
-- retried, so the worker reports what happened and SQL decides what it means.
create function orchable_rpc.report_task_failure(
    p_task_id uuid,
    p_claim_token uuid,
    p_kind text,
    p_error text
)
returns text
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_code text := case p_kind
        when 'unreadable_task' then 'OR018'
        when 'output_uncheckable' then 'OR019'
    end;
begin
    if v_code is null then
        raise exception 'unknown failure kind %', coalesce(quote_literal(p_kind), 'null')
            using errcode = 'OR010',
            hint = 'report_task_failure takes unreadable_task or output_uncheckable; use fail_task for the others';
    end if;
    perform orchable._lock_claimed_task(p_task_id, p_claim_token);
    -- Neither kind can turn out otherwise on a retry: the task fails for good.
    update public.ai_tasks
    set
        status = 'failed',
        error_code = v_code,
        error_message = left(coalesce(p_error, p_kind), 2000),
        claim_token = null,
        locked_by = null,
        locked_until = null,
        updated_at = now()
    where id = p_task_id;
    return 'failed';
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create function public.report_task_failure(
    p_task_id uuid,
    p_claim_token uuid,
    p_kind text,
    p_error text
)
returns text
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.report_task_failure(p_task_id, p_claim_token, p_kind, p_error);
end
$$;

comment on function orchable_rpc.report_task_failure(uuid, uuid, text, text) is
'The implementation of public.report_task_failure, run with its owner''s rights; callable by the roles that may call public.report_task_failure.';

comment on function public.report_task_failure(uuid, uuid, text, text) is
'Worker only. Fails a claimed task for good with the project code of its kind: unreadable_task (OR018: its input, settings or schema cannot be decoded by the worker) or output_uncheckable (OR019: its output could not be checked against output_schema within the worker''s limits). Returns the new status; a stale claim token raises OR006 and changes nothing; an unknown kind raises OR010.';

revoke all on function orchable_rpc.report_task_failure(uuid, uuid, text, text)
from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.report_task_failure(uuid, uuid, text, text)
to orchable_worker, service_role;
revoke all on function public.report_task_failure(uuid, uuid, text, text)
from public, anon, authenticated, service_role;
grant execute on function public.report_task_failure(uuid, uuid, text, text)
to orchable_worker, service_role;
