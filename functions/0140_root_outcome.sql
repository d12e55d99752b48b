create function orchable._root_outcome(p_open_count integer, p_failed_count integer, p_cancelled_count integer)
returns text
language plpgsql
immutable
set search_path = ''
as $$
begin
    return case
        when p_failed_count > 0 then 'failed'
        when p_open_count > 0 then 'open'
        when p_cancelled_count > 0 then 'cancelled'
        else 'completed'
    end;
end
$$;

comment on function orchable._root_outcome(integer, integer, integer) is
'The outcome of one input from its tree''s counts: failed as soon as a task failed for good, completed when nothing is open.';
