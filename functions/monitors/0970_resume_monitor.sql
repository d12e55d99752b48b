-- SECURITY DEFINER: monitors change state through these RPCs only.
create function orchable_rpc.resume_monitor(p_monitor_id uuid)
returns public.monitors
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_monitor public.monitors := orchable._lock_owned_monitor(p_monitor_id);
begin
    if v_monitor.state = 'active' then
        raise exception 'monitor % is already active', p_monitor_id
            using errcode = 'OR007', hint = 'resume a paused or completed monitor';
    end if;
    -- A completed (once) monitor starts over: told again the next time the condition holds.
    update public.monitors
    set
        state = 'active',
        next_run_at = orchable._cron_next_run(schedule, now(), timezone),
        consecutive_failures = 0,
        updated_at = now()
    where id = p_monitor_id
    returning * into v_monitor;
    return v_monitor;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create function public.resume_monitor(p_monitor_id uuid)
returns public.monitors
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.resume_monitor(p_monitor_id);
end
$$;

comment on function orchable_rpc.resume_monitor(uuid) is
'The implementation of public.resume_monitor, run with its owner''s rights; callable by the roles that may call public.resume_monitor.';

comment on function public.resume_monitor(uuid) is
'Resumes the caller''s paused or completed monitor: scheduled again from now (runs missed while paused are not made up). OR034 for a monitor not theirs, OR007 when already active.';

revoke all on function orchable_rpc.resume_monitor(uuid) from public, anon, authenticated, service_role;
revoke all on function public.resume_monitor(uuid) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.resume_monitor(uuid) to authenticated, service_role;
grant execute on function public.resume_monitor(uuid) to authenticated, service_role;
