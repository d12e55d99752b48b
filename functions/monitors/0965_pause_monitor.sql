-- SECURITY DEFINER: monitors change state through these RPCs only.
create function orchable_rpc.pause_monitor(p_monitor_id uuid)
returns public.monitors
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_monitor public.monitors := orchable._lock_owned_monitor(p_monitor_id);
begin
    if v_monitor.state <> 'active' then
        raise exception 'monitor % is %, not active', p_monitor_id, v_monitor.state
            using errcode = 'OR007', hint = 'only an active monitor can be paused';
    end if;
    update public.monitors set state = 'paused', next_run_at = null, updated_at = now()
    where id = p_monitor_id
    returning * into v_monitor;
    return v_monitor;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create function public.pause_monitor(p_monitor_id uuid)
returns public.monitors
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.pause_monitor(p_monitor_id);
end
$$;

comment on function orchable_rpc.pause_monitor(uuid) is
'The implementation of public.pause_monitor, run with its owner''s rights; callable by the roles that may call public.pause_monitor.';

comment on function public.pause_monitor(uuid) is
'Pauses the caller''s active monitor: no run starts until resume_monitor (a run already started goes on). OR034 for a monitor not theirs, OR007 unless active.';

revoke all on function orchable_rpc.pause_monitor(uuid) from public, anon, authenticated, service_role;
revoke all on function public.pause_monitor(uuid) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.pause_monitor(uuid) to authenticated, service_role;
grant execute on function public.pause_monitor(uuid) to authenticated, service_role;
