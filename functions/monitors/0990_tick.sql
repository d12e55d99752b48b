-- SECURITY DEFINER: the scheduler reads every owner's monitors and triggers. Called every
-- few seconds by pg_cron where the database has it, else by workers (orchable worker
-- --tick-seconds). Each due row is locked with SKIP LOCKED and moved to its next time in
-- the transaction that starts it, so ticks running at once start each due run exactly
-- once; runs missed while nothing ticked collapse into one (the next time is the first
-- after now, not after the missed one). One row that cannot start fails alone: its
-- schedule moves on and the error is kept, and the others start.
create function orchable_rpc.tick(p_now timestamptz default null)
returns table (monitor_runs integer, trigger_launches integer)
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_now timestamptz := coalesce(p_now, now());
    v_limit bigint := orchable._limit('runs_per_tick');
    v_monitor public.monitors;
    v_trigger public.triggers;
    v_batch public.task_batches;
    v_error text;
begin
    monitor_runs := 0;
    trigger_launches := 0;
    for v_monitor in
        select * from public.monitors as m
        where m.state = 'active' and m.next_run_at <= v_now
        order by m.next_run_at
        limit v_limit
        for update skip locked
    loop
        begin
            perform orchable._start_monitor_run(v_monitor, v_monitor.next_run_at, false);
            monitor_runs := monitor_runs + 1;
        exception when others then
            get stacked diagnostics v_error = message_text;
            insert into public.monitor_executions (
                id, monitor_id, owner_id, scheduled_for, status, completed_at, error_message, notify_reason
            )
            values (
                orchable.time_ordered_uuid(), v_monitor.id, v_monitor.owner_id, v_monitor.next_run_at, 'failed', now(),
                'the run could not start: ' || v_error, 'failed'
            );
        end;
        update public.monitors as m
        set
            next_run_at = orchable_rpc.cron_next_run(m.schedule, v_now, m.timezone),
            last_run_at = v_now,
            updated_at = now()
        where m.id = v_monitor.id;
    end loop;

    for v_trigger in
        select * from public.triggers as t
        where t.kind = 'cron' and t.state = 'active' and t.next_run_at <= v_now
        order by t.next_run_at
        limit v_limit
        for update skip locked
    loop
        v_batch := null;
        v_error := null;
        begin
            v_batch := orchable._launch_batch(
                (select o from public.orchestrators as o where o.id = v_trigger.orchestrator_id), v_trigger.inputs,
                left(v_trigger.name, 150) || ' ' || to_char(v_trigger.next_run_at at time zone v_trigger.timezone,
                    'YYYY-MM-DD HH24:MI'),
                v_trigger.config,
                'trigger ' || v_trigger.id || ' ' || v_trigger.next_run_at
            );
            trigger_launches := trigger_launches + 1;
        exception when others then
            get stacked diagnostics v_error = message_text;
        end;
        update public.triggers as t
        set
            next_run_at = orchable_rpc.cron_next_run(t.schedule, v_now, t.timezone),
            last_run_at = v_now,
            last_batch_id = coalesce(v_batch.id, t.last_batch_id),
            last_error = v_error,
            updated_at = now()
        where t.id = v_trigger.id;
    end loop;
    return next;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create function public.tick(p_now timestamptz default null)
returns table (monitor_runs integer, trigger_launches integer)
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return query select * from orchable_rpc.tick(p_now);
end
$$;

comment on function orchable_rpc.tick(timestamptz) is
'The implementation of public.tick, run with its owner''s rights; callable by the roles that may call public.tick.';

comment on function public.tick(timestamptz) is
'Scheduler only (pg_cron, workers, service_role). Starts every monitor run and cron trigger launch due at p_now (default now(), at most runs_per_tick of each) and moves each to its next time after p_now; safe to call from many processes at once (each due run starts once). Returns how many runs and launches it started.';

revoke all on function orchable_rpc.tick(timestamptz) from public, anon, authenticated, service_role;
revoke all on function public.tick(timestamptz) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.tick(timestamptz) to orchable_worker, service_role;
grant execute on function public.tick(timestamptz) to orchable_worker, service_role;
