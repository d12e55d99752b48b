-- The batches that finished (completed, failed, cancelled) before p_before, with their
-- tasks, events, calls, pauses and interactions, retention_chunk_batches at a time. Locks
-- in the order workers and delete_batch do, tasks before their batch, so that a person
-- retrying a task of one of them never deadlocks with this: the candidates are read
-- without a lock, their tasks locked, then the batches locked and checked again; a
-- batch retried meanwhile is no longer finished and is left with its tasks. Stops at
-- retention_rows_per_call batches. Returns how many batches it deleted.
create function orchable._purge_finished_batches(p_before timestamptz)
returns bigint
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
    v_chunk bigint := orchable._limit('retention_chunk_batches');
    v_most bigint := orchable._limit('retention_rows_per_call');
    v_deleted bigint := 0;
    v_count bigint;
    v_candidates uuid [];
    v_batch_ids uuid [];
begin
    loop
        select array_agg(b.id) into v_candidates
        from (
            select b.id
            from public.task_batches as b
            where b.status in ('completed', 'failed', 'cancelled') and b.finished_at < p_before
            order by b.finished_at
            limit least(v_chunk, v_most - v_deleted)
        ) as b;
        exit when v_candidates is null;

        perform from public.ai_tasks as t where t.batch_id = any(v_candidates) order by t.id for update;
        select array_agg(b.id) into v_batch_ids
        from (
            select b.id
            from public.task_batches as b
            where b.id = any(v_candidates)
                and b.status in ('completed', 'failed', 'cancelled') and b.finished_at < p_before
            order by b.id
            for update
        ) as b;
        exit when v_batch_ids is null;

        delete from public.ai_tasks where batch_id = any(v_batch_ids);
        delete from public.task_batches where id = any(v_batch_ids);
        get diagnostics v_count = row_count;
        v_deleted := v_deleted + v_count;
        exit when cardinality(v_candidates) < v_chunk or v_deleted >= v_most;
    end loop;
    return v_deleted;
end
$$;

comment on function orchable._purge_finished_batches(timestamptz) is
'Deletes, in chunks, the batches that finished before p_before with everything of theirs; returns how many batches (at most retention_rows_per_call).';
