-- Starts the monitor runs due at p_now (at most p_limit, in due order, each locked with
-- SKIP LOCKED so that concurrent ticks share them) and moves each monitor to its first
-- time after p_now, so runs missed while nothing ticked collapse into one. With
-- p_isolated, each start runs in a savepoint of its own and one that fails is recorded as
-- a failed execution while the others start; without, a failure raises (tick() tries the
-- isolated way only then: a savepoint per run would make every other session's snapshot
-- checks read pg_subtrans for as long as a tick of hundreds of runs lasts).
create function orchable._start_due_monitors(p_now timestamptz, p_limit bigint, p_isolated boolean)
returns integer
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
    v_monitor public.monitors;
    v_started integer := 0;
    v_error text;
begin
    for v_monitor in
        select * from public.monitors as m
        where m.state = 'active' and m.next_run_at <= p_now
        order by m.next_run_at
        limit p_limit
        for update skip locked
    loop
        if not p_isolated then
            perform orchable._start_monitor_run(v_monitor, v_monitor.next_run_at, false);
            v_started := v_started + 1;
        else
            begin
                perform orchable._start_monitor_run(v_monitor, v_monitor.next_run_at, false);
                v_started := v_started + 1;
            exception when others then
                get stacked diagnostics v_error = message_text;
                insert into public.monitor_executions (
                    id, monitor_id, owner_id, scheduled_for, status, completed_at, error_message, notify_reason
                )
                values (
                    orchable.time_ordered_uuid(), v_monitor.id, v_monitor.owner_id, v_monitor.next_run_at,
                    'failed', now(), 'the run could not start: ' || v_error, 'failed'
                );
            end;
        end if;
        update public.monitors as m
        set
            next_run_at = orchable._cron_next_run(m.schedule, p_now, m.timezone),
            last_run_at = p_now,
            updated_at = now()
        where m.id = v_monitor.id;
    end loop;
    return v_started;
end
$$;

comment on function orchable._start_due_monitors(timestamptz, bigint, boolean) is
'Starts up to p_limit monitor runs due at p_now and moves each monitor to its next time; p_isolated: each in a savepoint, a failed start recorded, not raised.';
