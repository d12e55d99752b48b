-- SECURITY DEFINER: workers have no table privileges. A worker whose call outlasts its
-- lease extends it, so that no other worker claims the task meanwhile.
create function orchable_rpc.extend_lease(
    p_task_id uuid,
    p_claim_token uuid,
    p_lease_seconds integer default 300
)
returns timestamptz
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_locked_until timestamptz;
begin
    if p_lease_seconds is null or p_lease_seconds not between 1 and 86400 then
        raise exception 'extend_lease needs a lease from 1 to 86400 seconds'
            using errcode = 'OR010',
            detail = format('p_lease_seconds=%s', coalesce(p_lease_seconds::text, 'null')),
            hint = 'for example extend_lease(task_id, claim_token, 300)';
    end if;
    perform orchable._lock_claimed_task(p_task_id, p_claim_token);

    update public.ai_tasks
    set locked_until = now() + make_interval(secs => p_lease_seconds), updated_at = now()
    where id = p_task_id
    returning locked_until into v_locked_until;
    return v_locked_until;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create function public.extend_lease(
    p_task_id uuid,
    p_claim_token uuid,
    p_lease_seconds integer default 300
)
returns timestamptz
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.extend_lease(p_task_id, p_claim_token, p_lease_seconds);
end
$$;

comment on function orchable_rpc.extend_lease(uuid, uuid, integer) is
'The implementation of public.extend_lease, run with its owner''s rights; callable by the roles that may call public.extend_lease.';

comment on function public.extend_lease(uuid, uuid, integer) is
'Worker only. Extends the lease of a task the caller still holds to now() + p_lease_seconds and returns the new locked_until.
Errors: OR004 unknown task, OR006 stale claim (nothing changed), OR010 a lease outside 1..86400 seconds.';

revoke all on function orchable_rpc.extend_lease(uuid, uuid, integer) from public, anon, authenticated, service_role;
revoke all on function public.extend_lease(uuid, uuid, integer) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.extend_lease(uuid, uuid, integer) to orchable_worker, service_role;
grant execute on function public.extend_lease(uuid, uuid, integer) to orchable_worker, service_role;
