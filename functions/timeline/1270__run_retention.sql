-- Retention from tick(), at most once an hour: the events and LLM calls of finished
-- batches older than event_retention_days and llm_call_retention_days, and, when an
-- operator set finished_batch_retention_days, the finished batches older than that. One
-- process at a time (a transaction-level advisory lock; a tick that finds it taken skips
-- retention), each kind bounded by retention_rows_per_call. Returns the rows it deleted.
create function orchable._run_retention(p_now timestamptz)
returns bigint
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
    v_events bigint := 0;
    v_calls bigint := 0;
    v_batches bigint := 0;
    v_days bigint;
begin
    -- The key: 'orchable.retention' as a number (no other advisory lock is taken here).
    if not pg_catalog.pg_try_advisory_xact_lock(7012312100000001) then
        return 0;
    end if;
    if exists (
        select from orchable.retention_runs as r
        where r.name = 'tick' and r.last_run_at > p_now - interval '1 hour'
    ) then
        return 0;
    end if;
    v_days := orchable._limit('event_retention_days');
    if v_days is not null then
        v_events := orchable._delete_old_events(p_now - make_interval(days => v_days::integer));
    end if;
    v_days := orchable._limit('llm_call_retention_days');
    if v_days is not null then
        v_calls := orchable._delete_old_llm_calls(p_now - make_interval(days => v_days::integer));
    end if;
    v_days := orchable._limit('finished_batch_retention_days');
    if v_days is not null then
        v_batches := orchable._purge_finished_batches(p_now - make_interval(days => v_days::integer));
    end if;
    insert into orchable.retention_runs as r (name, last_run_at, events_deleted, llm_calls_deleted, batches_deleted)
    values ('tick', p_now, v_events, v_calls, v_batches)
    on conflict (name) do update
    set last_run_at = excluded.last_run_at, events_deleted = excluded.events_deleted,
        llm_calls_deleted = excluded.llm_calls_deleted, batches_deleted = excluded.batches_deleted;
    return v_events + v_calls + v_batches;
end
$$;

comment on function orchable._run_retention(timestamptz) is
'tick()''s retention, at most once an hour: old events and LLM calls of finished batches, and old finished batches when finished_batch_retention_days is set; returns the rows it deleted.';
