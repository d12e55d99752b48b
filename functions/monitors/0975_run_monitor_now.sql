-- SECURITY DEFINER: runs start through tick() and this RPC only.
create function orchable_rpc.run_monitor_now(p_monitor_id uuid, p_notify boolean default true)
returns public.monitor_executions
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_monitor public.monitors := orchable._lock_owned_monitor(p_monitor_id);
begin
    if p_notify is null then
        raise exception 'p_notify must be true or false'
            using errcode = 'OR003', hint = 'false makes a dry run, which notifies no one';
    end if;
    return orchable._start_monitor_run(v_monitor, null, not p_notify);
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create function public.run_monitor_now(p_monitor_id uuid, p_notify boolean default true)
returns public.monitor_executions
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.run_monitor_now(p_monitor_id, p_notify);
end
$$;

comment on function orchable_rpc.run_monitor_now(uuid, boolean) is
'The implementation of public.run_monitor_now, run with its owner''s rights; callable by the roles that may call public.run_monitor_now.';

comment on function public.run_monitor_now(uuid, boolean) is
'Starts a run of the caller''s monitor now, whatever its state and schedule (which it leaves as they are); returns the execution. p_notify false makes a dry run: it notifies no one and changes nothing the monitor knows. OR034 for a monitor not theirs.';

revoke all on function orchable_rpc.run_monitor_now(uuid, boolean) from public, anon, authenticated, service_role;
revoke all on function public.run_monitor_now(uuid, boolean) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.run_monitor_now(uuid, boolean) to authenticated, service_role;
grant execute on function public.run_monitor_now(uuid, boolean) to authenticated, service_role;
