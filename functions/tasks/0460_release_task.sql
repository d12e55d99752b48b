-- SECURITY DEFINER: workers have no table privileges. A worker that stops (SIGTERM) or
-- cannot run a task now (no usable API key) hands it back without spending a retry.
create function orchable_rpc.release_task(
    p_task_id uuid,
    p_claim_token uuid,
    p_delay_seconds integer default 0,
    p_reason text default null
)
returns text
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    if p_delay_seconds is null or p_delay_seconds not between 0 and 86400 then
        raise exception 'release_task needs a delay from 0 to 86400 seconds'
            using errcode = 'OR010',
            detail = format('p_delay_seconds=%s', coalesce(p_delay_seconds::text, 'null')),
            hint = 'for example release_task(task_id, claim_token, 0, ''worker shutting down'')';
    end if;
    perform orchable._lock_claimed_task(p_task_id, p_claim_token);

    -- retry_count stays: a released task has not failed. The reason goes to the event log
    -- through error_message, which the events trigger reads for a task back in plan.
    update public.ai_tasks
    set
        status = 'plan',
        run_after = now() + make_interval(secs => p_delay_seconds),
        error_message = 'released' || coalesce(': ' || nullif(btrim(p_reason), ''), ''),
        error_code = null,
        claim_token = null,
        locked_by = null,
        locked_until = null,
        updated_at = now()
    where id = p_task_id;
    return 'plan';
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create function public.release_task(
    p_task_id uuid,
    p_claim_token uuid,
    p_delay_seconds integer default 0,
    p_reason text default null
)
returns text
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.release_task(p_task_id, p_claim_token, p_delay_seconds, p_reason);
end
$$;

comment on function orchable_rpc.release_task(uuid, uuid, integer, text) is
'The implementation of public.release_task, run with its owner''s rights; callable by the roles that may call public.release_task.';

comment on function public.release_task(uuid, uuid, integer, text) is
'Worker only. Hands a claimed task back: plan again after p_delay_seconds, its claim cleared, no retry spent. Returns ''plan''.
The reason is logged as error_message ''released: <reason>''. Errors: OR004 unknown task, OR006 stale claim, OR010 a delay outside 0..86400.';

revoke all on function orchable_rpc.release_task(uuid, uuid, integer, text)
from public, anon, authenticated, service_role;
revoke all on function public.release_task(uuid, uuid, integer, text) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.release_task(uuid, uuid, integer, text) to orchable_worker, service_role;
grant execute on function public.release_task(uuid, uuid, integer, text) to orchable_worker, service_role;
