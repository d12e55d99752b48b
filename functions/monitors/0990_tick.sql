-- SECURITY DEFINER: the scheduler reads every owner's monitors and triggers. Called every
-- few seconds by pg_cron where the database has it, else by workers (orchable worker
-- --tick-seconds). Each due row is locked with SKIP LOCKED and moved to its next time in
-- the transaction that starts it, so ticks running at once start each due run exactly
-- once; runs missed while nothing ticked collapse into one (the next time is the first
-- after now, not after the missed one). All start in one pass; when one cannot start, the
-- pass is undone and made again with a savepoint per row, so that one fails alone (its
-- schedule moves on and the error is kept) and the others start. Then the open
-- interactions' due reminders, escalation steps and timeouts, each once, and the answers
-- orchable serve stored and never matched. Then, at most once an hour, retention
-- (orchable._run_retention).
create function orchable_rpc.tick(p_now timestamptz default null)
returns table (monitor_runs integer, trigger_launches integer, interaction_steps integer, rows_deleted bigint)
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_now timestamptz := coalesce(p_now, now());
    v_limit bigint := orchable._limit('runs_per_tick');
begin
    begin
        monitor_runs := orchable._start_due_monitors(v_now, v_limit, false);
    exception when others then
        monitor_runs := orchable._start_due_monitors(v_now, v_limit, true);
    end;
    begin
        trigger_launches := orchable._launch_due_triggers(v_now, v_limit, false);
    exception when others then
        trigger_launches := orchable._launch_due_triggers(v_now, v_limit, true);
    end;
    interaction_steps := orchable._advance_interactions(v_now, v_limit)
        + orchable._match_stranded_answers(v_now, v_limit);
    -- Retention, at most once an hour; a failure (a deadlock with a person's retry) never
    -- stops the scheduler, and the next tick tries again.
    begin
        rows_deleted := orchable._run_retention(v_now);
    exception when others then
        raise warning 'retention skipped: % (%)', sqlerrm, sqlstate;
        rows_deleted := 0;
    end;
    return next;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create function public.tick(p_now timestamptz default null)
returns table (monitor_runs integer, trigger_launches integer, interaction_steps integer, rows_deleted bigint)
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
'Scheduler only (pg_cron, workers, service_role). Starts every monitor run and cron trigger launch due at p_now (default now(), at most runs_per_tick of each) and moves each to its next time after p_now; then sends due interaction reminders, takes escalation steps, applies timeouts and matches the answers orchable serve stored a minute ago or more and never matched. Safe to call from many processes at once (each due run starts once, each step is taken once). At most once an hour it also deletes the events and LLM calls of finished batches older than the limits event_retention_days and llm_call_retention_days, and finished batches older than finished_batch_retention_days when set. Returns how many runs, launches and interaction steps (answers matched included) it started, and how many rows retention deleted.';

revoke all on function orchable_rpc.tick(timestamptz) from public, anon, authenticated, service_role;
revoke all on function public.tick(timestamptz) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.tick(timestamptz) to orchable_worker, service_role;
grant execute on function public.tick(timestamptz) to orchable_worker, service_role;
