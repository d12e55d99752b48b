create function orchable._batch_status(
    p_status text, p_total integer, p_completed integer, p_failed integer
)
returns text
language plpgsql
immutable
set search_path = pg_catalog, pg_temp
as $$
begin
    return case
        when p_status in ('paused', 'cancelled') then p_status
        when p_total > 0 and p_completed = p_total then 'completed'
        when p_total > 0 and p_completed + p_failed = p_total then 'failed'
        when p_status = 'pending' then 'pending'
        else 'processing'
    end;
end
$$;

comment on function orchable._batch_status(text, integer, integer, integer) is
'A batch''s status from its counters; paused and cancelled stay until resume_batch or forever.';
