-- Launches the cron triggers due at p_now (at most p_limit, locked with SKIP LOCKED) and
-- moves each to its first time after p_now; as orchable._start_due_monitors, with
-- p_isolated each launch has a savepoint of its own and a failed one is kept in the
-- trigger's last_error, without it a failure raises.
create function orchable._launch_due_triggers(p_now timestamptz, p_limit bigint, p_isolated boolean)
returns integer
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
    v_trigger public.triggers;
    v_batch public.task_batches;
    v_error text;
    v_launched integer := 0;
begin
    for v_trigger in
        select * from public.triggers as t
        where t.kind = 'cron' and t.state = 'active' and t.next_run_at <= p_now
        order by t.next_run_at
        limit p_limit
        for update skip locked
    loop
        v_batch := null;
        v_error := null;
        if not p_isolated then
            v_batch := orchable._launch_trigger(v_trigger);
        else
            begin
                v_batch := orchable._launch_trigger(v_trigger);
            exception when others then
                get stacked diagnostics v_error = message_text;
            end;
        end if;
        v_launched := v_launched + (v_batch.id is not null)::integer;
        update public.triggers as t
        set
            next_run_at = orchable._cron_next_run(t.schedule, p_now, t.timezone),
            last_run_at = p_now,
            last_batch_id = coalesce(v_batch.id, t.last_batch_id),
            last_error = v_error,
            updated_at = now()
        where t.id = v_trigger.id;
    end loop;
    return v_launched;
end
$$;

comment on function orchable._launch_due_triggers(timestamptz, bigint, boolean) is
'Launches up to p_limit cron triggers due at p_now and moves each to its next time; p_isolated: each in a savepoint, a failed launch kept in last_error, not raised.';
