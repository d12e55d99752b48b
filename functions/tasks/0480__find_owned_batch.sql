create function orchable._find_owned_batch(p_batch_id uuid)
returns public.task_batches
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
    v_batch public.task_batches;
begin
    select * into v_batch from public.task_batches where id = p_batch_id;
    if not found or not orchable._caller_owns(v_batch.owner_id) then
        raise exception 'batch % not found', p_batch_id
            using errcode = 'OR005', hint = 'check the id; you can only act on your own batches';
    end if;
    return v_batch;
end
$$;

comment on function orchable._find_owned_batch(uuid) is
'The batch if the caller owns it, or raises OR005 as if it did not exist. It does not lock: tasks are always locked before their batch, as workers do, so that the two never deadlock.';
