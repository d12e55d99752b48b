-- The LLM calls of finished batches that finished before p_before, those recorded before
-- it, in chunks, as _delete_old_events deletes events. A batch's cost in
-- v_batch_progress is summed from its calls, so it reads 0 once they are gone; its
-- spent_usd stays.
create function orchable._delete_old_llm_calls(p_before timestamptz)
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
            select c.id
            from public.task_batches as b
            join public.llm_calls as c on c.batch_id = b.id
            where b.status in ('completed', 'failed', 'cancelled') and b.finished_at < p_before
                and c.created_at < p_before
            limit least(v_chunk, v_most - v_deleted)
            for share of b skip locked
            for update of c skip locked
        )
        delete from public.llm_calls as c
        using doomed as d
        where c.id = d.id;
        get diagnostics v_count = row_count;
        v_deleted := v_deleted + v_count;
        exit when v_count < v_chunk or v_deleted >= v_most;
    end loop;
    return v_deleted;
end
$$;

comment on function orchable._delete_old_llm_calls(timestamptz) is
'Deletes, in chunks, the LLM calls older than p_before of batches that finished before it; returns how many (at most retention_rows_per_call).';
