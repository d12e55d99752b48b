-- The events of finished batches (completed, failed, cancelled) that finished before
-- p_before, those older than it, in chunks of retention_chunk_rows: each chunk a
-- statement that locks the rows it deletes (SKIP LOCKED: a concurrent cleanup takes
-- others) and shares the lock of their batch, so that a batch retried meanwhile is left
-- alone (it is no longer finished when its row is locked, or it waits for this). Stops at
-- retention_rows_per_call; the rest waits for the next call. Returns how many it deleted.
create function orchable._delete_old_events(p_before timestamptz)
returns bigint
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
    v_chunk bigint := orchable._limit('retention_chunk_rows');
    v_most bigint := orchable._limit('retention_rows_per_call');
    v_deleted bigint := 0;
    v_count bigint;
begin
    loop
        with doomed as (
            select e.batch_id, e.id
            from public.task_batches as b
            join public.task_events as e on e.batch_id = b.id
            where b.status in ('completed', 'failed', 'cancelled') and b.finished_at < p_before
                and e.created_at < p_before
            limit least(v_chunk, v_most - v_deleted)
            for share of b skip locked
            for update of e skip locked
        )
        delete from public.task_events as e
        using doomed as d
        where e.batch_id = d.batch_id and e.id = d.id;
        get diagnostics v_count = row_count;
        v_deleted := v_deleted + v_count;
        exit when v_count < v_chunk or v_deleted >= v_most;
    end loop;
    return v_deleted;
end
$$;

comment on function orchable._delete_old_events(timestamptz) is
'Deletes, in chunks, the events older than p_before of batches that finished before it; returns how many (at most retention_rows_per_call).';
